namespace BashuCloud.Tests.Api;

/// <summary>
/// Silos that write state and change log but do not project (as if every one of them crashed between the two
/// steps), so a test can kill them at that point and prove nothing acknowledged is lost.
/// </summary>
public sealed class ProjectionStoppedPlatform : PlatformProcesses
{
    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>
    {
        ["Bashu__Projection__Enabled"] = "false",
    };
}

public sealed class CrashTests(ProjectionStoppedPlatform platform) : IClassFixture<ProjectionStoppedPlatform>
{
    [Fact]
    public async Task Killing_every_silo_between_the_state_write_and_the_projection_loses_no_acknowledged_change()
    {
        using (var registered = await platform.SendAsync(HttpMethod.Put, "/api/v1/platforms/sichuan", new { name = "天府科技云", kind = "Provincial", homeRegion = "sichuan" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        // Acknowledged changes: what each listing's version was when the API said 2xx.
        var acknowledged = new Dictionary<string, int>();
        for (var i = 0; i < 12; i++)
        {
            using var created = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft() with { Title = $"锂电池回收技术 {i}" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            acknowledged[id] = 1;
            if (i % 3 == 0)
            {
                using var submitted = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/submit");
                Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
                acknowledged[id] = 2;
            }
        }
        Assert.Equal(acknowledged.Values.Sum(), (int)await platform.Database.ScalarAsync<long>("SELECT count(*) FROM change_log WHERE state_name = 'listing'"));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM rm_listing"));

        foreach (var silo in platform.Silos) platform.KillSilo(silo);
        platform.StartSilo("chongqing", new Dictionary<string, string> { ["Bashu__Projection__Enabled"] = "true" });
        await platform.WaitForSilosAsync(1);

        // The read model catches up with exactly what was acknowledged...
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await platform.Database.ScalarAsync<long>("SELECT count(*) FROM rm_listing") < acknowledged.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        foreach (var (id, version) in acknowledged)
        {
            Assert.Equal(version, await platform.Database.ScalarAsync<int>("SELECT version FROM rm_listing WHERE id = $1", id));
            // ...and the grains, reactivated on the surviving silo, answer with the same state (a 503 while the
            // cluster recovers asks the caller to retry, and so the test does).
            using var read = await ReadWhileRecoveringAsync($"/api/v1/listings/{id}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal($"\"{version}\"", read.Headers.ETag!.Tag);
        }
        Assert.Equal(acknowledged.Count, (int)await platform.Database.ScalarAsync<long>("SELECT count(*) FROM rm_listing"));

        // Replaying the whole log (a projector that died after applying a batch but before its checkpoint
        // committed would replay part of it) leaves the read model as it was.
        var before = await Snapshot();
        await platform.Database.ExecuteAsync("UPDATE projection_checkpoint SET tx = '0'::xid8, seq = 0");
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await platform.Database.ScalarAsync<bool>("SELECT seq >= (SELECT max(seq) FROM change_log) FROM projection_checkpoint") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal(before, await Snapshot());
    }

    private Task<string> Snapshot() => platform.Database.ScalarAsync<string>(
        "SELECT coalesce(string_agg(id || ':' || version || ':' || status, ',' ORDER BY id), '') FROM rm_listing");

    private async Task<HttpResponseMessage> ReadWhileRecoveringAsync(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await platform.SendAsync(HttpMethod.Get, path);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 20) return response;
            response.Dispose();
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }
}
