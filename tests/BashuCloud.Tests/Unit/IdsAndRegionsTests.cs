namespace BashuCloud.Tests.Unit;

public class IdsAndRegionsTests
{
    [Theory]
    [InlineData(Region.Sichuan)]
    [InlineData(Region.Chongqing)]
    public void A_new_id_is_url_safe_and_carries_its_region(Region region)
    {
        var id = BashuId.New(region);
        Assert.True(BashuId.IsValid(id));
        Assert.Equal(region, BashuId.RegionOf(id));
        Assert.Equal(Uri.EscapeDataString(id), id);
        Assert.StartsWith($"{region.Code()}-", id);
    }

    [Fact]
    public void Ids_sort_by_creation_time()
    {
        var earlier = BashuId.New(Region.Sichuan, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var later = BashuId.New(Region.Sichuan, new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero));
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }

    [Fact]
    public void Seed_ids_are_stable_and_distinct()
    {
        Assert.Equal(BashuId.FromSeed(Region.Chongqing, "l-cq-ach-001"), BashuId.FromSeed(Region.Chongqing, "l-cq-ach-001"));
        Assert.NotEqual(BashuId.FromSeed(Region.Chongqing, "l-cq-ach-001"), BashuId.FromSeed(Region.Chongqing, "l-cq-ach-002"));
        Assert.True(BashuId.IsValid(BashuId.FromSeed(Region.Sichuan, "u-sc-001")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("020235")]
    [InlineData("beijing-01JD5Z8Q8X4M6W2T3R9K7B1C0A")]
    [InlineData("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0")]
    [InlineData("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0I")]
    [InlineData("sichuan-01jd5z8q8x4m6w2t3r9k7b1c0a")]
    public void Anything_else_is_not_an_id(string? text) => Assert.False(BashuId.IsValid(text));

    [Theory]
    [InlineData("sichuan", Region.Sichuan)]
    [InlineData("chongqing-01JD5Z8Q8X4M6W2T3R9K7B1C0A", Region.Chongqing)]
    [InlineData("sichuan/kczg", Region.Sichuan)]
    [InlineData("kczg", null)]
    [InlineData("sichuanese", null)]
    public void A_key_names_its_home_region(string key, Region? expected) => Assert.Equal(expected, Regions.Regions.OfKey(key));
}
