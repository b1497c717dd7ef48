using System.Diagnostics;
using BashuCloud.Bench;
using BashuCloud.Listings;

namespace BashuCloud.Tests.Support;

/// <summary>What the failover and partition tests share: listings of both regions, where they are active, and the check that nothing acknowledged was lost.</summary>
public static class Failovers
{
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
/// Where a region failure test starts: three silos up, 40 listings (half in each region) each active at home, and a
/// mixed load of edits and reads through the API running for 3 s.
/// </summary>
public sealed class RegionFailureScene : IAsyncDisposable
{
    private RegionFailureScene(List<string> listings, ClusterProbe probe, EditLoad load)
    {
        Listings = listings;
        Chongqing = [.. listings.Where(id => BashuId.RegionOf(id) == Region.Chongqing)];
        Probe = probe;
        Load = load;
    }

    public List<string> Listings { get; }

    public string[] Chongqing { get; }

    public ClusterProbe Probe { get; }

    public EditLoad Load { get; }

    public static async Task<RegionFailureScene> StartAsync(PlatformProcesses platform, string editTitle)
    {
        await platform.WaitForSilosAsync(3);
        var listings = await Failovers.CreateListingsAsync(platform, 40);
        var probe = await ClusterProbe.ConnectAsync(platform);
        Assert.All(await Failovers.RegionsOfAsync(probe, listings), pair => Assert.Equal(pair.Home, pair.Active));
        var load = new EditLoad(platform.Http, PlatformProcesses.AdminKey, listings, (region, n) => Samples.Draft(region) with { Title = $"{editTitle} {n}" });
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(3));
        return new RegionFailureScene(listings, probe, load);
    }

    /// <summary>Waits until every Chongqing listing is active on a silo of <paramref name="region"/>.</summary>
    public Task<bool> ChongqingListingsActiveInAsync(Region region, TimeSpan timeout) =>
        Failovers.WaitAsync(async () => (await Failovers.RegionsOfAsync(Probe, Chongqing)).All(pair => pair.Active == region), timeout);

    public async ValueTask DisposeAsync()
    {
        Load.Dispose();
        await Probe.DisposeAsync();
    }
}
