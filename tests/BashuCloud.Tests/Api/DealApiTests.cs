using BashuCloud.Deals;
using BashuCloud.Users;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The technology-trading workflow through real HTTP: a Chongqing enterprise's inquiry on a Sichuan achievement, the
/// buyer's contact kept from the seller until the seller takes the inquiry up, offers and counter-offers, agreement,
/// contract, 技术合同登记 in the seller's region, completion, and the listing's status following the deal.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DealApiTests(PlatformFixture platform)
{
    private readonly DealScript _script = new(platform);

    [Fact]
    public async Task A_deal_runs_from_inquiry_to_registered_contract_and_the_listing_follows()
    {
        var listing = await _script.ListingAsync();
        using var opened = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/inquiries", DealScript.Inquiry, _script.BuyerKey);
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var deal = await opened.Content.ReadFromJsonAsync<JsonElement>();
        var id = deal.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/deals/{id}", opened.Headers.Location!.OriginalString);
        Assert.StartsWith("sichuan-", id, StringComparison.Ordinal);
        Assert.Equal("Inquiry", deal.GetProperty("stage").GetString());
        Assert.Equal("chongqing", deal.GetProperty("buyerRegion").GetString());

        // The inquiry reaches the seller without the buyer's contact; the buyer sees their own.
        var seen = await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, _script.SellerKey);
        Assert.True(ContactHidden(seen));
        Assert.Contains("转让条件", seen.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("王经理 138 0000 0000", (await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, _script.BuyerKey)).GetProperty("buyerContact").GetString());
        Assert.Equal("Published", await ListingStatusAsync(listing));

        var engaged = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/engage", null, _script.SellerKey);
        Assert.Equal("王经理 138 0000 0000", engaged.GetProperty("buyerContact").GetString());
        Assert.Equal("Negotiating", await ListingStatusAsync(listing));

        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/offers", new { amountCny = 500_000m, dealType = "ExclusiveLicence" }, _script.BuyerKey);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/offers", DealScript.SellerOffer, _script.SellerKey);
        // Only the other party's latest offer can be accepted.
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/accept", new { offer = 1 }, _script.SellerKey, HttpStatusCode.Conflict);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/accept", new { offer = 2 }, _script.SellerKey, HttpStatusCode.Forbidden);
        var agreed = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/accept", new { offer = 2 }, _script.BuyerKey);
        Assert.Equal("Agreed", agreed.GetProperty("stage").GetString());
        Assert.Equal(2, agreed.GetProperty("agreedOffer").GetInt32());

        var contracted = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/contract", DealScript.Contract, _script.SellerKey);
        Assert.Equal(800_000m, contracted.GetProperty("contract").GetProperty("amountCny").GetDecimal());

        // Registered once, in the seller's region: not by the buyer's region's administrator.
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/registration", null, platform.AdministratorKeys[Region.Chongqing], HttpStatusCode.Forbidden);
        var registered = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/registration", null, platform.AdministratorKeys[Region.Sichuan]);
        var number = registered.GetProperty("registration").GetProperty("number").GetString()!;
        Assert.Matches(@"^51-20\d\d-[0-9A-Z]{26}$", number);
        var twice = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/registration", null, PlatformProcesses.AdminKey, HttpStatusCode.Conflict);
        Assert.Contains(number, twice.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var completed = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/complete", null, _script.SellerKey);
        Assert.Equal("Completed", completed.GetProperty("stage").GetString());
        Assert.Equal(8, completed.GetProperty("version").GetInt32());
        Assert.Equal("Traded", await ListingStatusAsync(listing));
        // Every step is in the deal's audit trail, one entry per version, with who took it; nothing can rewrite it.
        var history = (await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}/history", null, _script.BuyerKey)).GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["deal.opened", "deal.engaged", "deal.offered", "deal.offered", "deal.agreed", "deal.contracted", "deal.registered", "deal.completed"],
            history.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(Enumerable.Range(1, 8), history.Select(e => e.GetProperty("versionAfter").GetInt32()));
        Assert.Equal(number, history[6].GetProperty("detail").GetString());
        Assert.Equal("Administrator", history[6].GetProperty("actorRole").GetString());
        using (var rewrite = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/deals/{id}/history", key: PlatformProcesses.AdminKey))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, rewrite.StatusCode);
        }
        var listingHistory = (await _script.SendAsync(HttpMethod.Get, $"/api/v1/listings/{listing}/history", null, _script.SellerKey)).GetProperty("entries");
        Assert.Contains(listingHistory.EnumerateArray(), e => e.GetProperty("action").GetString() == "listing.deal-followed"
            && e.GetProperty("detail").GetString()!.EndsWith("Traded", StringComparison.Ordinal));
        // A traded listing takes no new inquiry.
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/inquiries", DealScript.Inquiry, _script.BuyerKey, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Only_the_parties_their_broker_and_the_regions_administrators_see_a_deal()
    {
        var broker = await platform.RegisterAsync("技术经纪人", UserRole.Broker, Region.Chongqing);
        var stranger = await platform.RegisterAsync("另一位研究员", UserRole.Researcher, Region.Sichuan);
        var listing = await _script.ListingAsync();
        var id = (await _script.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/inquiries",
            new { message = "经介绍询价", contact = "zhang@example.cn", brokerId = broker.Id }, _script.BuyerKey, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        var asBroker = await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, broker.Key);
        Assert.Equal(broker.Id, asBroker.GetProperty("brokerId").GetString());
        Assert.True(ContactHidden(asBroker));
        foreach (var admin in new[] { platform.AdministratorKeys[Region.Sichuan], platform.AdministratorKeys[Region.Chongqing], PlatformProcesses.AdminKey })
        {
            await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, admin);
        }
        var partner = (await platform.IssueKeyAsync("kczg", ["listings:read", "listings:write"])).Key;
        foreach (var outsider in new[] { stranger.Key, partner })
        {
            await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, outsider, HttpStatusCode.NotFound);
            await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/engage", null, outsider, HttpStatusCode.NotFound);
        }
        // A broker who is not a registered broker, and a broker who is the buyer, are refused.
        var notBroker = await _script.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/inquiries",
            new { message = "询价", contact = "x", brokerId = stranger.Id }, _script.BuyerKey, HttpStatusCode.UnprocessableEntity);
        Assert.True(notBroker.GetProperty("errors").TryGetProperty("brokerId", out _));
    }

    [Fact]
    public async Task Bad_steps_are_refused_with_a_reason_and_change_nothing()
    {
        var listing = await _script.ListingAsync();
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/inquiries", DealScript.Inquiry, _script.SellerKey, HttpStatusCode.Forbidden);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/inquiries", DealScript.Inquiry, platform.AdministratorKeys[Region.Sichuan], HttpStatusCode.Forbidden);
        var empty = await _script.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/inquiries", new { message = " ", contact = "" }, _script.BuyerKey, HttpStatusCode.UnprocessableEntity);
        Assert.True(empty.GetProperty("errors").TryGetProperty("message", out _));
        Assert.True(empty.GetProperty("errors").TryGetProperty("contact", out _));
        var (draft, _) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan));
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/listings/{draft}/inquiries", DealScript.Inquiry, _script.BuyerKey, HttpStatusCode.NotFound);
        await _script.SendAsync(HttpMethod.Post, "/api/v1/listings/not-an-id/inquiries", DealScript.Inquiry, _script.BuyerKey, HttpStatusCode.NotFound);

        var id = await _script.AtAsync(DealStage.Negotiating, listing);
        var before = await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, _script.BuyerKey);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/contract", DealScript.Contract, _script.SellerKey, HttpStatusCode.Conflict);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/accept", new { offer = 1 }, _script.BuyerKey, HttpStatusCode.Conflict);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/offers", new { amountCny = -5m, dealType = "Transfer" }, _script.BuyerKey, HttpStatusCode.UnprocessableEntity);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/offers", new { amountCny = 5m }, _script.BuyerKey, HttpStatusCode.UnprocessableEntity);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/offers", "{\"amountCny\": 5, \"dealType\": \"Barter\"}", _script.BuyerKey, HttpStatusCode.BadRequest);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/decline", new { reason = "Other" }, _script.BuyerKey, HttpStatusCode.UnprocessableEntity);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/decline", new { text = "无原因" }, _script.BuyerKey, HttpStatusCode.UnprocessableEntity);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/registration", null, platform.AdministratorKeys[Region.Sichuan], HttpStatusCode.Conflict);
        using (var stale = await platform.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/offers", DealScript.SellerOffer, _script.SellerKey, "\"1\""))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
            Assert.Equal("application/problem+json", stale.Content.Headers.ContentType!.MediaType);
        }
        var after = await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, _script.BuyerKey);
        Assert.Equal(before.ToString(), after.ToString());

        // An offer on a listing withdrawn meanwhile: 409, and the deal is as it was.
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/withdraw", new { reason = "不再转让" }, _script.SellerKey);
        var refused = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/offers", DealScript.SellerOffer, _script.SellerKey, HttpStatusCode.Conflict);
        Assert.Contains("Withdrawn", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before.ToString(), (await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, _script.BuyerKey)).ToString());

        var declined = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/decline", new { reason = "IpUnclear", text = "权属待确认" }, _script.BuyerKey);
        Assert.Equal("IpUnclear", declined.GetProperty("decline").GetProperty("reason").GetString());
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/cancel", null, _script.BuyerKey, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task The_listing_is_negotiating_while_any_of_its_deals_is_under_way()
    {
        var listing = await _script.ListingAsync();
        var first = await _script.AtAsync(DealStage.Negotiating, listing);
        var second = await _script.AtAsync(DealStage.Negotiating, listing);
        Assert.Equal("Negotiating", await ListingStatusAsync(listing));
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{first}/cancel", new { note = "另有安排" }, _script.BuyerKey);
        Assert.Equal("Negotiating", await ListingStatusAsync(listing));
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{second}/decline", new { reason = "Price" }, _script.SellerKey);
        Assert.Equal("Published", await ListingStatusAsync(listing));
    }

    [Fact]
    public async Task A_party_asks_a_legal_service_provider_to_review_the_contract_and_the_opinion_is_tracked_on_the_deal()
    {
        var lawyer = await platform.RegisterAsync("川渝知识产权律师事务所", UserRole.ServiceProvider, Region.Sichuan);
        var id = await _script.AtAsync(DealStage.Agreed);
        // Not before there is something to review, and only a registered legal service provider who is not a party.
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{await _script.AtAsync(DealStage.Negotiating)}/legal-review", new { reviewerId = lawyer.Id }, _script.BuyerKey, HttpStatusCode.Conflict);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/legal-review", new { reviewerId = platform.Researchers[Region.Sichuan].Id }, _script.BuyerKey, HttpStatusCode.UnprocessableEntity);
        await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, lawyer.Key, HttpStatusCode.NotFound);

        var requested = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/legal-review", new { reviewerId = lawyer.Id }, _script.BuyerKey);
        Assert.Equal("Buyer", requested.GetProperty("legalReview").GetProperty("requestedBy").GetString());
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/legal-review", new { reviewerId = lawyer.Id }, _script.SellerKey, HttpStatusCode.Conflict);
        // The reviewer now sees the deal; nobody else may give the opinion, and changes need notes.
        await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, lawyer.Key);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/legal-review/opinion", new { opinion = "NoObjection" }, _script.SellerKey, HttpStatusCode.Forbidden);
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/legal-review/opinion", new { opinion = "ChangesRequested" }, lawyer.Key, HttpStatusCode.UnprocessableEntity);
        var reviewed = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/legal-review/opinion",
            new { opinion = "ChangesRequested", notes = "第三条应明确专利权属及维持费用的承担方。" }, lawyer.Key);
        var review = reviewed.GetProperty("legalReview");
        Assert.Equal("ChangesRequested", review.GetProperty("opinion").GetString());
        Assert.True(review.TryGetProperty("givenAt", out _));
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/legal-review/opinion", new { opinion = "NoObjection" }, lawyer.Key, HttpStatusCode.Conflict);

        // The contract, revised, can be reviewed again.
        await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/contract", DealScript.Contract, _script.SellerKey);
        var again = await _script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/legal-review", new { reviewerId = lawyer.Id }, _script.SellerKey);
        Assert.False(again.GetProperty("legalReview").TryGetProperty("opinion", out _));
        var actions = (await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}/history", null, _script.SellerKey)).GetProperty("entries").EnumerateArray()
            .Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(2, actions.Count(a => a == "deal.legal-review-requested"));
        Assert.Single(actions, a => a == "deal.legal-opinion");
    }

    /// <summary>
    /// The buyer accepts the seller's offer at the very moment the seller replaces it with counter-offers, many times
    /// at once, round after round: exactly one side wins each round. Either one acceptance (and no counter-offer after
    /// it), or the counter-offers (and no acceptance of the offer they replaced); every other attempt is a 409.
    /// </summary>
    [Fact]
    public async Task Of_an_acceptance_and_a_counter_offer_at_the_same_moment_exactly_one_wins()
    {
        for (var round = 0; round < 5; round++)
        {
            var id = await _script.AtAsync(DealStage.Negotiating, offered: true);
            var attempts = Enumerable.Range(0, 16).Select(async i =>
            {
                using var response = i % 2 == 0
                    ? await platform.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/accept", new { offer = 1 }, _script.BuyerKey)
                    : await platform.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/offers", new { amountCny = 900_000m + i, dealType = "Transfer" }, _script.SellerKey);
                return (Accept: i % 2 == 0, response.StatusCode);
            });
            var results = await Task.WhenAll(attempts);
            Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{r}"));
            var accepted = results.Count(r => r.Accept && r.StatusCode == HttpStatusCode.OK);
            var countered = results.Count(r => !r.Accept && r.StatusCode == HttpStatusCode.OK);
            var deal = await _script.SendAsync(HttpMethod.Get, $"/api/v1/deals/{id}", null, _script.BuyerKey);
            if (accepted == 1)
            {
                Assert.Equal(0, countered);
                Assert.Equal("Agreed", deal.GetProperty("stage").GetString());
                Assert.Equal(1, deal.GetProperty("agreedOffer").GetInt32());
            }
            else
            {
                Assert.Equal(0, accepted);
                Assert.True(countered > 0);
                Assert.Equal("Negotiating", deal.GetProperty("stage").GetString());
            }
            Assert.Equal(1 + countered, deal.GetProperty("offers").GetArrayLength());
        }
    }

    /// <summary>The buyer's contact is not in the answer (absent or null).</summary>
    private static bool ContactHidden(JsonElement deal) =>
        !deal.TryGetProperty("buyerContact", out var contact) || contact.ValueKind == JsonValueKind.Null;

    private async Task<string> ListingStatusAsync(string id) =>
        (await _script.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", null, _script.SellerKey)).GetProperty("status").GetString()!;
}
