using System.Diagnostics;
using BashuCloud.Bench;
using BashuCloud.Listings;

namespace BashuCloud.Tests.Support;

/// <summary>What the failover and partition tests share: listings of both regions, where they are active, and the check that nothing acknowledged was lost.</summary>
public static class Failovers
{
    /// <summary>
    /// From the kill until every listing has taken a write sent after it. Detection takes about 2–5 s with
    /// ClusterTimings; a call in flight to the dead silo gives up after the 5 s response timeout, and its listing is
    /// written on the next try (the benchmark's goal is 5 s; this leaves room for a loaded machine).
    /// </summary>
    public static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(8);

    /// <summary>Registers both provincial platforms and creates <paramref name="count"/> listings through the API, alternating Sichuan and Chongqing.</summary>
    public static async Task<List<string>> CreateListingsAsync(PlatformProcesses platform, int count)
    {
        foreach (var region in Regions.Regions.All)
        {
            using var registered = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{region.Code()}", new { name = region.DisplayName(), kind = "Provincial", homeRegion = region.Code() });
        }
        var listings = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var region = i % 2 == 0 ? Region.Sichuan : Region.Chongqing;
            using var created = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(region));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            listings.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }
        return listings;
    }

    /// <summary>Each listing's home region and the region of the silo it is active on (null: not active).</summary>
    public static async Task<(Region Home, Region? Active)[]> RegionsOfAsync(ClusterProbe probe, IEnumerable<string> ids)
    {
        var list = ids.ToArray();
        var silos = await probe.SilosOfAsync(list.Select(id => probe.Grains.GetGrain<IListingGrain>(id)));
        return [.. list.Select((id, i) => (BashuId.RegionOf(id)!.Value, silos[i] is { } name ? Regions.Regions.OfKey(name) : null))];
    }

    public static async Task<bool> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (await condition()) return true;
            await Task.Delay(250);
        }
        return false;
    }

    /// <summary>
    /// How many rounds a reliability test runs: BASHU_RELIABILITY_ROUNDS (./bashu reliability --rounds N) or the
    /// test's own number, the reduced version every ./bashu test runs.
    /// </summary>
    public static int RoundsOr(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("BASHU_RELIABILITY_ROUNDS"), out var rounds) && rounds > 0 ? rounds : fallback;

    /// <summary>
    /// After a failure and its recovery, what PostgreSQL holds is whole: no grain state stored twice, every listing's
    /// change log holding each version from 1 to the stored one exactly once, and the read model (once the projection
    /// has caught up) equal to the grains' state. Returns the counts for the suite's report (all zero, or it fails).
    /// </summary>
    public static async Task<string> AssertStoreIsWholeAsync(TestDatabase db)
    {
        var duplicateStates = await db.ScalarAsync<long>("SELECT count(*) - count(DISTINCT (service_id, state_name, grain_key)) FROM grain_state");
        var gaps = await db.ScalarAsync<long>("""
            SELECT count(*) FROM grain_state s
             WHERE s.state_name = 'listing'
               AND (SELECT count(DISTINCT c.version) FILTER (WHERE c.version BETWEEN 1 AND s.version) <> s.version OR count(*) <> s.version
                      FROM change_log c WHERE c.state_name = s.state_name AND c.grain_key = s.grain_key)
            """);
        var readModelEqual = await WaitAsync(async () => await db.ScalarAsync<long>("""
            SELECT count(*) FROM grain_state s LEFT JOIN rm_listing r ON r.id = s.grain_key
             WHERE s.state_name = 'listing' AND (r.version IS DISTINCT FROM s.version OR r.title IS DISTINCT FROM s.payload -> 'content' ->> 'title')
            """) == 0, TimeSpan.FromSeconds(30));
        Assert.Equal(0, duplicateStates);
        Assert.Equal(0, gaps);
        Assert.True(readModelEqual, "the read model does not equal the grains' state");
        return $"duplicate grain-state rows {duplicateStates}; listings with change-log gaps {gaps}; read model equal to the grains' state";
    }

    /// <summary>Every acknowledged edit is in PostgreSQL: its version in the change log, and the state at least that version.</summary>
    public static async Task AssertNothingAcknowledgedIsLostAsync(TestDatabase database, LoadSummary summary)
    {
        foreach (var (id, versions) in summary.Acknowledged.GroupBy(a => a.Id).Select(g => (g.Key, g.Select(a => a.Version).ToArray())))
        {
            var logged = await database.ScalarAsync<int[]>("SELECT coalesce(array_agg(version), '{}') FROM change_log WHERE state_name = 'listing' AND grain_key = $1", id);
            Assert.Empty(versions.Except(logged));
            Assert.True(await database.ScalarAsync<int>("SELECT version FROM grain_state WHERE state_name = 'listing' AND grain_key = $1", id) >= versions.Max());
        }
    }
}

/// <summary>
/// Where a region failure test starts: three silos up (or as many as the test says), 40 listings (half in each
/// region) each active at home, and a mixed load of edits and reads through the API running for 3 s.
/// </summary>
public sealed class RegionFailureScene : IAsyncDisposable
{
    private RegionFailureScene(List<string> listings, ClusterProbe probe, EditLoad load)
    {
        Listings = listings;
        Probe = probe;
        Load = load;
    }

    public List<string> Listings { get; }

    public ClusterProbe Probe { get; }

    public EditLoad Load { get; }

    public static async Task<RegionFailureScene> StartAsync(PlatformProcesses platform, string editTitle, int silos = 3)
    {
        await platform.WaitForSilosAsync(silos);
        var listings = await Failovers.CreateListingsAsync(platform, 40);
        var probe = await ClusterProbe.ConnectAsync(platform);
        Assert.All(await Failovers.RegionsOfAsync(probe, listings), pair => Assert.Equal(pair.Home, pair.Active));
        var load = new EditLoad(platform.Http, PlatformProcesses.AdminKey, listings, (region, n) => Samples.Draft(region) with { Title = $"{editTitle} {n}" });
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(3));
        return new RegionFailureScene(listings, probe, load);
    }

    /// <summary>Waits until every Chongqing listing is active on a silo of <paramref name="region"/>.</summary>
    public Task<bool> ChongqingListingsActiveInAsync(Region region, TimeSpan timeout) => ListingsActiveInAsync(Region.Chongqing, region, timeout);

    /// <summary>Waits until every listing whose home is <paramref name="home"/> is active on a silo of <paramref name="region"/>.</summary>
    public Task<bool> ListingsActiveInAsync(Region home, Region region, TimeSpan timeout)
    {
        var listings = Listings.Where(id => BashuId.RegionOf(id) == home).ToArray();
        return Failovers.WaitAsync(async () => (await Failovers.RegionsOfAsync(Probe, listings)).All(pair => pair.Active == region), timeout);
    }

    public async ValueTask DisposeAsync()
    {
        Load.Dispose();
        await Probe.DisposeAsync();
    }
}
