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
