using BashuCloud.Deals;
using BashuCloud.Users;

namespace BashuCloud.Tests.Api;

/// <summary>
/// Rights confirmation (确权) and valuation (评估) through real HTTP: the owner's claim, its review by an administrator
/// or a legal service provider, "confirm ownership before transfer" on a patent's deal, and valuers' valuations that
/// the deal's parties see in the deal.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class RightsApiTests(PlatformFixture platform)
{
    private readonly DealScript _deals = new(platform);
    private readonly RightsScript _rights = new(platform);

    private string OwnerKey => platform.Researchers[Region.Sichuan].Key;

    [Fact]
    public async Task Shares_that_do_not_sum_to_100_are_refused_and_change_nothing()
    {
        var id = await _rights.ClaimedAsync();
        var bad = new { owners = new[] { new { name = "西南交通大学", share = 60m }, new { name = "成都天府新材料有限公司", share = 30m } }, evidence = new { patentNumber = "ZL1" } };
        var refused = await _deals.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}/rights", bad, OwnerKey, HttpStatusCode.UnprocessableEntity);
        Assert.True(refused.GetProperty("errors").TryGetProperty("owners", out _));
        var noEvidence = await _deals.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}/rights", new { owners = new[] { new { name = "甲", share = 100m } } }, OwnerKey,
            HttpStatusCode.UnprocessableEntity);
        Assert.True(noEvidence.GetProperty("errors").TryGetProperty("evidence", out _));
        var claim = await _deals.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}/rights", null, OwnerKey);
        Assert.Equal((1, "Submitted", 60m), (claim.GetProperty("version").GetInt32(), claim.GetProperty("status").GetString(), claim.GetProperty("owners")[0].GetProperty("share").GetDecimal()));
        // No claim yet: 404.
        await _deals.SendAsync(HttpMethod.Get, $"/api/v1/listings/{await _rights.PatentAsync()}/rights", null, OwnerKey, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_administrator_or_a_legal_service_provider_confirms_and_the_owner_cannot()
    {
        var byAdmin = await _rights.ClaimedAsync();
        await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{byAdmin}/rights/confirm", null, OwnerKey, HttpStatusCode.Forbidden);
        await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{byAdmin}/rights/confirm", null, platform.AdministratorKeys[Region.Chongqing], HttpStatusCode.Forbidden);
        var confirmed = await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{byAdmin}/rights/confirm", null, platform.AdministratorKeys[Region.Sichuan]);
        Assert.Equal("Confirmed", confirmed.GetProperty("status").GetString());
        Assert.True(confirmed.TryGetProperty("decidedAt", out _));
        await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{byAdmin}/rights/confirm", null, PlatformProcesses.AdminKey, HttpStatusCode.Conflict);

        var lawyer = await platform.RegisterAsync("重庆知识产权律师事务所", UserRole.ServiceProvider, Region.Chongqing);
        var byLawyer = await _rights.ClaimedAsync();
        var confirmedByLawyer = await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{byLawyer}/rights/confirm", null, lawyer.Key);
        Assert.Equal(lawyer.Id, confirmedByLawyer.GetProperty("decidedBy").GetString());
        // Submitted anew, a confirmed claim is Submitted again; every change is in the audit trail, one entry per version.
        var again = await _deals.SendAsync(HttpMethod.Put, $"/api/v1/listings/{byLawyer}/rights", RightsScript.Claim, OwnerKey);
        Assert.Equal(("Submitted", 3), (again.GetProperty("status").GetString(), again.GetProperty("version").GetInt32()));
        Assert.Equal("rights.submitted,rights.confirmed,rights.submitted", await platform.Database.ScalarAsync<string>(
            "SELECT string_agg(action, ',' ORDER BY version_after) FROM audit_event WHERE entity = 'rights' AND entity_key = $1", byLawyer));
    }

    [Fact]
    public async Task A_rejection_says_why()
    {
        var id = await _rights.ClaimedAsync();
        await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/rights/reject", new { reason = " " }, platform.AdministratorKeys[Region.Sichuan], HttpStatusCode.UnprocessableEntity);
        var rejected = await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/rights/reject", new { reason = "份额与转让协议不符" }, platform.AdministratorKeys[Region.Sichuan]);
        Assert.Equal(("Rejected", "份额与转让协议不符"), (rejected.GetProperty("status").GetString(), rejected.GetProperty("rejectReason").GetString()));
        var seen = await _deals.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}/rights", null, platform.Researchers[Region.Chongqing].Key);
        Assert.Equal("Rejected", seen.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_patent_deal_cannot_be_agreed_before_its_rights_are_confirmed()
    {
        var listing = await _rights.ClaimedAsync();
        var deal = await _deals.AtAsync(DealStage.Negotiating, listing, offered: true);
        var refused = await _deals.SendAsync(HttpMethod.Post, $"/api/v1/deals/{deal}/accept", new { offer = 1 }, _deals.BuyerKey, HttpStatusCode.Conflict);
        Assert.Contains("确权", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/rights/confirm", null, platform.AdministratorKeys[Region.Sichuan]);
        var agreed = await _deals.SendAsync(HttpMethod.Post, $"/api/v1/deals/{deal}/accept", new { offer = 1 }, _deals.BuyerKey);
        Assert.Equal("Agreed", agreed.GetProperty("stage").GetString());
    }

    [Fact]
    public async Task Valuers_value_and_the_deals_parties_see_the_valuation_in_the_deal()
    {
        var valuer = await platform.RegisterAsync("四川天府资产评估有限公司", UserRole.Valuer, Region.Sichuan);
        var listing = await _rights.PatentAsync();
        await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/valuations", RightsScript.Valuation, OwnerKey, HttpStatusCode.Forbidden);
        var bad = await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/valuations",
            new { method = "Market", lowCny = 900_000m, highCny = 800_000m, valuedOn = "2026-01-02", validUntil = "2026-01-01" }, valuer.Key, HttpStatusCode.UnprocessableEntity);
        Assert.True(bad.GetProperty("errors").TryGetProperty("highCny", out _));
        Assert.True(bad.GetProperty("errors").TryGetProperty("validUntil", out _));
        var missing = await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/valuations", new { method = "Cost" }, valuer.Key, HttpStatusCode.UnprocessableEntity);
        Assert.True(missing.GetProperty("errors").TryGetProperty("lowCny", out _));
        var valued = await _deals.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/valuations", RightsScript.Valuation, valuer.Key, HttpStatusCode.Created);
        Assert.Equal((1, valuer.Id), (valued.GetProperty("number").GetInt32(), valued.GetProperty("valuerId").GetString()));

        foreach (var reader in new[] { OwnerKey, valuer.Key, platform.AdministratorKeys[Region.Sichuan] })
        {
            var list = await _deals.SendAsync(HttpMethod.Get, $"/api/v1/listings/{listing}/valuations", null, reader);
            Assert.Equal(1_300_000m, list.GetProperty("items")[0].GetProperty("report").GetProperty("highCny").GetDecimal());
        }
        await _deals.SendAsync(HttpMethod.Get, $"/api/v1/listings/{listing}/valuations", null, _deals.BuyerKey, HttpStatusCode.Forbidden);

        // The buyer is no reader of the listing's valuations, but as a party of a deal on it sees them in the deal.
        var deal = await _deals.AtAsync(DealStage.Inquiry, listing);
        foreach (var party in new[] { _deals.BuyerKey, _deals.SellerKey })
        {
            var seen = await _deals.SendAsync(HttpMethod.Get, $"/api/v1/deals/{deal}", null, party);
            Assert.Equal("Income", seen.GetProperty("valuations")[0].GetProperty("report").GetProperty("method").GetString());
        }
    }
}
