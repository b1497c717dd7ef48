using BashuCloud.Listings;

namespace BashuCloud.Tests.Unit;

public class ListingRulesTests
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(Samples.Now.UtcDateTime);

    private static IReadOnlyDictionary<string, string[]> Errors(ListingDraft draft) => ListingRules.Validate(draft, Today);

    [Fact]
    public void A_complete_draft_is_valid() => Assert.Empty(Errors(Samples.Draft()));

    [Fact]
    public void Every_required_field_is_named_when_missing()
    {
        var empty = new ListingDraft(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        Assert.Equal(
            ["kind", "region", "platformId", "title", "summary", "city", "field", "trl", "dealTypes", "priceModel", "owners"],
            Errors(empty).Keys.ToArray());
    }

    [Fact]
    public void A_title_over_the_limit_is_refused()
    {
        Assert.Empty(Errors(Samples.Draft() with { Title = new string('锂', ListingRules.TitleMax) }));
        Assert.Contains("title", Errors(Samples.Draft() with { Title = new string('锂', ListingRules.TitleMax + 1) }).Keys);
    }

    [Theory]
    [InlineData("   ")]
    [InlineData("")]
    public void A_blank_title_is_refused(string title) => Assert.Contains("title", Errors(Samples.Draft() with { Title = title }).Keys);

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void Maturity_is_a_trl_from_1_to_9(int trl) => Assert.Contains("trl", Errors(Samples.Draft() with { Trl = trl }).Keys);

    [Fact]
    public void Owner_shares_must_sum_to_100()
    {
        var draft = Samples.Draft() with { Owners = [new Owner("四川大学", 60m), new Owner("电子科技大学", 30m)] };
        Assert.Contains("owners", Errors(draft).Keys);
    }

    [Fact]
    public void A_patent_needs_an_ipc_class() =>
        Assert.Contains("ipcClass", Errors(Samples.Draft(kind: ListingKind.Patent) with { IpcClass = null }).Keys);

    [Theory]
    [InlineData("industryCode", "3841")]
    [InlineData("ipcClass", "锂电池")]
    [InlineData("patentNumber", "ZL-abc")]
    public void Codes_must_have_their_standard_shape(string field, string value)
    {
        var draft = field switch
        {
            "industryCode" => Samples.Draft() with { IndustryCode = value },
            "ipcClass" => Samples.Draft() with { IpcClass = value },
            _ => Samples.Draft() with { PatentNumber = value },
        };
        Assert.Contains(field, Errors(draft).Keys);
    }

    [Fact]
    public void A_fixed_price_needs_an_amount_and_a_free_listing_has_none()
    {
        Assert.Contains("priceAmountCny", Errors(Samples.Draft() with { PriceAmountCny = null }).Keys);
        Assert.Contains("priceAmountCny", Errors(Samples.Draft() with { PriceModel = PriceModel.Free }).Keys);
        Assert.Empty(Errors(Samples.Draft() with { PriceModel = PriceModel.Negotiable, PriceAmountCny = null }));
    }

    [Fact]
    public void Deal_types_are_not_repeated() =>
        Assert.Contains("dealTypes", Errors(Samples.Draft() with { DealTypes = [DealType.Transfer, DealType.Transfer] }).Keys);

    [Fact]
    public void The_expiry_date_is_in_the_future() =>
        Assert.Contains("expiresOn", Errors(Samples.Draft() with { ExpiresOn = Today }).Keys);

    [Fact]
    public void Keywords_are_few_and_short()
    {
        Assert.Contains("keywords", Errors(Samples.Draft() with { Keywords = [.. Enumerable.Range(0, 11).Select(i => $"词{i}")] }).Keys);
        Assert.Contains("keywords", Errors(Samples.Draft() with { Keywords = [new string('词', ListingRules.KeywordMax + 1)] }).Keys);
    }
}
