namespace BashuCloud.Tests.Statistics;

/// <summary>The counters behind the statistics beside what they count, as SQL a test asserts to be 0.</summary>
internal static class GroundTruth
{
    /// <summary>How many rows one query has that the other has not, both ways: 0 when they hold the same rows.</summary>
    public static string Differing(string one, string other) => $"SELECT count(*) FROM (({one} EXCEPT {other}) UNION ALL ({other} EXCEPT {one})) differing";

    public static readonly string ListingCounters = Differing(
        "SELECT region, kind, status, field, n FROM rm_listing_counts WHERE n <> 0",
        "SELECT region, kind, status, field, count(*) FROM rm_listing GROUP BY 1, 2, 3, 4");

    public static readonly string MonthlyCounters = Differing(
        "SELECT month, region, kind, n FROM rm_listing_monthly WHERE n <> 0",
        "SELECT date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai')::date, region, kind, count(*) FROM rm_listing GROUP BY 1, 2, 3");

    public static readonly string UserCounters = Differing(
        "SELECT role, region, n FROM rm_user_counts WHERE n <> 0",
        "SELECT role, region, count(*) FROM rm_user GROUP BY 1, 2");
}
