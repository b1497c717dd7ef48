using BashuCloud.Listings;

namespace BashuCloud.Tests.Api;

/// <summary>Search and matching over real HTTP, on listings published through the grains and projected by the silos.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SearchApiTests(PlatformFixture platform)
{
    [Fact]
    public async Task Published_listings_are_found_by_one_and_two_character_chinese_and_by_english_drafts_are_not()
    {
        var tag = Tag();
        var battery = await PublishAsync(Samples.Draft(Region.Chongqing) with
        {
            Title = $"退役锂电池梯次利用{tag}",
            TitleEn = null,
            Summary = "动力电池拆解与 Battery recycling 工艺。",
            Keywords = ["电池回收"],
            Field = TechnologyField.NewEnergy,
        });
        var metro = await PublishAsync(Samples.Draft(Region.Sichuan) with { Summary = $"地铁隧道巡检{tag}" });
        var (draft, _) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan) with { Title = $"锂电草稿{tag}" });

        Assert.Contains(battery, await AllIdsAsync("锂电"));
        Assert.DoesNotContain(draft, await AllIdsAsync("锂电"));
        Assert.Contains(metro, await AllIdsAsync("地铁", "&sort=newest"));
        Assert.Contains(battery, await AllIdsAsync("锂"));
        Assert.Contains(battery, await AllIdsAsync("BATTERY recycling"));
        Assert.Equal([metro, battery], await AllIdsAsync(tag, "&sort=newest"));
        Assert.Equal([battery], await AllIdsAsync(tag, "&region=chongqing"));
    }

    [Fact]
    public async Task Relevance_puts_title_hits_before_keyword_and_summary_hits_and_filters_narrow()
    {
        var tag = Tag();
        var inSummary = await PublishAsync(Samples.Draft() with { Summary = $"摘要提到{tag}", Trl = 3 });
        var inKeywords = await PublishAsync(Samples.Draft() with { Keywords = [tag], Kind = ListingKind.Demand, Trl = 9 });
        var inTitle = await PublishAsync(Samples.Draft(Region.Chongqing) with { Title = $"标题含{tag}", Trl = 5 });

        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/search?q={tag}&limit=2");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        var items = page.GetProperty("items");
        Assert.Equal([inTitle, inKeywords], items.EnumerateArray().Select(i => i.GetProperty("listing").GetProperty("id").GetString()!));
        Assert.Equal("title", items[0].GetProperty("matchedIn").GetString());
        Assert.Equal("keywords", items[1].GetProperty("matchedIn").GetString());
        Assert.Equal([inTitle, inKeywords, inSummary], await AllIdsAsync(tag, "&limit=1"));

        Assert.Equal([inKeywords], await AllIdsAsync(tag, "&kind=Demand"));
        Assert.Equal([inTitle], await AllIdsAsync(tag, "&region=chongqing"));
        Assert.Equal([inTitle, inKeywords], await AllIdsAsync(tag, "&trlMin=4"));
        Assert.Equal([inTitle, inKeywords, inSummary], await AllIdsAsync(tag, "&field=RailTransit&status=Published"));
        Assert.Empty(await AllIdsAsync(tag, "&field=Biomedicine"));
    }

    public static TheoryData<string, string> BadSearches => new()
    {
        { "no query", "" },
        { "empty query", "?q=" },
        { "blank query", "?q=%20%20" },
        { "10,000 characters", "?q=" + new string('锂', 10_000) },
        { "101 characters", "?q=" + new string('a', 101) },
        { "control character", "?q=%E9%94%82%0A%E7%94%B5" },
        { "unknown kind", "?q=锂电&kind=Invention" },
        { "kind as a number", "?q=锂电&kind=1" },
        { "unknown region", "?q=锂电&region=beijing" },
        { "unknown field", "?q=锂电&field=Magic" },
        { "unknown status", "?q=锂电&status=Lost" },
        { "a status that is not public", "?q=锂电&status=Draft" },
        { "trlMin out of range", "?q=锂电&trlMin=10" },
        { "trlMin not a number", "?q=锂电&trlMin=high" },
        { "unknown sort", "?q=锂电&sort=price" },
        { "limit too large", "?q=锂电&limit=1000" },
        { "forged cursor", "?q=锂电&cursor=bm90LWEtY3Vyc29y" },
        { "cursor with a forged id", "?q=锂电&cursor=cjA6c2ljaHVhbi0x" },
        { "cursor of another sort", "?q=锂电&sort=newest&cursor=cjA6c2ljaHVhbi0wMUpENVo4UThYNE02VzJUM1I5SzdCMUMwQQ" },
        { "not base64", "?q=锂电&cursor=%%%" },
    };

    [Theory]
    [MemberData(nameof(BadSearches))]
    public async Task Bad_input_is_a_400_problem(string why, string query)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, "/api/v1/listings/search" + query);
        await ListingApiTests.AssertProblem(response, HttpStatusCode.BadRequest, why);
    }

    [Fact]
    public async Task A_demand_is_matched_with_offers_that_say_why_and_an_offer_with_demands()
    {
        var tag = Tag();
        var demand = await PublishAsync(Samples.Draft(Region.Chongqing, ListingKind.Demand) with
        {
            Title = $"锂电池回收{tag}技术需求",
            Keywords = [$"回收{tag}", "锂电"],
            Field = TechnologyField.NewEnergy,
            Trl = 6,
        });
        var achievement = await PublishAsync(Samples.Draft(Region.Sichuan) with
        {
            Title = $"锂电池回收{tag}成套工艺",
            Keywords = [$"回收{tag}", "湿法冶金"],
            Field = TechnologyField.NewEnergy,
            Trl = 7,
        });
        var otherDemand = await PublishAsync(Samples.Draft(Region.Chongqing, ListingKind.Demand) with { Keywords = [$"回收{tag}"] });

        var matches = await MatchesAsync(demand);
        var match = matches.Single(m => m.GetProperty("listing").GetProperty("id").GetString() == achievement);
        Assert.DoesNotContain(matches, m => m.GetProperty("listing").GetProperty("id").GetString() == otherDemand);
        var reasons = match.GetProperty("reasons").EnumerateArray().ToDictionary(r => r.GetProperty("code").GetString()!, r => r.GetProperty("detail").GetString()!);
        Assert.Equal(["field", "keywords", "title", "cross-province", "maturity"], reasons.Keys);
        Assert.Contains($"回收{tag}".ToLowerInvariant(), reasons["keywords"]);
        Assert.True(match.GetProperty("score").GetDouble() > 0);

        var forAchievement = (await MatchesAsync(achievement)).Select(m => m.GetProperty("listing").GetProperty("id").GetString()).ToList();
        Assert.Contains(demand, forAchievement);
        Assert.Contains(otherDemand, forAchievement);
        Assert.DoesNotContain(achievement, forAchievement);
    }

    [Fact]
    public async Task Matches_of_an_unknown_listing_or_of_a_draft_for_anyone_else_are_404()
    {
        var (draft, _) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan));
        foreach (var path in new[] { "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A", "not-an-id", draft })
        {
            using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{path}/matches", key: null);
            await ListingApiTests.AssertProblem(response, HttpStatusCode.NotFound, path);
        }
    }

    /// <summary>A term no other test's listing contains: ASCII letters, so every listing with it is this test's.</summary>
    private static string Tag() => "zq" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> PublishAsync(ListingDraft draft)
    {
        var id = await platform.PublishListingAsync(draft);
        await platform.WaitForReadModelAsync(new Dictionary<string, int> { [id] = 3 });
        return id;
    }

    private async Task<List<JsonElement>> MatchesAsync(string id)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}/matches");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()];
    }

    /// <summary>Every id a search returns, following the cursor to the last page.</summary>
    private async Task<List<string>> AllIdsAsync(string query, string more = "")
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var path = $"/api/v1/listings/search?q={Uri.EscapeDataString(query)}{more}" + (cursor is null ? "" : $"&cursor={cursor}");
            using var response = await platform.SendAsync(HttpMethod.Get, path, key: null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("listing").GetProperty("id").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        return ids;
    }
}
