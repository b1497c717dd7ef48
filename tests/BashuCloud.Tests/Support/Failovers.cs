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
