using BashuCloud.Listings;

namespace BashuCloud.Tests.Api;

/// <summary>Two independent deployments, each with its own database and one silo (serving both regions).</summary>
public sealed class TwoDeployments : IAsyncLifetime
{
    /// <summary>The local platform that stands for the source deployment (`--as`).</summary>
    public const string SourcePlatform = "tianfu-node";

    public PlatformFixture Source { get; } = new() { SiloRegions = ["sichuan"] };

    public PlatformFixture Local { get; } = new() { SiloRegions = ["sichuan"] };

    /// <summary>The source's key for the local node: changes:read, issued to the platform that stands for the local node there.</summary>
    public string FeedKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Source.InitializeAsync(), Local.InitializeAsync());
        foreach (var (deployment, platform) in new[] { (Source, "chongqing-node"), (Local, SourcePlatform) })
        {
            using var response = await deployment.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{platform}", new { name = "镜像节点 (mirror node)", kind = "Partner", homeRegion = "sichuan" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        FeedKey = (await Source.IssueKeyAsync("chongqing-node", ["changes:read"])).Key;
    }

    public async Task DisposeAsync()
    {
        await Source.DisposeAsync();
        await Local.DisposeAsync();
    }
}

/// <summary>`bashu mirror` as a real process between two real deployments: killed mid-way, restarted, replayed.</summary>
public sealed class MirrorTests(TwoDeployments nodes) : IClassFixture<TwoDeployments>, IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), $"bashu-mirror-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_state);

    [Fact]
    public async Task A_mirror_killed_mid_way_and_restarted_converges_and_replaying_the_whole_feed_changes_nothing()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => nodes.Source.PublishListingAsync(Draft(i))));
        var withdrawn = ids[8..12];
        foreach (var id in withdrawn) await WithdrawAtSourceAsync(id);

        // The first run follows the feed ten entries a page; SIGKILL it as soon as it has saved a cursor, mid-way.
        var first = StartMirror("follow", "--limit", "10");
        try
        {
            await CursorSavedAsync(first);
        }
        finally
        {
            first.Kill();
        }
        Assert.InRange(await LocalPublishedCountAsync(), 1L, ids.Length - withdrawn.Length - 1L);

        // A listing already mirrored is edited at the source (back in review): the next run withdraws our copy.
        var edited = await FirstMirroredAsync(ids.Except(withdrawn));
        var copyBeforeEdit = (await LocalAsync(edited))!.Value.GetProperty("id").GetString();
        await EditAtSourceAsync(edited);
        await RunOnceAsync("after-kill", "--limit", "10");
        Assert.Equal("Withdrawn", (await LocalAsync(edited))!.Value.GetProperty("status").GetString());

        // Approved again at the source: published again here, as a new listing under the same external id.
        await ApproveAtSourceAsync(edited);
        await RunOnceAsync("after-approval");
        Assert.NotEqual(copyBeforeEdit, (await LocalAsync(edited))!.Value.GetProperty("id").GetString());

        await AssertConvergedAsync(ids, withdrawn);
        Assert.Equal(ids.Length - withdrawn.Length + 1, await LocalListingCountAsync());

        // Replaying the whole feed from its start (a lost state file) makes no version and no listing.
        var before = await LocalVersionsAsync();
        File.Delete(_state);
        await RunOnceAsync("replay", "--limit", "25");
        Assert.Equal(before, await LocalVersionsAsync());
        await AssertConvergedAsync(ids, withdrawn);
    }

    [Fact]
    public async Task A_wrong_source_key_stops_the_mirror_with_exit_code_1_and_writes_nothing()
    {
        var (exitCode, output) = await RunToEndAsync("wrong-key", "--once", "--from-key", "bk_not_a_key_0123456789abcdef");
        Assert.Equal(1, exitCode);
        Assert.Contains("源节点拒绝了密钥 (the source refused the key: 401)", output);
        Assert.False(File.Exists(_state));
    }

    private static ListingDraft Draft(int i) => Samples.Draft(i % 2 == 0 ? Region.Sichuan : Region.Chongqing, i % 3 == 0 ? ListingKind.Patent : ListingKind.Achievement) with
    {
        Title = $"镜像测试成果 {i} (mirrored listing {i})",
        Keywords = ["镜像", $"k{i}"],
        Trl = 1 + i % 9,
    };

    private PlatformProcess StartMirror(string run, params string[] extra)
    {
        string[] command =
        [
            "dotnet", Repository.CliDll, "mirror", "--from", nodes.Source.Http.BaseAddress!.ToString(), "--to", nodes.Local.Http.BaseAddress!.ToString(),
            "--as", TwoDeployments.SourcePlatform, "--exclude-platform", "chongqing-node", "--state", _state, .. extra,
        ];
        var keys = new Dictionary<string, string> { ["BASHU_MIRROR_FROM_KEY"] = nodes.FeedKey, ["BASHU_MIRROR_TO_KEY"] = PlatformProcesses.AdminKey };
        return PlatformProcess.Start(command, $"mirror-{run}", Path.Combine(nodes.Local.LogDirectory, $"{nodes.Local.ClusterId}-mirror-{run}.log"), keys);
    }

    /// <summary>Runs the mirror until it has caught up; it must end with exit code 0.</summary>
    private async Task RunOnceAsync(string run, params string[] extra)
    {
        var (exitCode, output) = await RunToEndAsync(run, ["--once", .. extra]);
        Assert.True(exitCode == 0, output);
    }

    private async Task<(int ExitCode, string Output)> RunToEndAsync(string run, params string[] arguments)
    {
        var mirror = StartMirror(run, arguments);
        try
        {
            return (await mirror.WaitForExitAsync(TimeSpan.FromSeconds(60)), mirror.Output);
        }
        finally
        {
            mirror.Kill();
        }
    }

    private async Task CursorSavedAsync(PlatformProcess mirror)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!File.Exists(_state))
        {
            if (mirror.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"The mirror saved no cursor: {mirror.Output}");
            await Task.Delay(20);
        }
    }

    private async Task<string> FirstMirroredAsync(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            if (await LocalAsync(id) is { } copy && copy.GetProperty("status").GetString() == "Published") return id;
        }
        throw new InvalidOperationException("The killed run mirrored no listing.");
    }

    /// <summary>Every listing the source publishes is published here with the same content; every other one is not.</summary>
    private async Task AssertConvergedAsync(string[] ids, string[] withdrawn)
    {
        foreach (var id in ids)
        {
            var source = await SourceAsync(id);
            var copy = await LocalAsync(id);
            if (withdrawn.Contains(id))
            {
                Assert.Equal("Withdrawn", source.GetProperty("status").GetString());
                Assert.True(copy is null || copy.Value.GetProperty("status").GetString() == "Withdrawn", $"{id} is still open here");
                continue;
            }
            Assert.Equal("Published", source.GetProperty("status").GetString());
            Assert.NotNull(copy);
            Assert.Equal(("Published", TwoDeployments.SourcePlatform), (copy.Value.GetProperty("status").GetString(), copy.Value.GetProperty("platformId").GetString()));
            Assert.Equal(Content(source), Content(copy.Value));
        }
        Assert.Equal(ids.Length - withdrawn.Length, await LocalPublishedCountAsync());
    }

    private async Task<long> LocalPublishedCountAsync() =>
        await nodes.Local.Database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE state_name = 'listing' AND payload->>'status' = 'Published'");

    private static string Content(JsonElement listing) =>
        JsonSerializer.Serialize(listing.Deserialize<ListingDraft>(BashuJson.Options)! with { PlatformId = null }, BashuJson.Options);

    /// <summary>As the joint administrator sees it: withdrawn listings too.</summary>
    private async Task<JsonElement> SourceAsync(string id)
    {
        using var response = await nodes.Source.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement?> LocalAsync(string sourceId)
    {
        using var response = await nodes.Local.SendAsync(HttpMethod.Get, $"/api/v1/partners/{TwoDeployments.SourcePlatform}/listings/{sourceId}");
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<long> LocalListingCountAsync() =>
        await nodes.Local.Database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE state_name = 'listing' AND payload IS NOT NULL");

    private async Task<string> LocalVersionsAsync() =>
        await nodes.Local.Database.ScalarAsync<string>(
            "SELECT coalesce(string_agg(grain_key || ':' || (payload->>'version'), ',' ORDER BY grain_key), '') FROM grain_state WHERE state_name = 'listing'");

    private async Task WithdrawAtSourceAsync(string id)
    {
        var region = BashuId.RegionOf(id)!.Value;
        using var response = await nodes.Source.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/withdraw", new { reason = "已转让 (sold)" }, nodes.Source.Researchers[region].Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task EditAtSourceAsync(string id)
    {
        var region = BashuId.RegionOf(id)!.Value;
        var current = await SourceAsync(id);
        var draft = current.Deserialize<ListingDraft>(BashuJson.Options)! with { Title = "镜像测试成果，已修改 (mirrored listing, edited)" };
        using var response = await nodes.Source.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}", draft, nodes.Source.Researchers[region].Key, $"\"{current.GetProperty("version").GetInt32()}\"");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("InReview", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    private async Task ApproveAtSourceAsync(string id)
    {
        using var response = await nodes.Source.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/approve", key: nodes.Source.AdministratorKeys[BashuId.RegionOf(id)!.Value]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
