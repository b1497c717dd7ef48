using System.Diagnostics;
using System.Text;
using Npgsql;

namespace BashuCloud.Bench;

/// <summary>
/// The read model at a million listings, for the search and statistics benchmarks: synthetic published listings
/// written straight into rm_listing by SQL (MillionListings.sql), because through the grains a million would take
/// hours. Filled once per database and kept: both benchmarks read the same rows.
/// </summary>
public static class MillionListings
{
    // Every index on rm_listing except its primary key: a sorted build after the fill is far faster than a million
    // single-row inserts into each (the gram GIN indexes above all).
    private const string Indexes = """
        SELECT indexname, indexdef FROM pg_indexes i
         WHERE tablename = 'rm_listing'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """;

    public sealed record Fill(long Rows, long Added, double Seconds);

    /// <summary>Adds listings until the read model holds this many.</summary>
    public static async Task<Fill> EnsureAsync(string database, int listings)
    {
        await using var db = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(database) { CommandTimeout = 0 }.ConnectionString).Build();
        var clock = Stopwatch.StartNew();
        var missing = listings - await ScalarAsync<long>(db, "SELECT count(*) FROM rm_listing");
        if (missing > 0)
        {
            var definitions = new List<(string Name, string Definition)>();
            await using (var command = db.CreateCommand(Indexes))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) definitions.Add((reader.GetString(0), reader.GetString(1)));
            }
            foreach (var (name, _) in definitions) await ExecuteAsync(db, $"DROP INDEX {name}");
            await using (var insert = db.CreateCommand(Sql()))
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = (int)missing });
                await insert.ExecuteNonQueryAsync();
            }
            await ExecuteAsync(db, "SET maintenance_work_mem = '512MB'");
            foreach (var (_, definition) in definitions) await ExecuteAsync(db, definition);
            await ExecuteAsync(db, "VACUUM ANALYZE rm_listing");
        }
        var fill = new Fill(await ScalarAsync<long>(db, "SELECT count(*) FROM rm_listing"), Math.Max(0, missing), clock.Elapsed.TotalSeconds);
        Console.WriteLine($"read model: {fill.Rows:N0} listings ({fill.Added:N0} added in {fill.Seconds:F0} s)");
        return fill;
    }

    private static string Sql()
    {
        using var stream = typeof(MillionListings).Assembly.GetManifestResourceStream("MillionListings.sql")
            ?? throw new InvalidOperationException("MillionListings.sql is not embedded.");
        return new StreamReader(stream, Encoding.UTF8).ReadToEnd();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
