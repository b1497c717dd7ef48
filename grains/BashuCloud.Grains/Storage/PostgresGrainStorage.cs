using System.Globalization;
using Npgsql;
using Orleans.Storage;

namespace BashuCloud.Storage;

/// <summary>
/// Grain state in PostgreSQL's grain_state table, as JSON (<see cref="JsonGrainStateSerializer"/>), one row per state name and
/// grain key; every write also appends to the change log in the same transaction. Writes go through
/// <see cref="GroupCommit"/>. The rows are the ones Orleans' ADO.NET grain storage reads and writes with our
/// queries (deploy/sql), so either provider can open the other's data.
/// </summary>
internal sealed class PostgresGrainStorage(NpgsqlDataSource database, string serviceId, GroupCommit commit) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            await ReadAsync(stateName, grainId, grainState);
        }
        catch (NpgsqlException exception) when (exception.IsTransient)
        {
            throw Unavailable("read", stateName, grainId, exception);
        }
    }

    private async Task ReadAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var command = database.CreateCommand("""
            SELECT payload::text, version FROM grain_state
             WHERE service_id = $1 AND state_name = $2 AND grain_key = $3 AND grain_n0 = 0 AND grain_n1 = 0
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stateName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = KeyOf(grainId) });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            Reset(grainState, version: null);
            return;
        }
        if (reader.IsDBNull(0))
        {
            Reset(grainState, reader.GetInt32(1));
            return;
        }
        grainState.State = JsonGrainStateSerializer.FromJson<T>(reader.GetString(0));
        grainState.ETag = reader.GetInt32(1).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = JsonGrainStateSerializer.ToJson(grainState.State);
        var version = await WriteAsync(stateName, grainId, grainState, payload);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // Nothing was ever stored as far as this activation knows: there is nothing to clear.
        var version = grainState.ETag is null ? (int?)null : await WriteAsync(stateName, grainId, grainState, payload: null);
        Reset(grainState, version);
    }

    private async Task<int> WriteAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, string? payload)
    {
        var expected = grainState.ETag is { } etag ? int.Parse(etag, CultureInfo.InvariantCulture) : (int?)null;
        int? written;
        try
        {
            written = await commit.WriteAsync(stateName, KeyOf(grainId), expected, payload);
        }
        catch (NpgsqlException exception) when (exception.IsTransient)
        {
            throw Unavailable("write", stateName, grainId, exception);
        }
        catch (PostgresException exception)
        {
            throw new StorageRefusedException(exception.SqlState, $"PostgreSQL refused the write of {stateName} for {grainId}: {exception.SqlState} {exception.MessageText}");
        }
        return written
            ?? throw new InconsistentStateException(
                $"The stored version of {stateName} for {grainId} is not {grainState.ETag ?? "absent"}: another activation wrote it.",
                storedEtag: "unknown", currentEtag: grainState.ETag ?? "");
    }

    // Only the message crosses to the caller: Npgsql's exceptions have no Orleans codec.
    private static StorageUnavailableException Unavailable(string operation, string stateName, GrainId grainId, NpgsqlException exception) =>
        new($"PostgreSQL unreachable; could not {operation} {stateName} of {grainId}: {exception.Message}");

    private static void Reset<T>(IGrainState<T> grainState, int? version)
    {
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = version?.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = false;
    }

    /// <summary>Our grains have string keys (ids carrying their region); the key is stored as it is.</summary>
    private static string KeyOf(GrainId grainId) => grainId.Key.ToString()!;
}
