using System.Text;
using BashuCloud.Listings;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The other half of the authorization matrix: not which status a call gets, but what comes out of it. Unpublished
/// listings of every kind of tenant in both regions (researchers' own, the provincial platforms', a partner's in both
/// provinces, another partner's) are read back by every kind of caller through every query that can select unpublished
/// data: each combination of the list's filters (status, region, platformId, ownerId), the change feed and the joint
/// statistics (JSON and CSV). Each caller must see exactly the unpublished listings it is responsible for: its own, its
/// platform's, its region's as that region's administrator, all of them as the joint administrator.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ScopingMatrixTests(PlatformFixture platform)
{
    private enum Who { Anonymous, Owner, OtherResearcher, Admin, OtherAdmin, JointAdmin, Partner, PartnerReadOnly, OtherPartner }

    /// <summary>A caller: its key, and the oracle of what it is responsible for (written here, apart from the API's rule).</summary>
    private sealed record Caller(Who Who, string? Key, Func<JsonElement, bool> Responsible);

    private static readonly string[] PartnerScopes = ["listings:read", "listings:write", "changes:read"];
    private static readonly string[] ChangedEvents = ["listing.changed"];

    [Fact]
    public async Task Every_caller_sees_through_every_list_filter_exactly_the_unpublished_listings_it_is_responsible_for()
    {
        var (callers, fixtures) = await ArrangeAsync();
        string?[] statuses = [null, "Draft", "InReview", "Withdrawn"];
        string?[] regions = [null, "sichuan", "chongqing"];
        string?[] narrowing = [null, "platformId=kczg", $"ownerId={platform.Researchers[Region.Sichuan].Id}", "platformId=chongqing"];
        var mismatches = new StringBuilder();
        var queries = 0;
        foreach (var caller in callers)
        {
            foreach (var status in statuses)
            {
                foreach (var region in regions)
                {
                    foreach (var narrow in narrowing)
                    {
                        var query = string.Join('&', new[] { status is null ? null : $"status={status}", region is null ? null : $"region={region}", narrow }.Where(p => p is not null));
                        var (listed, refused) = await ListAllAsync(query, caller.Key);
                        queries++;
                        if (refused is not null) mismatches.AppendLine($"{caller.Who} ?{query}: {refused}");
                        foreach (var item in listed.Where(i => !IsPublic(i) && !caller.Responsible(i)))
                        {
                            mismatches.AppendLine($"{caller.Who} ?{query}: sees {item.GetProperty("id")} ({item.GetProperty("status")}, {item.GetProperty("region")}, {item.GetProperty("platformId")})");
                        }
                        // Every unpublished fixture the caller is responsible for and the filter admits is listed.
                        var ids = listed.Select(i => i.GetProperty("id").GetString()).ToHashSet();
                        foreach (var missing in fixtures.Where(f => caller.Responsible(f) && Admits(f, status, region, narrow) && !ids.Contains(f.GetProperty("id").GetString())))
                        {
                            mismatches.AppendLine($"{caller.Who} ?{query}: misses its own {missing.GetProperty("id")} ({missing.GetProperty("status")}, {missing.GetProperty("region")})");
                        }
                    }
                }
            }
        }
        Assert.True(mismatches.Length == 0, $"{queries} queries:\n{mismatches}");
    }

    [Fact]
    public async Task The_change_feed_shows_each_caller_only_the_unpublished_listings_it_is_responsible_for()
    {
        var start = await FeedEndAsync(PlatformProcesses.AdminKey);
        var (callers, fixtures) = await ArrangeAsync();
        var mismatches = new StringBuilder();
        foreach (var caller in callers.Where(c => c.Who is not (Who.Anonymous or Who.PartnerReadOnly)))
        {
            var entries = await FeedAsync(start, caller.Key!);
            var shown = entries.Where(e => !e.GetProperty("tombstone").GetBoolean()).Select(e => e.GetProperty("listing")).ToList();
            foreach (var listing in shown.Where(l => !IsPublic(l) && !caller.Responsible(l)))
            {
                mismatches.AppendLine($"{caller.Who}: the feed carries {listing.GetProperty("id")} ({listing.GetProperty("status")}, {listing.GetProperty("region")})");
            }
            var ids = shown.Select(l => l.GetProperty("id").GetString()).ToHashSet();
            foreach (var missing in fixtures.Where(f => caller.Responsible(f) && !ids.Contains(f.GetProperty("id").GetString())))
            {
                mismatches.AppendLine($"{caller.Who}: the feed lacks its own {missing.GetProperty("id")}");
            }
        }
        Assert.True(mismatches.Length == 0, mismatches.ToString());
    }

    [Fact]
    public async Task Statistics_count_unpublished_listings_only_in_administered_regions_and_never_describe_a_single_deal_to_others()
    {
        var (callers, _) = await ArrangeAsync();
        await new DealScript(platform).AtAsync(Deals.DealStage.Inquiry, null, false);
        await platform.WaitForReadModelCaughtUpAsync();
        var mismatches = new StringBuilder();
        foreach (var caller in callers.Where(c => c.Who is Who.Owner or Who.OtherResearcher or Who.Admin or Who.OtherAdmin or Who.JointAdmin))
        {
            string[] administered = caller.Who switch
            {
                Who.Admin => ["sichuan"],
                Who.OtherAdmin => ["chongqing"],
                Who.JointAdmin => ["sichuan", "chongqing"],
                _ => [],
            };
            foreach (var region in new string?[] { null, "sichuan", "chongqing" })
            {
                var query = region is null ? "" : $"?region={region}";
                using var json = await platform.SendAsync(HttpMethod.Get, $"/api/v1/stats/joint{query}", key: caller.Key);
                Assert.Equal(HttpStatusCode.OK, json.StatusCode);
                var statistics = await json.Content.ReadFromJsonAsync<JsonElement>();
                var listings = statistics.GetProperty("listings");
                var unpublished = listings.GetProperty("cells").EnumerateArray().Where(c => !IsPublicStatus(c.GetProperty("status").GetString()!)).ToList();
                foreach (var cell in unpublished.Where(c => !administered.Contains(c.GetProperty("region").GetString())))
                {
                    mismatches.AppendLine($"{caller.Who}{query}: counts {cell.GetProperty("status")} listings of {cell.GetProperty("region")}");
                }
                foreach (var month in listings.GetProperty("newPerMonth").EnumerateArray().Where(m => !administered.Contains(m.GetProperty("region").GetString())))
                {
                    mismatches.AppendLine($"{caller.Who}{query}: counts new listings (any status) of {month.GetProperty("region")}");
                }
                // The positive marker: an administrator sees its own region's drafts, which the arrangement made.
                if (administered.Contains("sichuan") && region is null or "sichuan" && !unpublished.Any(c => c.GetProperty("region").GetString() == "sichuan"))
                {
                    mismatches.AppendLine($"{caller.Who}{query}: does not count Sichuan's drafts");
                }
                // Deals: administrators see every cell; others only cells of 3 or more deals, with the same figures.
                using var whole = await platform.SendAsync(HttpMethod.Get, $"/api/v1/stats/joint{query}");
                var everything = (await whole.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deals");
                var deals = statistics.GetProperty("deals");
                foreach (var (section, count) in new[] { ("stages", "count"), ("flows", "contracts"), ("brokers", "deals") })
                {
                    var expected = everything.GetProperty(section).EnumerateArray()
                        .Where(c => administered.Length > 0 || c.GetProperty(count).GetInt64() >= 3).Select(c => c.GetRawText()).ToList();
                    var actual = deals.GetProperty(section).EnumerateArray().Select(c => c.GetRawText()).ToList();
                    if (!expected.SequenceEqual(actual)) mismatches.AppendLine($"{caller.Who}{query}: deals.{section} [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
                }

                using var csv = await platform.SendAsync(HttpMethod.Get, $"/api/v1/stats/joint.csv{query}", key: caller.Key);
                Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
                foreach (var row in (await csv.Content.ReadAsStringAsync()).Split('\n').Skip(1).Select(r => r.Split(',')).Where(r => r.Length > 3 && r[0] == "listings"))
                {
                    if (!IsPublicStatus(row[3]) && !administered.Contains(row[1])) mismatches.AppendLine($"{caller.Who}{query}: the CSV counts {row[3]} listings of {row[1]}");
                }
            }
        }
        Assert.True(mismatches.Length == 0, mismatches.ToString());
    }

    [Fact]
    public async Task A_region_administrator_mints_no_key_or_webhook_for_a_platform_whose_listings_span_both_provinces()
    {
        foreach (var key in new[] { platform.AdministratorKeys[Region.Sichuan], platform.AdministratorKeys[Region.Chongqing] })
        {
            using var minted = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/keys", new { scopes = PartnerScopes }, key);
            Assert.Equal(HttpStatusCode.Forbidden, minted.StatusCode);
            using var subscribed = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/webhooks", new { url = "http://127.0.0.1:9/hooks", events = ChangedEvents }, key);
            Assert.Equal(HttpStatusCode.Forbidden, subscribed.StatusCode);
        }
        using var joint = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/keys", new { scopes = PartnerScopes });
        Assert.Equal(HttpStatusCode.Created, joint.StatusCode);
    }

    [Fact]
    public async Task A_duplicate_flag_never_names_the_owners_draft_in_the_other_province()
    {
        var owner = platform.Researchers[Region.Sichuan].Key;
        var title = $"跨省重复检测样品 {Guid.NewGuid():N}"[..24];
        var inChongqing = await CreateAsync(Samples.Draft(Region.Chongqing) with { Title = title, PlatformId = "chongqing" }, owner);
        var inSichuan = await CreateAsync(Samples.Draft(Region.Sichuan) with { Title = title }, owner);
        var submitted = await CreateAsync(Samples.Draft(Region.Sichuan) with { Title = title }, owner);
        await platform.WaitForReadModelCaughtUpAsync();
        using (var submit = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{submitted}/submit", key: owner)) Assert.Equal(HttpStatusCode.OK, submit.StatusCode);
        using var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{submitted}", key: platform.AdministratorKeys[Region.Sichuan]);
        var flags = (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("possibleDuplicates").EnumerateArray().Select(f => f.GetString()).ToList();
        Assert.Contains(inSichuan, flags);
        Assert.DoesNotContain(inChongqing, flags);
    }

    /// <summary>Unpublished listings of every tenant in both regions, and the callers with their oracles.</summary>
    private async Task<(List<Caller> Callers, List<JsonElement> Fixtures)> ArrangeAsync()
    {
        var otherPartner = $"so-{Guid.NewGuid():N}"[..14];
        using (var registered = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{otherPartner}", new { name = "范围矩阵另一平台", kind = "Partner", homeRegion = "chongqing" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        var partner = (await platform.IssueKeyAsync("kczg", PartnerScopes)).Key;
        var other = (await platform.IssueKeyAsync(otherPartner, PartnerScopes)).Key;
        var (sichuanResearcher, chongqingResearcher) = (platform.Researchers[Region.Sichuan], platform.Researchers[Region.Chongqing]);

        var ids = new List<string>
        {
            await CreateAsync(Samples.Draft(Region.Sichuan), sichuanResearcher.Key),
            await CreateAsync(Samples.Draft(Region.Chongqing), chongqingResearcher.Key),
            await CreateAsync(Samples.Draft(Region.Chongqing) with { PlatformId = "chongqing" }, sichuanResearcher.Key),
            await PushAsync("kczg", Region.Sichuan, partner),
            await PushAsync("kczg", Region.Chongqing, partner),
            await PushAsync(otherPartner, Region.Chongqing, other),
        };
        var inReview = await CreateAsync(Samples.Draft(Region.Sichuan), sichuanResearcher.Key);
        using (var submitted = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{inReview}/submit", key: sichuanResearcher.Key)) Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var withdrawn = await CreateAsync(Samples.Draft(Region.Chongqing), chongqingResearcher.Key);
        using (var done = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{withdrawn}/withdraw", new { reason = "范围矩阵" }, chongqingResearcher.Key)) Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        ids.AddRange([inReview, withdrawn]);

        var fixtures = new List<JsonElement>();
        foreach (var id in ids)
        {
            using var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}");
            fixtures.Add(await read.Content.ReadFromJsonAsync<JsonElement>());
        }
        await platform.WaitForReadModelAsync(fixtures.ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("version").GetInt32()));

        static Func<JsonElement, bool> Field(string name, string value) => l => l.GetProperty(name).GetString() == value;
        var callers = new List<Caller>
        {
            new(Who.Anonymous, null, _ => false),
            new(Who.Owner, sichuanResearcher.Key, Field("ownerId", sichuanResearcher.Id)),
            new(Who.OtherResearcher, chongqingResearcher.Key, Field("ownerId", chongqingResearcher.Id)),
            new(Who.Admin, platform.AdministratorKeys[Region.Sichuan], Field("region", "sichuan")),
            new(Who.OtherAdmin, platform.AdministratorKeys[Region.Chongqing], Field("region", "chongqing")),
            new(Who.JointAdmin, PlatformProcesses.AdminKey, _ => true),
            new(Who.Partner, partner, Field("platformId", "kczg")),
            new(Who.PartnerReadOnly, (await platform.IssueKeyAsync("kczg", ["listings:read"])).Key, Field("platformId", "kczg")),
            new(Who.OtherPartner, other, Field("platformId", otherPartner)),
        };
        return (callers, fixtures);
    }

    private async Task<string> CreateAsync(ListingDraft draft, string key)
    {
        using var response = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", draft, key);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<string> PushAsync(string platformId, Region region, string key)
    {
        using var response = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/{platformId}/listings/s-{Guid.NewGuid():N}", Samples.Draft(region) with { PlatformId = null }, key);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Every page of a list, or what refused it (a filter narrows what the caller sees; it is never refused).</summary>
    private async Task<(List<JsonElement> Items, string? Refused)> ListAllAsync(string query, string? key)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var path = $"/api/v1/listings?limit=100&{query}" + (cursor is null ? "" : $"&cursor={cursor}");
            using var response = await platform.SendAsync(HttpMethod.Get, path, key: key);
            if (response.StatusCode != HttpStatusCode.OK) return (items, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind is JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return (items, null);
    }

    private async Task<string> FeedEndAsync(string key)
    {
        var cursor = "";
        while (true)
        {
            using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/changes?limit=1000{(cursor.Length > 0 ? $"&cursor={cursor}" : "")}", key: key);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            cursor = page.GetProperty("nextCursor").GetString()!;
            if (page.GetProperty("items").GetArrayLength() == 0) return cursor;
        }
    }

    private async Task<List<JsonElement>> FeedAsync(string cursor, string key)
    {
        var entries = new List<JsonElement>();
        while (true)
        {
            using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/changes?limit=1000&cursor={cursor}", key: key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            cursor = page.GetProperty("nextCursor").GetString()!;
            var items = page.GetProperty("items").EnumerateArray().ToList();
            if (items.Count == 0) return entries;
            entries.AddRange(items);
        }
    }

    private static bool Admits(JsonElement listing, string? status, string? region, string? narrow) =>
        (status is null || listing.GetProperty("status").GetString() == status)
        && (region is null || listing.GetProperty("region").GetString() == region)
        && (narrow is null || narrow.Split('=') is [var name, var value] && listing.GetProperty(name).GetString() == value);

    private static bool IsPublic(JsonElement listing) => IsPublicStatus(listing.GetProperty("status").GetString()!);

    private static bool IsPublicStatus(string status) => status is "Published" or "Negotiating" or "Traded" or "Expired";
}
