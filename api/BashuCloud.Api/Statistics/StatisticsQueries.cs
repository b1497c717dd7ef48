using System.Diagnostics;
using System.Globalization;
using BashuCloud.Api.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Statistics;

/// <summary>
/// Reads the joint statistics from the counters the projection keeps (never a GROUP BY over the read model at
/// request time) and the read model's lag. The figures come from one statement, so from one snapshot, and the
/// counters and their as-of time agree.
/// </summary>
public sealed class StatisticsQueries(NpgsqlDataSource database, IOptions<ApiSettings> settings)
{
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

    // What the figures depend on: the counters change only in the projection's transactions, which move the
    // checkpoint, and registry members are only ever added. Equal versions mean equal figures.
    private const string Version = """
        , version AS (SELECT (SELECT tx::text || '/' || seq FROM cp) || '/' || coalesce((SELECT max(id) FROM academic_entry), 0) AS v)
        """;

    /// <summary>
    /// The figures last read, kept while their version holds. The version is looked up at most every 100 ms, so most
    /// requests cost no database round trip; the as-of time is then that of the last look.
    /// </summary>
    private sealed record Figures(
        string Version, List<ListingCell> Cells, List<MonthCell> Months, List<UserCell> Users, List<AcademicListCount> Lists,
        List<DealStageCell> Deals, List<ContractFlow> Flows, List<BrokerCredit> Brokers);

    private Figures? _figures;

    /// <summary>The last look at the version; its as-of time stays true (every change before it is counted) while it is reused.</summary>
    private sealed record Look(string Version, DateTimeOffset AsOf, DateTimeOffset Now, long At);

    // As long as the projection's own poll interval: figures then lag the change log by no more than the read model does.
    private static readonly TimeSpan LookFor = TimeSpan.FromMilliseconds(100);

    private Look? _look;

