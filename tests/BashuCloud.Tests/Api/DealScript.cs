using BashuCloud.Deals;

namespace BashuCloud.Tests.Api;

/// <summary>
/// Walks a deal to a stage through the API, as its users would: a researcher's published listing in the seller's
/// region (Sichuan unless told), the other region's researcher inquiring (the buyer), the seller's offer accepted, the
/// contract recorded, and the seller's region's administrator registering it.
/// </summary>
public sealed class DealScript(PlatformFixture platform, Region seller = Region.Sichuan)
{
    private Region Buyer => seller is Region.Sichuan ? Region.Chongqing : Region.Sichuan;

    public string SellerKey => platform.Researchers[seller].Key;

    public string BuyerKey => platform.Researchers[Buyer].Key;

    public static readonly object Inquiry = new { message = "我们希望了解该成果的转让条件。", contact = "王经理 138 0000 0000" };

    public static readonly object SellerOffer = new { amountCny = 800_000m, dealType = "Transfer", note = "含技术培训" };

    public static object Contract => new { amountCny = 800_000m, terms = "转让专利及配套技术资料，提供三个月技术指导。", signedOn = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd") };

    public Task<string> ListingAsync() => platform.PublishListingAsync(Samples.Draft(seller));

    /// <summary>A deal at <paramref name="stage"/>; with <paramref name="offered"/> a negotiating deal has the seller's offer #1.</summary>
    public async Task<string> AtAsync(DealStage stage, string? listingId = null, bool offered = false)
    {
        listingId ??= await ListingAsync();
        var id = (await SendAsync(HttpMethod.Post, $"/api/v1/listings/{listingId}/inquiries", Inquiry, BuyerKey, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        if (stage is DealStage.Inquiry) return id;
        await SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/engage", null, SellerKey);
        if (stage is DealStage.Negotiating && !offered) return id;
        await SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/offers", SellerOffer, SellerKey);
        if (stage is DealStage.Negotiating) return id;
        await SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/accept", new { offer = 1 }, BuyerKey);
        if (stage is DealStage.Agreed) return id;
        await SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/contract", Contract, SellerKey);
        if (stage is DealStage.Contracted) return id;
        await SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/registration", null, platform.AdministratorKeys[seller]);
        if (stage is DealStage.Registered) return id;
        throw new ArgumentOutOfRangeException(nameof(stage), stage, "a script stops before completion");
    }

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, string key, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await platform.SendAsync(method, path, body, key);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
