using System.Diagnostics;
using System.Text;
using static BashuCloud.Tests.Api.ListingApiTests;

namespace BashuCloud.Tests.Api;

/// <summary>GET /api/v1/changes: the listings' change feed a mirroring platform reads, over real HTTP.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ChangeFeedApiTests(PlatformFixture platform)
{
    private static readonly string[] FeedOnly = ["changes:read"];
    private static readonly string[] FeedAndListings = ["changes:read", "listings:read", "listings:write"];

    [Fact]
    public async Task A_consumer_resuming_from_its_cursor_sees_each_later_change_and_withdrawals_as_tombstones()
    {
        var key = (await platform.IssueKeyAsync("kczg", FeedOnly)).Key;
        var start = await DrainAsync(key, null);

        var id = await platform.PublishListingAsync(Samples.Draft(Region.Chongqing));
        var (afterPublish, published) = await ReadUntilAsync(key, start, id);
        // At least once: changes that became visible between two pages may bring the same (id, version) twice.
        var entry = Assert.Single(Distinct(published, id));
        Assert.False(entry.GetProperty("tombstone").GetBoolean());
        Assert.Equal(3, entry.GetProperty("version").GetInt32());
        Assert.Equal("Published", entry.GetProperty("listing").GetProperty("status").GetString());

        using (var withdrawn = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/withdraw", new { reason = "已转让" }, platform.Researchers[Region.Chongqing].Key))
        {
            Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        }
        var (_, later) = await ReadUntilAsync(key, afterPublish, id);
        var tombstone = Assert.Single(Distinct(later, id));
        Assert.True(tombstone.GetProperty("tombstone").GetBoolean());
        Assert.Equal(4, tombstone.GetProperty("version").GetInt32());
        Assert.False(HasListing(tombstone));

        // Read one change at a time from the first cursor: the same listing ends at the same newest version.
        var (_, oneByOne) = await ReadAllAsync(key, start, limit: 1);
        Assert.Equal(4, oneByOne.Last(e => e.GetProperty("id").GetString() == id).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_platforms_draft_is_a_tombstone_to_every_other_reader()
    {
        var kczg = (await platform.IssueKeyAsync("kczg", FeedAndListings)).Key;
        var other = (await platform.IssueKeyAsync("chongqing", FeedAndListings)).Key;
        var (kczgStart, otherStart) = (await DrainAsync(kczg, null), await DrainAsync(other, null));

        using var pushed = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/kczg/listings/feed-{Guid.NewGuid():N}", Samples.Draft(Region.Sichuan) with { PlatformId = null }, kczg);
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        var id = (await pushed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var own = Assert.Single(Distinct((await ReadUntilAsync(kczg, kczgStart, id)).Entries, id));
        Assert.Equal("Draft", own.GetProperty("listing").GetProperty("status").GetString());
        var seen = Assert.Single(Distinct((await ReadUntilAsync(other, otherStart, id)).Entries, id));
        Assert.True(seen.GetProperty("tombstone").GetBoolean());
        Assert.False(HasListing(seen));
    }

    [Fact]
    public async Task A_long_poll_answers_as_soon_as_a_change_arrives()
    {
        var key = (await platform.IssueKeyAsync("kczg", FeedOnly)).Key;
        var end = await DrainAsync(key, null);
        var clock = Stopwatch.StartNew();
        var waiting = platform.SendAsync(HttpMethod.Get, $"/api/v1/changes?cursor={end}&wait=20", key: key);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var id = await platform.PublishListingAsync(Samples.Draft(Region.Sichuan));
        using var answered = await waiting;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"answered after {clock.Elapsed}");
        var entries = (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(entries, e => e.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Many_long_polls_wait_without_querying_the_database_or_holding_connections()
    {
        const int Polls = 50;
        var key = await NewFeedKeyAsync();
        var end = await DrainAsync(key, null);
        // What this API process runs anyway over the same time (webhook dispatch, housekeeping, gauges).
        var (quietStart, _) = await CommandsAsync();
        var quiet = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(4));
        var (quietEnd, _) = await CommandsAsync();
        var background = (quietEnd - quietStart) / quiet.Elapsed.TotalSeconds;

        var (start, _) = await CommandsAsync();
        var clock = Stopwatch.StartNew();
        var waits = Enumerable.Range(0, Polls).Select(_ => platform.SendAsync(HttpMethod.Get, $"/api/v1/changes?cursor={end}&wait=4", key: key)).ToList();
        // Once the polls have come (their first reads are commands), count the connections in use while they wait: a
        // design that held one per waiting poll would never fall below the number of polls.
        while ((await CommandsAsync()).Commands < start + Polls && !waits.All(w => w.IsCompleted)) await Task.Delay(100);
        var connectionsWhileWaiting = await FewestWhileAsync(waits, async () => (await CommandsAsync()).Connections);
        foreach (var wait in waits) using (var answered = await wait) Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var (finish, _) = await CommandsAsync();

        // Each poll reads once when it comes (its key and budget cost one or two more); then it waits on the one listener.
        // Polling the log every 250 ms, 50 polls of 4 s ran about 800 queries.
        var spent = finish - start - (background * clock.Elapsed.TotalSeconds);
        Assert.True(spent < Polls * 4, $"{spent:F0} commands for {Polls} long polls (background {background:F1}/s)");
        // Far fewer than one a poll: the process's own background work, at most 8 woken reads at once.
        Assert.True(connectionsWhileWaiting <= 8, $"{connectionsWhileWaiting} connections in use at the least while {Polls} polls waited");
    }

    [Fact]
    public async Task When_the_listener_connection_drops_a_long_poll_still_wakes_on_a_change_and_the_listener_comes_back()
    {
        var key = await NewFeedKeyAsync();
        var end = await DrainAsync(key, null);
        Assert.True(await ListenersAsync(terminate: true) >= 1, "every API process listens for changes");

        var clock = Stopwatch.StartNew();
        var waiting = platform.SendAsync(HttpMethod.Get, $"/api/v1/changes?cursor={end}&wait=20", key: key);
        var id = await platform.PublishListingAsync(Samples.Draft(Region.Sichuan));
        using (var answered = await waiting)
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"answered after {clock.Elapsed}");
            var entries = (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray();
            Assert.Contains(entries, e => e.GetProperty("id").GetString() == id);
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await ListenersAsync(terminate: false) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the listener connected again");
            await Task.Delay(200);
        }
    }

    [Theory]
    [InlineData("cursor=garbage!", "a cursor that was never issued")]
    [InlineData("cursor=YzE6eDp5", "a well-formed cursor with no position (c1:x:y)")]
    [InlineData("limit=0", "limit below 1")]
    [InlineData("limit=5000", "limit above 1000")]
    [InlineData("wait=31", "wait over 30 s")]
    public async Task Bad_feed_requests_are_400(string query, string why)
    {
        var key = (await platform.IssueKeyAsync("kczg", FeedOnly)).Key;
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/changes?{query}", key: key);
        await AssertProblem(response, HttpStatusCode.BadRequest, why);
    }

    [Fact]
    public async Task The_feed_needs_a_key_with_changes_read()
    {
        using (var anonymous = await platform.SendAsync(HttpMethod.Get, "/api/v1/changes", key: null)) await AssertProblem(anonymous, HttpStatusCode.Unauthorized);
        var writer = (await platform.IssueKeyAsync("kczg", PlatformFixture.ReadWrite)).Key;
        using var refused = await platform.SendAsync(HttpMethod.Get, "/api/v1/changes", key: writer);
        await AssertProblem(refused, HttpStatusCode.Forbidden);
    }

    /// <summary>The API processes' listener connections (terminated when asked).</summary>
    private Task<long> ListenersAsync(bool terminate) => platform.Database.ScalarAsync<long>(
        $"SELECT count({(terminate ? "pg_terminate_backend(pid)" : "*")}) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
        global::BashuCloud.Api.Changes.ChangeSignal.ApplicationName);

    /// <summary>A platform of its own: these tests' requests do not spend kczg's per-minute budget.</summary>
    private async Task<string> NewFeedKeyAsync()
    {
        var id = $"cf-{Guid.NewGuid():N}"[..12];
        using (var registered = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{id}", new { name = "变更流测试平台", kind = "Partner", homeRegion = "sichuan" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        return (await platform.IssueKeyAsync(id, FeedOnly)).Key;
    }

    /// <summary>The smallest value <paramref name="sample"/> gives while the tasks run.</summary>
    private static async Task<long> FewestWhileAsync(IReadOnlyList<Task> tasks, Func<Task<long>> sample)
    {
        var fewest = long.MaxValue;
        while (!tasks.All(t => t.IsCompleted))
        {
            fewest = Math.Min(fewest, await sample());
            await Task.Delay(250);
        }
        return fewest;
    }

    /// <summary>The API process's database commands so far and its connections in use, from its own /metrics (Npgsql's meter).</summary>
    private async Task<(double Commands, long Connections)> CommandsAsync()
    {
        var metrics = await platform.Http.GetStringAsync("/metrics");
        var lines = metrics.Split('\n');
        double Sum(string name, string label = "") => lines
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && l.Length > name.Length && l[name.Length] is '{' or ' ' && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var commands = Sum("db_client_operation_duration_seconds_count");
        Assert.True(commands > 0, metrics);
        return (commands, (long)Sum("db_client_connection_count", "state=\"used\""));
    }

    /// <summary>A consumer's view of one listing's entries: de-duplicated by (id, version).</summary>
    private static List<JsonElement> Distinct(IEnumerable<JsonElement> entries, string id) =>
        [.. entries.Where(e => e.GetProperty("id").GetString() == id).DistinctBy(e => e.GetProperty("version").GetInt32())];

    private static bool HasListing(JsonElement entry) => entry.TryGetProperty("listing", out var listing) && listing.ValueKind is not JsonValueKind.Null;

    /// <summary>Reads from <paramref name="cursor"/> to the end; returns the cursor to resume from.</summary>
    private async Task<string?> DrainAsync(string key, string? cursor) => (await ReadAllAsync(key, cursor)).Cursor;

    /// <summary>
    /// Reads on until the listing's change has come: a change shows once every transaction older than it has ended,
    /// and on the suite's shared PostgreSQL another test's transaction (any database) may run for seconds.
    /// </summary>
    private async Task<(string? Cursor, List<JsonElement> Entries)> ReadUntilAsync(string key, string? cursor, string id)
    {
        var entries = new List<JsonElement>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            (cursor, var page) = await ReadAllAsync(key, cursor);
            entries.AddRange(page);
        }
        while (!entries.Any(e => e.GetProperty("id").GetString() == id) && DateTime.UtcNow < deadline);
        return (cursor, entries);
    }

    private async Task<(string? Cursor, List<JsonElement> Entries)> ReadAllAsync(string key, string? cursor, int limit = 1000)
    {
        var entries = new List<JsonElement>();
        while (true)
        {
            // Caught up means an empty page after a short wait: a change acknowledged a moment ago shows once every
            // transaction older than it has ended (milliseconds), as a consumer polling the feed sees.
            var query = new StringBuilder($"/api/v1/changes?limit={limit}&wait=1");
            if (cursor is not null) query.Append("&cursor=").Append(cursor);
            using var response = await platform.SendAsync(HttpMethod.Get, query.ToString(), key: key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            var items = page.GetProperty("items").EnumerateArray().ToList();
            cursor = page.GetProperty("nextCursor").GetString();
            if (items.Count == 0) return (cursor, entries);
            entries.AddRange(items);
        }
    }
}
