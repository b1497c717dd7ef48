using BashuCloud.Projections;
using BashuCloud.Tests.Api;

namespace BashuCloud.Tests.Statistics;

/// <summary>
/// Rebuilding the read model while the platform runs: listings are written and the read model and statistics are
/// read all along; no read fails or sees fewer listings than the one before, and afterwards the read model equals
/// the grains' stored state, the counters equal a GROUP BY, and the projection goes on into the new tables.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ReadModelRebuildTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_rebuild_under_reads_and_writes_never_shows_less_and_ends_equal_to_grain_state()
    {
        for (var i = 0; i < 20; i++) await platform.PublishListingAsync(Samples.Draft(i % 2 == 0 ? Region.Sichuan : Region.Chongqing));
        var indexes = await IndexNamesAsync();
        using var stop = new CancellationTokenSource();
        var written = new Dictionary<string, int>();
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested) written[(await platform.CreateListingAsync(Samples.Draft(Region.Chongqing))).Id] = 1;
        });
        var readings = new List<(long Rows, long Total)>();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var rows = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM rm_listing");
                using var response = await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/joint");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var total = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("listings").GetProperty("total").GetInt64();
                readings.Add((rows, total));
            }
        });

        await Task.Delay(500);
        var serviceId = await platform.Database.ScalarAsync<string>("SELECT service_id FROM grain_state LIMIT 1");
        var counts = await new ReadModelRebuild(platform.Database.DataSource, serviceId, TextWriter.Null).RunAsync();
        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(writer, reader);

        Assert.True(counts["rm_listing"] >= 20);
        Assert.True(readings.Count > 5, $"{readings.Count} readings during the rebuild");
        for (var i = 1; i < readings.Count; i++)
        {
            Assert.True(readings[i].Rows >= readings[i - 1].Rows, $"rows went from {readings[i - 1].Rows} to {readings[i].Rows}");
            Assert.True(readings[i].Total >= readings[i - 1].Total, $"the statistics' total went from {readings[i - 1].Total} to {readings[i].Total}");
        }

        // The projection goes on into the new tables: a listing written after the swap arrives, and is counted.
        written[(await platform.CreateListingAsync(Samples.Draft(Region.Sichuan))).Id] = 1;
        await platform.WaitForReadModelAsync(written);
        await platform.WaitForReadModelCaughtUpAsync();
        const string stored = """
            SELECT grain_key, (payload->>'version')::int, payload->>'status', payload->'content'->>'region', payload->'content'->>'kind'
              FROM grain_state WHERE state_name = 'listing' AND payload IS NOT NULL
            """;
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>(GroundTruth.Differing("SELECT id, version, status, region, kind FROM rm_listing", stored)));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>(GroundTruth.ListingCounters));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>(GroundTruth.MonthlyCounters));
        Assert.Equal(indexes, await IndexNamesAsync());
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE 'rm\\_%\\_next'"));
    }

    private async Task<string> IndexNamesAsync() => await platform.Database.ScalarAsync<string>(
        "SELECT string_agg(indexname || ' ' || tablename, ', ' ORDER BY indexname) FROM pg_indexes WHERE tablename LIKE 'rm\\_%'");
}
