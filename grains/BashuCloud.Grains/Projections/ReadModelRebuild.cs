using Npgsql;

namespace BashuCloud.Projections;

/// <summary>
/// Rebuilds the read model from grain state while the API keeps reading the live tables and the projector keeps
/// projecting into them. Fresh tables (rm_listing_next…) are filled from grain_state in short transactions, caught
/// up from the change log, and swapped in by name in one transaction that holds the projection checkpoint, so a
/// reader sees either the whole old read model or the whole new one, never an empty or partial one.
/// </summary>
public sealed class ReadModelRebuild(NpgsqlDataSource database, string serviceId, TextWriter log)
{
    private const string Next = "_next";

    // Short fill transactions: while one runs, its transaction id holds back the snapshot xmin the projector
    // (and the change feed) wait for, so a long one would stall them for its whole length.
    private const int FillChunk = 5_000;
    private const int CatchUpBatch = 2_000;

    /// <summary>Counter tables derived from the read-model rows; rebuilt from the new rows at the swap.</summary>
    private static readonly (string Table, string Fill)[] Counters =
    [
        ("rm_listing_counts", "SELECT region, kind, status, field, count(*) FROM rm_listing_next GROUP BY 1, 2, 3, 4"),
        ("rm_listing_monthly", "SELECT bashu_listing_month(created_at), region, kind, count(*) FROM rm_listing_next GROUP BY 1, 2, 3"),
        ("rm_user_counts", "SELECT role, region, count(*) FROM rm_user_next GROUP BY 1, 2"),
    ];

    /// <summary>Rows of each table after the swap.</summary>
    public async Task<IReadOnlyDictionary<string, long>> RunAsync(CancellationToken cancellationToken = default)
    {
        var tables = ReadModelRows.Tables;
        foreach (var table in tables.Concat(Counters.Select(c => c.Table))) await ExecuteAsync($"SELECT bashu_prepare_rebuild('{table}')", cancellationToken);

        // Every change at or after this position may be missing from what the fill reads; the catch-up applies
        // them again (applying twice changes nothing), so nothing committed before or during the fill is lost.
        var position = (Tx: await ScalarAsync<string>("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", cancellationToken), Seq: 0L);
        foreach (var table in tables) await FillAsync(table, cancellationToken);
        foreach (var table in tables) await ExecuteAsync($"ANALYZE {table}{Next}", cancellationToken);

        while (true)
        {
            var (applied, reached) = await CatchUpAsync(position, upTo: null, cancellationToken);
            position = reached;
            if (applied < CatchUpBatch) break;
        }
        var counts = await SwapAsync(position, cancellationToken);
        foreach (var (table, rows) in counts) log.WriteLine($"  {table}: {rows}");
        return counts;
    }

    private async Task FillAsync(string table, CancellationToken cancellationToken)
    {
        var entity = ReadModelRows.EntityOf(table);
        var after = "";
        var rows = 0L;
        while (true)
        {
            await using var keysCommand = database.CreateCommand("""
                SELECT grain_key FROM grain_state
                 WHERE service_id = $1 AND state_name = $2 AND grain_key > $3 AND payload IS NOT NULL
                 ORDER BY grain_key LIMIT $4
                """);
            foreach (var value in new object[] { serviceId, entity, after, FillChunk }) keysCommand.Parameters.Add(new() { Value = value });
            var keys = new List<string>(FillChunk);
            await using (var reader = await keysCommand.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken)) keys.Add(reader.GetString(0));
            }
            if (keys.Count == 0) break;
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(ReadModelRows.Upsert(serviceId, entity, [.. keys], Next));
            rows += await batch.ExecuteNonQueryAsync(cancellationToken);
            after = keys[^1];
        }
        log.WriteLine($"已填充 (filled) {table}{Next}: {rows}");
    }

    /// <summary>Applies the changes after a position (up to another, when given) to the fresh tables.</summary>
    private async Task<(int Applied, (string Tx, long Seq) Reached)> CatchUpAsync(
        (string Tx, long Seq) after, (string Tx, long Seq)? upTo, CancellationToken cancellationToken, NpgsqlConnection? swapping = null)
    {
        await using var own = swapping is null ? await database.OpenConnectionAsync(cancellationToken) : null;
        var connection = swapping ?? own!;
        var changes = await ChangeLogProjector.ReadChangesAsync(connection, serviceId, after, CatchUpBatch, upTo, cancellationToken);
        if (changes.Count == 0) return (0, after);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var command in ReadModelRows.For(serviceId, changes, Next)) batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return (changes.Count, (changes[^1].Tx, changes[^1].Seq));
    }

    /// <summary>
    /// Holds the checkpoint (the projector waits), brings the fresh tables to exactly the checkpoint's position,
    /// counts them into fresh counters, and swaps all of them in. The projector then goes on from its checkpoint
    /// on the new tables.
    /// </summary>
    private async Task<Dictionary<string, long>> SwapAsync((string Tx, long Seq) position, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var checkpoint = await ChangeLogProjector.ReadCheckpointAsync(connection, cancellationToken);
        while (true)
        {
            var (applied, reached) = await CatchUpAsync(position, checkpoint, cancellationToken, connection);
            position = reached;
            if (applied == 0) break;
        }
        foreach (var (table, fill) in Counters) await ExecuteAsync(connection, $"INSERT INTO {table}{Next} {fill}", cancellationToken);
        // Readers queue behind the swap's locks for as long as it holds them; give up rather than hold them long.
        await ExecuteAsync(connection, "SET LOCAL lock_timeout = '10s'", cancellationToken);
        var counts = new Dictionary<string, long>();
        foreach (var table in ReadModelRows.Tables.Concat(Counters.Select(c => c.Table)))
        {
            await ExecuteAsync(connection, $"SELECT bashu_swap_in_rebuilt('{table}')", cancellationToken);
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
            counts[table] = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        await transaction.CommitAsync(cancellationToken);
        return counts;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
