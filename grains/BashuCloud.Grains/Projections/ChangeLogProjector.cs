using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace BashuCloud.Projections;

/// <summary>
/// Projects the change log into the read model. Every silo runs one; a PostgreSQL advisory lock lets exactly
/// one of them work, and when that silo dies its connection (and lock) goes with it and another takes over.
/// Each batch applies its rows and moves the checkpoint in one transaction, so a crash at any point either
/// applies a batch whole or leaves it to be applied again; applying twice changes nothing (rows only move
/// forward in version).
/// </summary>
internal sealed partial class ChangeLogProjector(
    NpgsqlDataSource database,
    IOptions<ProjectionOptions> options,
    IOptions<ClusterOptions> cluster,
    ILogger<ChangeLogProjector> logger) : BackgroundService
{
    internal const string CheckpointName = "read_model";
    // An arbitrary constant that no other part of BashuCloud uses as an advisory lock key.
    private const long LockKey = 0x6261_7368_7570_726A;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            LogDisabled();
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenConnectionAsync(stoppingToken);
                if (!await TryTakeLockAsync(connection, stoppingToken))
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                    continue;
                }
                LogTookOver();
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (await ProjectBatchAsync(connection, stoppingToken) == 0)
                    {
                        await Task.Delay(options.Value.PollInterval, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
            {
                LogFailed(exception);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private static async Task<bool> TryTakeLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", LockKey);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Applies the next batch of changes; returns how many change-log rows it consumed.</summary>
    internal async Task<int> ProjectBatchAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var checkpoint = await ReadCheckpointAsync(connection, cancellationToken);
        var changes = await ReadChangesAsync(connection, cluster.Value.ServiceId, checkpoint, options.Value.BatchSize, cancellationToken: cancellationToken);
        if (changes.Count == 0) return 0;

        var batch = new NpgsqlBatch(connection);
        // Every statement here looks rows up by key. During a bulk import the tables grow faster than autovacuum
        // analyzes them, and on stale statistics the planner chose sequential scans of grain_state (12% of the CPU
        // in the import benchmark); lookups by key must never scan.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL enable_seqscan = off"));
        // Several changes of one entity in a batch: its current state is what matters, once.
        foreach (var command in ReadModelRows.For(cluster.Value.ServiceId, changes)) batch.BatchCommands.Add(command);
        var last = changes[^1];
        var save = new NpgsqlBatchCommand("""
            INSERT INTO projection_checkpoint (name, tx, seq, updated_at) VALUES ($1, $2::xid8, $3, now())
            ON CONFLICT (name) DO UPDATE SET tx = EXCLUDED.tx, seq = EXCLUDED.seq, updated_at = now()
            """);
        save.Parameters.Add(new() { Value = CheckpointName });
        save.Parameters.Add(new() { Value = last.Tx });
        save.Parameters.Add(new() { Value = last.Seq });
        batch.BatchCommands.Add(save);
        batch.BatchCommands.Add(RecordLag(changes));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changes.Count;
    }

    /// <summary>
    /// Each change's lag: from its writing transaction to this batch's last statement (the commit follows at once),
    /// both on the database's clock. Old samples go as new ones come, so the table stays minutes long.
    /// </summary>
    private static NpgsqlBatchCommand RecordLag(List<Change> changes)
    {
        var command = new NpgsqlBatchCommand("""
            WITH gone AS (DELETE FROM projection_lag WHERE projected_at < now() - interval '10 minutes')
            INSERT INTO projection_lag (projected_at, lag_ms)
            SELECT clock_timestamp(),
                   ARRAY(SELECT greatest(0, round(extract(epoch FROM clock_timestamp() - r) * 1000))::integer FROM unnest($1::timestamptz[]) r)
            """);
        command.Parameters.Add(new() { Value = changes.Select(c => c.RecordedAt).ToArray() });
        return command;
    }

    /// <summary>The position of the last change in the read model, locked: one writer of the read model at a time.</summary>
    internal static async Task<(string Tx, long Seq)> ReadCheckpointAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT tx::text, seq FROM projection_checkpoint WHERE name = $1 FOR UPDATE", connection);
        command.Parameters.Add(new() { Value = CheckpointName });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetInt64(1)) : ("0", 0);
    }

    /// <summary>The next changes after a position (up to another one, when given), in the log's total order.</summary>
    internal static async Task<List<Change>> ReadChangesAsync(
        NpgsqlConnection connection, string serviceId, (string Tx, long Seq) after, int limit, (string Tx, long Seq)? upTo = null,
        CancellationToken cancellationToken = default)
    {
        // Only changes of finished transactions (below the snapshot's xmin): nothing can still appear before them.
        await using var command = new NpgsqlCommand("""
            SELECT c.tx::text, c.seq, c.state_name, c.grain_key, c.deleted, c.recorded_at
              FROM change_log c
             WHERE c.service_id = $1
               AND (c.tx, c.seq) > ($2::xid8, $3)
               AND ($5::text IS NULL OR (c.tx, c.seq) <= ($5::xid8, $6))
               AND c.tx < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY c.tx, c.seq
             LIMIT $4
            """, connection);
        command.Parameters.Add(new() { Value = serviceId });
        command.Parameters.Add(new() { Value = after.Tx });
        command.Parameters.Add(new() { Value = after.Seq });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = (object?)upTo?.Tx ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = upTo?.Seq ?? 0L });
        var changes = new List<Change>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(new Change(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                reader.GetFieldValue<DateTime>(5)));
        }
        return changes;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Read-model projection is disabled on this silo.")]
    private partial void LogDisabled();

    [LoggerMessage(Level = LogLevel.Information, Message = "This silo now projects the change log into the read model.")]
    private partial void LogTookOver();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read-model projection failed; retrying.")]
    private partial void LogFailed(Exception exception);
}

/// <summary>One change-log row: which entity changed (and whether its state was cleared), at which position of the log.</summary>
internal sealed record Change(string Tx, long Seq, string StateName, string Key, bool Deleted, DateTime RecordedAt);
