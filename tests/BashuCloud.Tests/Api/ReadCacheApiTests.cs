namespace BashuCloud.Tests.Api;

/// <summary>
/// Two API processes, each with its read cache of listings: a read through either never returns a version older
/// than a change already acknowledged through the other.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ReadCacheApiTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_change_through_one_api_process_is_read_at_once_through_another()
    {
        using var other = await platform.StartApiAsync();
        var key = platform.Researchers[Region.Sichuan].Key;
        using var created = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(), key);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        for (var version = 1; version <= 10; version++)
        {
            // Both processes now hold the listing in their caches.
            var title = version == 1 ? null : $"标题 {version - 1}";
            Assert.Equal(version, (await ReadAsync(platform.Http, id, key, title)).Version);
            Assert.Equal(version, (await ReadAsync(other, id, key, title)).Version);

            // Change it through one of them (alternating); the other reads the change at once.
            var (writer, reader) = version % 2 == 0 ? (platform.Http, other) : (other, platform.Http);
            using var request = platform.Request(HttpMethod.Put, $"/api/v1/listings/{id}", Samples.Draft() with { Title = $"标题 {version}" }, key, ifMatch: $"\"{version}\"");
            using var updated = await writer.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.Equal((version + 1, $"标题 {version}"), await ReadAsync(reader, id, key, $"标题 {version}"));
        }
    }

    [Fact]
    public async Task Reads_during_a_stream_of_changes_never_go_back_before_an_acknowledged_one()
    {
        using var other = await platform.StartApiAsync();
        var key = platform.Researchers[Region.Chongqing].Key;
        using var created = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(Region.Chongqing), key);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var acknowledged = 1;
        using var done = new CancellationTokenSource();

        var readers = new[] { platform.Http, other }.Select(http => Task.Run(async () =>
        {
            var reads = 0;
            while (!done.IsCancellationRequested)
            {
                var floor = Volatile.Read(ref acknowledged);
                var (version, _) = await ReadAsync(http, id, key, expectedTitle: null);
                Assert.True(version >= floor, $"read version {version} after version {floor} was acknowledged");
                reads++;
            }
            return reads;
        })).ToArray();

        for (var version = 1; version <= 30; version++)
        {
            var writer = version % 2 == 0 ? platform.Http : other;
            using var request = platform.Request(HttpMethod.Put, $"/api/v1/listings/{id}", Samples.Draft(Region.Chongqing) with { Title = $"并发修改 {version}" }, key, ifMatch: $"\"{version}\"");
            using var updated = await writer.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Volatile.Write(ref acknowledged, version + 1);
        }
        await done.CancelAsync();
        var counts = await Task.WhenAll(readers);
        Assert.All(counts, reads => Assert.True(reads > 10, $"only {reads} reads"));
    }

    private async Task<(int Version, string Title)> ReadAsync(HttpClient http, string id, string key, string? expectedTitle)
    {
        using var request = platform.Request(HttpMethod.Get, $"/api/v1/listings/{id}", key: key);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var version = body.GetProperty("version").GetInt32();
        Assert.Equal($"\"{version}\"", response.Headers.ETag!.Tag);
        var title = body.GetProperty("title").GetString()!;
        if (expectedTitle is not null) Assert.Equal(expectedTitle, title);
        return (version, title);
    }
}
