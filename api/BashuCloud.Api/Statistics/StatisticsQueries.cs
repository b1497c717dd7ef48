using BashuCloud.Api.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Statistics;

/// <summary>
/// Reads the joint statistics from the counters the projection keeps (never a GROUP BY over the read model at
/// request time) and the read model's lag. One statement: every figure comes from one snapshot, so the counters
/// and the as-of time agree.
/// </summary>
public sealed class StatisticsQueries(NpgsqlDataSource database, IOptions<ApiSettings> settings)
{
    private const string PendingNote = "交易与合同成交额统计将随交易功能提供 (deal and contract turnover statistics arrive with deals, issue #6)";

    // The first change after the checkpoint is the oldest one the read model lacks; "0" before any projection.
    private const string Position = """
        WITH cp AS (
            SELECT tx, seq FROM projection_checkpoint WHERE name = 'read_model'
            UNION ALL SELECT '0'::xid8, 0
            ORDER BY 1 DESC LIMIT 1),
        pending AS (
            SELECT c.recorded_at FROM change_log c
             WHERE c.service_id = $1 AND (c.tx, c.seq) > ((SELECT tx FROM cp), (SELECT seq FROM cp))
             ORDER BY c.tx, c.seq LIMIT 1),
        as_of AS (SELECT coalesce((SELECT recorded_at FROM pending), now()) AS at)
        """;

    public async Task<JointStatistics> JointAsync(StatisticsFilter filter, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(Position + """
            SELECT 'cell', region, kind, status, field, n, 0::bigint, NULL::timestamptz FROM rm_listing_counts WHERE n <> 0
            UNION ALL
            SELECT 'month', to_char(month, 'YYYY-MM'), region, kind, NULL, n, 0, NULL FROM rm_listing_monthly WHERE n <> 0
            UNION ALL
            SELECT 'user', role, region, NULL, NULL, n, 0, NULL FROM rm_user_counts WHERE n <> 0
            UNION ALL
            SELECT 'list', l.year::text, l.list_kind, l.title, NULL, l.entry_count,
                   (SELECT count(*) FROM academic_entry e WHERE e.list_kind = l.list_kind AND e.year = l.year), NULL
              FROM academic_list l
            UNION ALL
            SELECT 'as_of', NULL, NULL, NULL, NULL, 0, 0, (SELECT at FROM as_of)
            UNION ALL
            SELECT 'now', NULL, NULL, NULL, NULL, 0, 0, now()
            """);
        command.Parameters.Add(new() { Value = settings.Value.ServiceId });
        var cells = new List<ListingCell>();
        var months = new List<MonthCell>();
        var users = new List<UserCell>();
        var lists = new List<AcademicListCount>();
        DateTimeOffset asOf = default, now = default;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                string Text(int i) => reader.GetString(i);
                switch (Text(0))
                {
                    case "cell": cells.Add(new(Text(1), Text(2), Text(3), Text(4), reader.GetInt64(5))); break;
                    case "month": months.Add(new(Text(1), Text(2), Text(3), reader.GetInt64(5))); break;
                    case "user": users.Add(new(Text(1), Text(2), reader.GetInt64(5))); break;
                    case "list": lists.Add(new(int.Parse(Text(1), System.Globalization.CultureInfo.InvariantCulture), Text(2), Text(3), (int)reader.GetInt64(5), reader.GetInt64(6))); break;
                    case "as_of": asOf = reader.GetFieldValue<DateTimeOffset>(7); break;
                    default: now = reader.GetFieldValue<DateTimeOffset>(7); break;
                }
            }
        }
        cells = [.. cells.Where(c => filter.Admits(c.Region, c.Kind, c.Status, c.Field))];
        months = [.. months.Where(m => filter is { Status: null, Field: null } && filter.Admits(m.Region, m.Kind))];
        users = [.. users.Where(u => filter.Admits(u.Region))];
        return new JointStatistics(
            new ListingStatistics(asOf, cells.Sum(c => c.Count), Totals(cells, c => c.Region), Totals(cells, c => c.Kind),
                Totals(cells, c => c.Status), Totals(cells, c => c.Field), cells, [.. months.OrderBy(m => m.Month, StringComparer.Ordinal)]),
            new UserStatistics(asOf, users.Sum(u => u.Count), Totals(users.Select(u => (u.Role, u.Count))), users),
            new AcademicStatistics(now, [.. lists.OrderBy(l => l.Year).ThenBy(l => l.ListKind, StringComparer.Ordinal)]),
            new PendingStatistics(PendingNote));
    }

    public async Task<ReadModelStatus> ReadModelAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(Position + """
            , recent AS (
                SELECT l FROM projection_lag, unnest(lag_ms) l WHERE projected_at > now() - interval '1 minute')
            SELECT (SELECT at FROM as_of), extract(epoch FROM now() - (SELECT at FROM as_of)) * 1000,
                   (SELECT count(*) FROM recent),
                   (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY l) FROM recent),
                   (SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY l) FROM recent),
                   (SELECT max(l) FROM recent)
            """);
        command.Parameters.Add(new() { Value = settings.Value.ServiceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        int? Ms(int i) => reader.IsDBNull(i) ? null : reader.GetInt32(i);
        return new ReadModelStatus(reader.GetFieldValue<DateTimeOffset>(0), (double)reader.GetDecimal(1),
            new LagPercentiles(reader.GetInt64(2), Ms(3), Ms(4), Ms(5)));
    }

    private static Dictionary<string, long> Totals(IEnumerable<ListingCell> cells, Func<ListingCell, string> key) =>
        Totals(cells.Select(c => (key(c), c.Count)));

    private static Dictionary<string, long> Totals(IEnumerable<(string Key, long Count)> rows) =>
        rows.GroupBy(r => r.Key).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(r => r.Count));
}
