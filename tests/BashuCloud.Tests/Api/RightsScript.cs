using BashuCloud.Listings;

namespace BashuCloud.Tests.Api;

/// <summary>The Sichuan researcher's patent listing with a rights claim submitted by its owner, as the API tests need it.</summary>
public sealed class RightsScript(PlatformFixture platform)
{
    public static readonly object Claim = new
    {
        owners = new[] { new { name = "西南交通大学", share = 60m }, new { name = "成都天府新材料有限公司", share = 40m } },
        evidence = new { patentNumber = "ZL202010123456.7", documents = new[] { "专利证书扫描件 2020-123456" } },
    };

    public static object Valuation => new
    {
        method = "Income",
        lowCny = 900_000m,
        highCny = 1_300_000m,
        valuedOn = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd"),
        validUntil = DateOnly.FromDateTime(DateTime.UtcNow.AddYears(1)).ToString("yyyy-MM-dd"),
        note = "收益法，折现率 12%",
    };

    /// <summary>A Sichuan patent listing, published or left a draft.</summary>
    public async Task<string> PatentAsync(bool published = true)
    {
        var draft = Samples.Draft(Region.Sichuan, ListingKind.Patent);
        return published ? await platform.PublishListingAsync(draft) : (await platform.CreateListingAsync(draft)).Id;
    }

    /// <summary>A patent listing whose owner submitted <see cref="Claim"/>.</summary>
    public async Task<string> ClaimedAsync(bool published = true)
    {
        var id = await PatentAsync(published);
        using var submitted = await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}/rights", Claim, platform.Researchers[Region.Sichuan].Key);
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        return id;
    }
}
