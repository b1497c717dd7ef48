using System.Diagnostics;
using System.Threading.Channels;
using BashuCloud.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace BashuCloud.Storage;

/// <summary>
/// Writes the state changes of many grains in one call and one transaction (group commit). A grain's write
/// waits in a queue only while earlier batches are being committed; each of a few writers takes everything
/// queued, so the batch grows with the load and a lone write goes out at once. Every caller is answered only
/// after the transaction holding its change has committed, so an acknowledged write is durable. A batch PostgreSQL
/// refuses is written again change by change, so only the change it refuses fails (see <see cref="CommitAsync"/>).
/// A batch runs outside every caller's trace: when traces are recorded it runs under a span of the first write's
/// trace, linked to the others' (see <see cref="StartBatchActivity"/>), so its statement shows in the request's trace.
/// Measured on 2 cores: one transaction per write spent several times the CPU of the state row itself in
/// PostgreSQL (parse, plan, commit, WAL flush) and in the silo (a connection and a round trip per write).
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    private readonly NpgsqlDataSource database;
    private readonly string serviceId;
    private readonly int maxBatch;
    private readonly Channel<PendingChange> queue = Channel.CreateUnbounded<PendingChange>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] writers;

    private static readonly ActivitySource Tracing = new(TelemetryNames.StorageActivitySource);

    public GroupCommit(NpgsqlDataSource database, string serviceId, int writers, int maxBatch)
    {
        this.database = database;
        this.serviceId = serviceId;
        this.maxBatch = maxBatch;
        // The writers serve every grain: they must not inherit the trace (or request context) of the call that
        // happened to create the store.
        using (ExecutionContext.SuppressFlow())
        {
            this.writers = Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
        }
    }

    /// <summary>
    /// Writes one grain's state (JSON, or null to clear it) if the stored version is still
    /// <paramref name="expectedVersion"/> (null: no row yet). Returns the new version, or null when the
    /// stored version was another (the caller's state is stale and nothing was written).
    /// </summary>
    public Task<int?> WriteAsync(string stateName, string key, int? expectedVersion, string? payload)
    {
        // The caller's span, to join the batch to its trace; nothing is read when no one records traces.
        var trace = Tracing.HasListeners() ? Activity.Current?.Context ?? default : default;
        var change = new PendingChange(stateName, key, expectedVersion, payload, trace);
        if (!queue.Writer.TryWrite(change)) throw new InvalidOperationException("Grain storage is shutting down; the write was not taken.");
        return change.Written.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingChange>(maxBatch);
        // A change of a grain already in the batch waits for the next one: one statement may touch a row once.
        var deferred = new Queue<PendingChange>();
        var keys = new HashSet<(string, string)>();
        while (deferred.Count > 0 || await queue.Reader.WaitToReadAsync())
        {
            keys.Clear();
            for (var carried = deferred.Count; carried > 0 && batch.Count < maxBatch; carried--)
            {
                var waiting = deferred.Dequeue();
                if (keys.Add((waiting.StateName, waiting.Key))) batch.Add(waiting);
                else deferred.Enqueue(waiting);
            }
            while (batch.Count < maxBatch && queue.Reader.TryRead(out var change))
            {
                if (keys.Add((change.StateName, change.Key))) batch.Add(change);
                else deferred.Enqueue(change);
            }
            if (batch.Count == 0) continue;
            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<PendingChange> batch)
    {
        // Rows in key order: two concurrent batches that share a row (a grain briefly active twice during a
        // failover) then wait for each other instead of deadlocking.
        batch.Sort(static (a, b) => string.CompareOrdinal(a.StateName, b.StateName) is var c and not 0 ? c : string.CompareOrdinal(a.Key, b.Key));
        using var activity = StartBatchActivity(batch);
        try
        {
            Acknowledge(batch, await WriteBatchAsync(batch));
        }
        catch (PostgresException refused) when (batch.Count > 1)
        {
            // PostgreSQL answered with an error: the statement failed, so nothing of the batch was committed. One change
            // it refuses (a NUL in a JSON string, a value out of range…) must not fail everyone else's write: each goes
            // again on its own, and only the one that causes the error hears it. Never on a broken connection or a
            // timeout (any other NpgsqlException), where the commit may have landed.
            activity?.AddEvent(new ActivityEvent("batch refused, written change by change",
                tags: new ActivityTagsCollection { ["db.response.status_code"] = refused.SqlState }));
            foreach (var change in batch) await CommitAloneAsync(change, activity);
        }
        catch (Exception exception)
        {
            Fail(batch, exception, activity);
        }
    }

    private async Task CommitAloneAsync(PendingChange change, Activity? activity)
    {
        try
        {
            Acknowledge([change], await WriteBatchAsync([change]));
        }
        catch (Exception exception)
        {
            Fail([change], exception, activity);
        }
    }

    /// <summary>Writes the changes in one statement (one transaction); the versions written, by state name and key.</summary>
    private async Task<Dictionary<(string, string), int>> WriteBatchAsync(List<PendingChange> batch)
    {
        var written = new Dictionary<(string, string), int>(batch.Count);
        await using var command = database.CreateCommand(
            "SELECT written_state_name, written_key, written_version FROM bashu_write_grain_states($1, $2, $3, $4, $5)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(c => c.StateName)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(c => c.Key)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. batch.Select(c => c.ExpectedVersion)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. batch.Select(c => c.Payload)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) written[(reader.GetString(0), reader.GetString(1))] = reader.GetInt32(2);
        return written;
    }

    /// <summary>Committed: each caller hears its new version, or null when its expected version was stale.</summary>
    private static void Acknowledge(List<PendingChange> batch, Dictionary<(string, string), int> written)
    {
        foreach (var change in batch)
        {
            change.Written.SetResult(written.TryGetValue((change.StateName, change.Key), out var version) ? version : null);
        }
    }

    /// <summary>Not committed (or not known to be): every caller of these changes hears the failure; none is acknowledged.</summary>
    private static void Fail(List<PendingChange> batch, Exception exception, Activity? activity)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        foreach (var change in batch) change.Written.TrySetException(exception);
    }

    /// <summary>
    /// The batch's span (null when no one records traces): a child of the first traced write's span, so the statement
    /// below it lands in that request's trace, with links to the other writes' spans, so each of their traces leads here.
    /// </summary>
    private static Activity? StartBatchActivity(List<PendingChange> batch)
    {
        if (!Tracing.HasListeners()) return null;
        var traced = batch.Select(c => c.Trace).Where(t => t != default).Distinct().ToList();
        var activity = Tracing.StartActivity("grain_state commit", ActivityKind.Internal,
            parentContext: traced.FirstOrDefault(), links: traced.Skip(1).Select(t => new ActivityLink(t)));
        activity?.SetTag("db.system.name", "postgresql");
        activity?.SetTag("db.operation.batch.size", batch.Count);
        return activity;
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(writers);
    }

    private sealed record PendingChange(string StateName, string Key, int? ExpectedVersion, string? Payload, ActivityContext Trace)
    {
        public TaskCompletionSource<int?> Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