    /// <summary>The figures narrowed by <paramref name="filter"/>, of what <paramref name="audience"/> may learn.</summary>
    public async Task<JointStatistics> JointAsync(StatisticsFilter filter, StatisticsAudience audience, CancellationToken cancellationToken)
    {
        var look = _look;
        if (look is null || Stopwatch.GetElapsedTime(look.At) > LookFor) _look = look = await LookAsync(cancellationToken);
        var (version, asOf, now) = (look.Version, look.AsOf, look.Now);
        var figures = _figures;
        if (figures?.Version != version)
        {
            (figures, asOf, now) = await ReadFiguresAsync(cancellationToken);
            _figures = figures;
            _look = new Look(figures.Version, asOf, now, Stopwatch.GetTimestamp());
        }

        var cells = figures.Cells.Where(c => filter.Admits(c.Region, c.Kind, c.Status, c.Field) && audience.SeesListings(c.Region, c.Status)).ToList();
        var months = figures.Months
            .Where(m => filter is { Status: null, Field: null } && filter.Admits(m.Region, m.Kind) && audience.SeesUnpublished(m.Region)).ToList();
        var users = figures.Users.Where(u => filter.Admits(u.Region)).ToList();
        var deals = figures.Deals.Where(d => filter.Admits(d.SellerRegion) && audience.SeesDeals(d.Count)).ToList();
        var flows = figures.Flows.Where(f => (filter.Region is null || f.From == filter.Region || f.To == filter.Region) && audience.SeesDeals(f.Contracts)).ToList();
        return new JointStatistics(
            new ListingStatistics(asOf, cells.Sum(c => c.Count), Totals(cells, c => c.Region), Totals(cells, c => c.Kind),
                Totals(cells, c => c.Status), Totals(cells, c => c.Field), cells, months),
            new UserStatistics(asOf, users.Sum(u => u.Count), Totals(users.Select(u => (u.Role, u.Count))), users),
            new AcademicStatistics(now, figures.Lists),
            new DealStatistics(asOf, deals.Sum(d => d.Count), Totals(deals.Select(d => (d.Stage, d.Count))), deals, flows,
                flows.Where(f => filter.Admits(f.From)).GroupBy(f => f.From).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Sum(f => f.AmountCny)),
                [.. figures.Brokers.Where(b => filter.Admits(b.Region) && audience.SeesDeals(b.Deals))]));
    }

    private async Task<Look> LookAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(Position + Version + "SELECT (SELECT v FROM version), (SELECT at FROM as_of), now()");
        command.Parameters.Add(new() { Value = settings.Value.ServiceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new Look(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), Stopwatch.GetTimestamp());
    }

    /// <summary>Every figure, its version and its as-of time from one statement, so one snapshot.</summary>
    private async Task<(Figures Figures, DateTimeOffset AsOf, DateTimeOffset Now)> ReadFiguresAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(Position + Version + """
            SELECT 'cell', region, kind, status, field, n, 0::bigint FROM rm_listing_counts WHERE n <> 0
            UNION ALL
            SELECT 'month', to_char(month, 'YYYY-MM'), region, kind, NULL, n, 0 FROM rm_listing_monthly WHERE n <> 0
            UNION ALL
            SELECT 'user', role, region, NULL, NULL, n, 0 FROM rm_user_counts WHERE n <> 0
            UNION ALL
            SELECT 'list', l.year::text, l.list_kind, l.title, NULL, l.entry_count,
                   (SELECT count(*) FROM academic_entry e WHERE e.list_kind = l.list_kind AND e.year = l.year)
              FROM academic_list l
            UNION ALL
            SELECT 'deal', stage, seller_region, NULL, NULL, count(*), 0 FROM rm_deal GROUP BY stage, seller_region
            UNION ALL
            SELECT 'flow', seller_region, buyer_region, sum(contract_cny)::text, NULL, count(*), 0
              FROM rm_deal WHERE registered_at IS NOT NULL GROUP BY seller_region, buyer_region
            UNION ALL
            SELECT 'broker', seller_region, NULL, sum(broker_credit_cny)::text, NULL, count(*), 0
              FROM rm_deal WHERE broker_credit_cny IS NOT NULL GROUP BY seller_region
            UNION ALL
            SELECT 'version', (SELECT v FROM version), to_char((SELECT at FROM as_of) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), NULL, 0, 0
            """);
        command.Parameters.Add(new() { Value = settings.Value.ServiceId });
        var figures = new Figures("", [], [], [], [], [], [], []);
        DateTimeOffset asOf = default, now = default;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            string Text(int i) => reader.GetString(i);
            decimal Amount(int i) => decimal.Parse(Text(i), CultureInfo.InvariantCulture);
            switch (Text(0))
            {
                case "cell": figures.Cells.Add(new(Text(1), Text(2), Text(3), Text(4), reader.GetInt64(5))); break;
                case "month": figures.Months.Add(new(Text(1), Text(2), Text(3), reader.GetInt64(5))); break;
                case "user": figures.Users.Add(new(Text(1), Text(2), reader.GetInt64(5))); break;
                case "deal": figures.Deals.Add(new(Text(1), Text(2), reader.GetInt64(5))); break;
                case "flow": figures.Flows.Add(new(Text(1), Text(2), reader.GetInt64(5), Amount(3))); break;
                case "broker": figures.Brokers.Add(new(Text(1), reader.GetInt64(5), Amount(3))); break;
                case "list": figures.Lists.Add(new(int.Parse(Text(1), CultureInfo.InvariantCulture), Text(2), Text(3), (int)reader.GetInt64(5), reader.GetInt64(6))); break;
                default:
                    figures = figures with { Version = Text(1) };
                    asOf = DateTimeOffset.Parse(Text(2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                    now = DateTimeOffset.Parse(Text(3), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                    break;
            }
        }
        figures.Months.Sort((a, b) => string.CompareOrdinal(a.Month, b.Month));
        figures.Deals.Sort((a, b) => string.CompareOrdinal(a.Stage + a.SellerRegion, b.Stage + b.SellerRegion));
        figures.Flows.Sort((a, b) => string.CompareOrdinal(a.From + a.To, b.From + b.To));
        figures.Brokers.Sort((a, b) => string.CompareOrdinal(a.Region, b.Region));
        figures.Lists.Sort((a, b) => a.Year != b.Year ? a.Year.CompareTo(b.Year) : string.CompareOrdinal(a.ListKind, b.ListKind));
        return (figures, asOf, now);
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
