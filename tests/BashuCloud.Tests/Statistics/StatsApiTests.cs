using System.Text;
using BashuCloud.Deals;
using BashuCloud.Listings;
using BashuCloud.Users;
using BashuCloud.Tests.Api;

namespace BashuCloud.Tests.Statistics;

/// <summary>
/// The joint statistics over HTTP against the database's ground truth: random listings of both regions, every
/// kind and several fields, walked through random lifecycles (submitted, approved, rejected, edited back to review,
/// withdrawn) through the real API, then the figures equal a GROUP BY over the grains' stored state.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class StatsApiTests(PlatformFixture platform)
{
    private static readonly string[] CellKey = ["region", "kind", "status", "field"];

    private static readonly TechnologyField[] Fields = [TechnologyField.NewEnergy, TechnologyField.Biomedicine, TechnologyField.RailTransit, TechnologyField.ArtificialIntelligence];

    [Fact]
    public async Task Joint_statistics_equal_the_ground_truth_on_random_listings_and_lifecycles()
    {
        var random = new Random(184);
        var versions = new Dictionary<string, int>();
        for (var i = 0; i < 48; i++)
        {
            var region = random.Next(2) == 0 ? Region.Sichuan : Region.Chongqing;
            var draft = Samples.Draft(region, Enum.GetValues<ListingKind>()[random.Next(6)]) with { Field = Fields[random.Next(Fields.Length)] };
            var (id, etag) = await platform.CreateListingAsync(draft);
            versions[id] = Version(etag);
            foreach (var step in Lifecycle(random))
            {
                var key = step is "approve" or "reject" ? platform.AdministratorKeys[region] : platform.Researchers[region].Key;
                using var response = step == "edit"
                    ? await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}", draft with { Title = "改写后重新审核" }, key, $"\"{versions[id]}\"")
                    : await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/{step}", step == "reject" ? new { reason = "材料不全" } : null, key);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                versions[id] = Version(response.Headers.ETag!.Tag);
            }
        }
        await platform.WaitForReadModelAsync(versions);
        var statistics = await CaughtUpJointAsync("");

        var truth = await GroundTruthAsync("""
            SELECT payload->'content'->>'region', payload->'content'->>'kind', payload->>'status', payload->'content'->>'field', count(*)
              FROM grain_state WHERE state_name = 'listing' AND payload IS NOT NULL GROUP BY 1, 2, 3, 4
            """);
        var cells = statistics.GetProperty("listings").GetProperty("cells").EnumerateArray()
            .ToDictionary(c => string.Join('|', CellKey.Select(p => c.GetProperty(p).GetString())), c => c.GetProperty("count").GetInt64());
        Assert.Equal(truth.OrderBy(t => t.Key, StringComparer.Ordinal), cells.OrderBy(c => c.Key, StringComparer.Ordinal));
        Assert.Contains(truth.Keys, k => k.Contains("|Withdrawn|", StringComparison.Ordinal));
        Assert.Contains(truth.Keys, k => k.Contains("|InReview|", StringComparison.Ordinal));
        Assert.Equal(truth.Values.Sum(), statistics.GetProperty("listings").GetProperty("total").GetInt64());

        var months = await GroundTruthAsync("""
            SELECT to_char(bashu_listing_month((payload->>'createdAt')::timestamptz), 'YYYY-MM'), payload->'content'->>'region', payload->'content'->>'kind', count(*)
              FROM grain_state WHERE state_name = 'listing' AND payload IS NOT NULL GROUP BY 1, 2, 3
            """);
        Assert.Equal(months.OrderBy(m => m.Key, StringComparer.Ordinal), statistics.GetProperty("listings").GetProperty("newPerMonth").EnumerateArray()
            .ToDictionary(m => $"{m.GetProperty("month").GetString()}|{m.GetProperty("region").GetString()}|{m.GetProperty("kind").GetString()}", m => m.GetProperty("count").GetInt64())
            .OrderBy(m => m.Key, StringComparer.Ordinal));

        var users = await GroundTruthAsync("SELECT payload->>'role', payload->>'region', count(*) FROM grain_state WHERE state_name = 'user' AND payload IS NOT NULL GROUP BY 1, 2");
        Assert.Equal(users.OrderBy(u => u.Key, StringComparer.Ordinal), statistics.GetProperty("users").GetProperty("cells").EnumerateArray()
            .ToDictionary(u => $"{u.GetProperty("role").GetString()}|{u.GetProperty("region").GetString()}", u => u.GetProperty("count").GetInt64())
            .OrderBy(u => u.Key, StringComparer.Ordinal));

        // A filter narrows every figure it applies to, and the totals follow.
        var sichuan = await CaughtUpJointAsync("?region=sichuan&status=Published");
        Assert.Equal(truth.Where(t => t.Key.StartsWith("sichuan|", StringComparison.Ordinal) && t.Key.Contains("|Published|", StringComparison.Ordinal)).Sum(t => t.Value),
            sichuan.GetProperty("listings").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Every_figure_carries_its_as_of_time_and_the_read_model_reports_its_lag()
    {
        var before = DateTimeOffset.UtcNow;
        var id = await platform.PublishListingAsync(Samples.Draft(Region.Chongqing));
        await platform.WaitForReadModelAsync(new Dictionary<string, int> { [id] = 3 });
        var statistics = await CaughtUpJointAsync("");
        foreach (var section in new[] { "listings", "users", "academic", "deals" })
        {
            Assert.True(statistics.GetProperty(section).GetProperty("asOf").GetDateTimeOffset() >= before.AddSeconds(-1), section);
        }

        using var readModel = await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/read-model");
        var status = await readModel.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(status.GetProperty("recent").GetProperty("changes").GetInt64() > 0);
        Assert.True(status.GetProperty("recent").GetProperty("p99Ms").GetInt32() < 10_000);

        using var ready = await platform.SendAsync(HttpMethod.Get, "/health/ready", key: null);
        var data = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("readModel");
        Assert.Equal("Healthy", data.GetProperty("status").GetString());
        Assert.True(data.GetProperty("data").TryGetProperty("currentLagMs", out _));
    }

    [Fact]
    public async Task The_csv_export_has_a_header_a_byte_order_mark_and_the_same_figures()
    {
        var statistics = await CaughtUpJointAsync("");
        using var response = await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/joint.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("指标 (figure),地区 (region),类型 (kind)", lines[0], StringComparison.Ordinal);
        var listings = lines.Where(l => l.StartsWith("listings,", StringComparison.Ordinal)).Sum(l => long.Parse(l.Split(',')[10], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(statistics.GetProperty("listings").GetProperty("total").GetInt64(), listings);
        Assert.Contains(lines, l => l.StartsWith("academic_announced,,,,,,,2020,Paper,,184,,", StringComparison.Ordinal));
    }

    /// <summary>
    /// Deals of both directions at every stage, through the API; then the deal figures equal the ground truth over the
    /// deal grains' stored state: stages, registered contracts flowing between the provinces (each counted once, with
    /// its amount), turnover and brokers' credit; the CSV carries the same flows.
    /// </summary>
    [Fact]
    public async Task Deal_figures_equal_the_ground_truth_and_each_contract_is_counted_once()
    {
        var fromSichuan = new DealScript(platform);
        var fromChongqing = new DealScript(platform, Region.Chongqing);
        await fromSichuan.AtAsync(DealStage.Registered);
        var completed = await fromSichuan.AtAsync(DealStage.Registered);
        await fromSichuan.SendAsync(HttpMethod.Post, $"/api/v1/deals/{completed}/complete", null, fromSichuan.SellerKey);
        await fromChongqing.AtAsync(DealStage.Registered);
        await fromChongqing.AtAsync(DealStage.Contracted);
        await fromChongqing.AtAsync(DealStage.Inquiry);
        var broker = await platform.RegisterAsync("川渝技术经纪人", UserRole.Broker, Region.Chongqing);
        var brokered = (await fromChongqing.SendAsync(HttpMethod.Post, $"/api/v1/listings/{await fromChongqing.ListingAsync()}/inquiries",
            new { message = "经纪人介绍", contact = "li@example.cn", brokerId = broker.Id }, fromChongqing.BuyerKey, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        foreach (var (step, body, key) in new (string, object?, string)[]
        {
            ("engage", null, fromChongqing.SellerKey), ("offers", DealScript.SellerOffer, fromChongqing.SellerKey), ("accept", new { offer = 1 }, fromChongqing.BuyerKey),
            ("contract", DealScript.Contract, fromChongqing.SellerKey), ("registration", null, platform.AdministratorKeys[Region.Chongqing]), ("complete", null, fromChongqing.SellerKey),
        })
        {
            await fromChongqing.SendAsync(HttpMethod.Post, $"/api/v1/deals/{brokered}/{step}", body, key);
        }

        var deals = (await CaughtUpJointAsync("")).GetProperty("deals");
        var stages = await GroundTruthAsync("SELECT payload->>'stage', payload->>'sellerRegion', count(*) FROM grain_state WHERE state_name = 'deal' AND payload IS NOT NULL GROUP BY 1, 2");
        Assert.Equal(stages.OrderBy(s => s.Key, StringComparer.Ordinal), deals.GetProperty("stages").EnumerateArray()
            .ToDictionary(d => $"{d.GetProperty("stage").GetString()}|{d.GetProperty("sellerRegion").GetString()}", d => d.GetProperty("count").GetInt64())
            .OrderBy(d => d.Key, StringComparer.Ordinal));
        Assert.Equal(stages.Values.Sum(), deals.GetProperty("total").GetInt64());

        var flows = new Dictionary<string, (long Contracts, decimal Amount)>();
        await using (var command = platform.Database.DataSource.CreateCommand("""
            SELECT payload->>'sellerRegion', payload->>'buyerRegion', count(*), sum((payload->'contract'->>'amountCny')::numeric)
              FROM grain_state WHERE state_name = 'deal' AND payload ? 'registration' AND payload->'registration' <> 'null'::jsonb GROUP BY 1, 2
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) flows[$"{reader.GetString(0)}→{reader.GetString(1)}"] = (reader.GetInt64(2), reader.GetDecimal(3));
        }
        Assert.True(flows.ContainsKey("sichuan→chongqing") && flows.ContainsKey("chongqing→sichuan"));
        Assert.Equal(flows.OrderBy(f => f.Key, StringComparer.Ordinal), deals.GetProperty("flows").EnumerateArray()
            .ToDictionary(f => $"{f.GetProperty("from").GetString()}→{f.GetProperty("to").GetString()}", f => (f.GetProperty("contracts").GetInt64(), f.GetProperty("amountCny").GetDecimal()))
            .OrderBy(f => f.Key, StringComparer.Ordinal));
        Assert.Equal(flows.Where(f => f.Key.StartsWith("sichuan→", StringComparison.Ordinal)).Sum(f => f.Value.Amount), deals.GetProperty("turnoverCny").GetProperty("sichuan").GetDecimal());

        // 3% of the brokered contract, fixed when it completed.
        var credit = deals.GetProperty("brokers").EnumerateArray().Single(b => b.GetProperty("region").GetString() == "chongqing");
        var brokeredTruth = await platform.Database.ScalarAsync<decimal>(
            "SELECT sum((payload->>'brokerCreditCny')::numeric) FROM grain_state WHERE state_name = 'deal' AND payload->>'sellerRegion' = 'chongqing' AND payload ? 'brokerCreditCny'");
        Assert.Equal(brokeredTruth, credit.GetProperty("creditCny").GetDecimal());
        Assert.True(brokeredTruth >= 24_000m);

        // A region filter keeps the flows that touch the region.
        var chongqing = (await CaughtUpJointAsync("?region=chongqing")).GetProperty("deals");
        Assert.Equal(flows.Count(f => f.Key.Contains("chongqing", StringComparison.Ordinal)), chongqing.GetProperty("flows").GetArrayLength());

        using var csv = await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/joint.csv");
        var lines = Encoding.UTF8.GetString(await csv.Content.ReadAsByteArrayAsync()).Split("\r\n");
        var (contracts, amount) = flows["sichuan→chongqing"];
        Assert.Contains(lines, l => l.StartsWith($"registered_contracts,sichuan,,,,,,,,chongqing,{contracts},{amount.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)},", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/v1/stats/joint?region=mars", "region")]
    [InlineData("/api/v1/stats/joint?kind=Spaceship", "kind")]
    [InlineData("/api/v1/stats/joint?status=published", "status")]
    [InlineData("/api/v1/stats/joint?field=1", "field")]
    [InlineData("/api/v1/stats/joint.csv?field=Alchemy", "field")]
    public async Task Unknown_filter_values_are_a_400_problem_never_a_500(string path, string field)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, path);
        await ListingApiTests.AssertProblem(response, HttpStatusCode.BadRequest, path);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    /// <summary>The joint statistics once the read model holds every change written so far.</summary>
    private async Task<JsonElement> CaughtUpJointAsync(string query)
    {
        await platform.WaitForReadModelCaughtUpAsync();
        using var response = await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/joint" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Rows of (key columns…, count) joined by '|' into a dictionary.</summary>
    private async Task<Dictionary<string, long>> GroundTruthAsync(string sql)
    {
        var truth = new Dictionary<string, long>();
        await using var command = platform.Database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            truth[string.Join('|', Enumerable.Range(0, reader.FieldCount - 1).Select(reader.GetString))] = reader.GetInt64(reader.FieldCount - 1);
        }
        return truth;
    }

    /// <summary>A random walk from Draft: each step one the listing's status allows.</summary>
    private static List<string> Lifecycle(Random random)
    {
        var steps = new List<string>();
        var status = ListingStatus.Draft;
        for (var n = random.Next(0, 6); n > 0 && status != ListingStatus.Withdrawn; n--)
        {
            (var step, status) = (status, random.Next(4)) switch
            {
                (ListingStatus.Draft, 0) => ("withdraw", ListingStatus.Withdrawn),
                (ListingStatus.Draft, _) => ("submit", ListingStatus.InReview),
                (ListingStatus.InReview, 0) => ("reject", ListingStatus.Draft),
                (ListingStatus.InReview, _) => ("approve", ListingStatus.Published),
                (_, 0) => ("withdraw", ListingStatus.Withdrawn),
                _ => ("edit", ListingStatus.InReview),
            };
            steps.Add(step);
        }
        return steps;
    }

    private static int Version(string etag) => int.Parse(etag.Trim('"'), System.Globalization.CultureInfo.InvariantCulture);
}
