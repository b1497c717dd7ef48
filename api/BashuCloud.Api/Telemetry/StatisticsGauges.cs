using System.Diagnostics;
using System.Diagnostics.Metrics;
using BashuCloud.Api.Statistics;
using BashuCloud.Telemetry;
using Npgsql;

namespace BashuCloud.Api.Telemetry;

/// <summary>
/// bashu.listings (by region and status) and bashu.deals (by stage and region) from the joint statistics' figures, which
/// come from the read model's counters. A scrape never waits for the database: it gets the figures last read, and
/// when those are older than <see cref="RefreshAfter"/> one read starts in the background, so PostgreSQL is asked at
/// most once an interval however often, and by however many readers (Prometheus, OTLP), the gauges are read.
/// </summary>
public sealed class StatisticsGauges
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(15);
    private static readonly StatisticsFilter Everything = new(null, null, null, null);

    private readonly StatisticsQueries _statistics;
    private readonly ILogger<StatisticsGauges> _logger;
    private Figures _figures = new([], [], ReadAt: 0);
    private int _reading;

    /// <summary>The measurements last read, and when (a Stopwatch timestamp; 0: never).</summary>
    private sealed record Figures(Measurement<long>[] Listings, Measurement<long>[] Deals, long ReadAt);

    public StatisticsGauges(IMeterFactory meters, StatisticsQueries statistics, ILogger<StatisticsGauges> logger)
    {
        _statistics = statistics;
        _logger = logger;
        var meter = meters.Create(TelemetryNames.Meter);
        meter.CreateObservableGauge("bashu.listings", () => Observe().Listings, "{listing}",
            "挂牌数，按区域和状态，来自读模型 (listings by region and status, from the read model)");
        meter.CreateObservableGauge("bashu.deals", () => Observe().Deals, "{deal}",
            "交易数，按阶段和卖方区域，来自读模型 (deals by stage and the seller's region, from the read model)");
    }

    private Figures Observe()
    {
        var figures = _figures;
        if ((figures.ReadAt == 0 || Stopwatch.GetElapsedTime(figures.ReadAt) >= RefreshAfter) && Interlocked.CompareExchange(ref _reading, 1, 0) == 0)
        {
            _ = Task.Run(ReadAsync);
        }
        return figures;
    }

    private async Task ReadAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(RefreshAfter);
            var joint = await _statistics.JointAsync(Everything, StatisticsAudience.Operator, timeout.Token);
            Measurement<long>[] listings = [.. joint.Listings.Cells.GroupBy(c => (c.Region, c.Status)).Select(g =>
                new Measurement<long>(g.Sum(c => c.Count), Tag("bashu.region", g.Key.Region), Tag("bashu.listing.status", g.Key.Status)))];
            Measurement<long>[] deals = [.. joint.Deals.Stages.Select(s =>
                new Measurement<long>(s.Count, Tag("bashu.deal.stage", s.Stage), Tag("bashu.region", s.SellerRegion)))];
            _figures = new Figures(listings, deals, Stopwatch.GetTimestamp());
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // The last figures stay; the database is asked again only after another interval.
            _logger.LogWarning(exception, "Reading the statistics for the metrics failed; the gauges keep their last figures");
            _figures = _figures with { ReadAt = Stopwatch.GetTimestamp() };
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);
}
