using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace BashuCloud.Bench;

/// <summary>
/// Issue #5's numbers: keyword search at a million listings through GET /api/v1/listings/search, by query class,
/// against a plain substring scan (ILIKE over title, summary and keywords, no index) of the same queries in the
/// same run, over the read model at a million listings (MillionListings).
/// </summary>
public static class SearchBenchmark
{
    private const int Rounds = 20;
    private const int ScanRounds = 2;
    private const string Public = "status IN ('Published', 'Negotiating', 'Traded', 'Expired')";

    /// <summary>Queries by class: common and rare terms, and one that matches nothing.</summary>
    public static readonly (string Class, string[] Queries)[] Classes =
    [
        ("1-character Chinese", ["锂", "电", "铁", "氢", "茶", "钒", "椒", "桩", "盾", "鲸"]),
        ("2-character Chinese", ["锂电", "地铁", "储能", "回收", "芯片", "稀土", "花椒", "隔膜", "疫苗", "高铁", "盾构", "鲸油"]),
        ("longer Chinese", ["固态电池", "轨道交通", "工业机器人", "氢燃料电池", "污水处理", "航空发动机", "电池回收", "地铁车辆", "碳纤维复合材料"]),
        ("English", ["battery", "lithium", "LiDAR", "graphene", "robot", "sensor", "5G", "IoT", "FPGA", "hydrogen", "SiC", "quantum"]),
    ];

    public sealed record ClassResult(string Class, int Queries, double P50Ms, double P95Ms, double P99Ms, double ScanP50Ms, double ScanP95Ms, int SameTop, long MedianMatches);

    public sealed record Result(MillionListings.Fill Fill, IReadOnlyList<ClassResult> Classes);

    public static async Task<Result> RunAsync(HttpClient api, string database, MillionListings.Fill fill)
    {
        await using var db = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(database) { CommandTimeout = 0 }.ConnectionString).Build();
        var results = new List<ClassResult>();
        foreach (var (name, queries) in Classes)
        {
            foreach (var query in queries) await SearchAsync(api, query, "");   // warm-up, not measured
            var latencies = new List<double>();
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var query in queries)
                {
                    var clock = Stopwatch.StartNew();
                    await SearchAsync(api, query, "");
                    latencies.Add(clock.Elapsed.TotalMilliseconds);
                }
            }
            var scans = new List<double>();
            var same = 0;
            var matches = new List<long>();
            foreach (var query in queries)
            {
                for (var round = 0; round < ScanRounds; round++)
                {
                    var clock = Stopwatch.StartNew();
                    var scanned = await ScanAsync(db, query);
                    scans.Add(clock.Elapsed.TotalMilliseconds);
                    if (round > 0) continue;
                    matches.Add(scanned.Matches);
                    var newest = await SearchAsync(api, query, "&sort=newest");
                    if (scanned.Newest.SequenceEqual(newest)) same++;
                }
            }
            var result = new ClassResult(name, queries.Length, Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99),
                Percentile(scans, 0.50), Percentile(scans, 0.95), same, matches.Order().ElementAt(matches.Count / 2));
            Console.WriteLine($"search {name}: p50 {result.P50Ms:F1} ms, p95 {result.P95Ms:F1} ms, p99 {result.P99Ms:F1} ms; scan p95 {result.ScanP95Ms:F0} ms; same top 20 {same}/{queries.Length}");
            results.Add(result);
        }
        return new Result(fill, results);
    }

    private static async Task<string[]> SearchAsync(HttpClient api, string query, string more)
    {
        using var response = await api.GetAsync($"/api/v1/listings/search?q={Uri.EscapeDataString(query)}&limit=20{more}");
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"search {query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("listing").GetProperty("id").GetString()!)];
    }

    private sealed record Scan(long Matches, string[] Newest);

    /// <summary>The baseline: every public listing read and matched with ILIKE; also how many match and the newest 20.</summary>
    private static async Task<Scan> ScanAsync(NpgsqlDataSource db, string query)
    {
        await using var command = db.CreateCommand($"""
            SELECT count(*), (array_agg(id ORDER BY split_part(id, '-', 2) DESC, id DESC))[1:20]
              FROM rm_listing
             WHERE {Public} AND (title ILIKE $1 OR summary ILIKE $1 OR EXISTS (SELECT 1 FROM unnest(keywords) k WHERE k ILIKE $1))
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = "%" + query.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%" });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Scan(reader.GetInt64(0), reader.IsDBNull(1) ? [] : reader.GetFieldValue<string[]>(1));
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }

    /// <summary>The report's section.</summary>
    public static void Report(StringBuilder text, Result search)
    {
        text.AppendLine("## Issue #5: search");
        text.AppendLine();
        text.AppendLine($"`GET /api/v1/listings/search?q=…&limit=20` (relevance order) through the API, one caller, {Rounds} rounds of every query, at {search.Fill.Rows:N0} listings in the read model. "
            + $"The listings are synthetic, written straight into `rm_listing` by SQL ({search.Fill.Added:N0} added in {search.Fill.Seconds:F0} s, indexes built after the fill; `bench/BashuCloud.Bench/MillionListings.sql`): titles, summaries and keywords drawn from a vocabulary of about 90 technology terms, Chinese and some English, "
            + "with a Zipf-like skew so some terms are in a large share of the listings and others in few; 95% of them in public statuses. "
            + "The baseline is a plain substring scan of the same queries in the same run (`ILIKE '%q%'` over title, summary and keywords, no index, straight in PostgreSQL). "
            + "\"Same top 20\" compares the search's first page in `sort=newest` with the scan's newest 20: the search finds exactly what the substring match finds.");
        text.AppendLine();
        text.AppendLine("| query class | queries | matches (median) | p50 | p95 | p99 | substring scan p95 (same run) | ratio p95 | same top 20 | goal p95 ≤ 20 ms |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var c in search.Classes)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Class} | {c.Queries} | {c.MedianMatches:N0} | {c.P50Ms:F1} ms | {c.P95Ms:F1} ms | {c.P99Ms:F1} ms | {c.ScanP95Ms:F0} ms | **{c.P95Ms / c.ScanP95Ms:F3}** | {c.SameTop}/{c.Queries} | {(c.P95Ms <= 20 ? "met" : "not met")} |"));
        }
        text.AppendLine();
        text.AppendLine("Queries: " + string.Join("; ", Classes.Select(c => $"{c.Class}: {string.Join(" ", c.Queries)}")) + ".");
        text.AppendLine();
    }
}
