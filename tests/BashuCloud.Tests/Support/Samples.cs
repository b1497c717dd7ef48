using BashuCloud.Listings;
using BashuCloud.Users;

namespace BashuCloud.Tests.Support;

/// <summary>Valid examples that a test changes in the one way it is about.</summary>
public static class Samples
{
    public static readonly DateTimeOffset Now = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

    public static ListingDraft Draft(Region region = Region.Sichuan, ListingKind kind = ListingKind.Achievement) => new(
        Kind: kind,
        Region: region,
        PlatformId: region.Code(),
        Title: "地铁隧道智能巡检机器人",
        TitleEn: "Intelligent inspection robot for metro tunnels",
        Summary: "面向城市地铁隧道的自动巡检机器人，可识别渗漏水和裂缝，已在成都地铁示范应用。",
        SummaryEn: null,
        Field: TechnologyField.RailTransit,
        IndustryCode: "C3720",
        IpcClass: kind == ListingKind.Patent ? "B61L 27/00" : null,
        PatentNumber: kind == ListingKind.Patent ? "ZL202010123456.7" : null,
        Trl: 7,
        DealTypes: [DealType.Transfer, DealType.NonExclusiveLicence],
        PriceModel: PriceModel.Fixed,
        PriceAmountCny: 1_200_000m,
        Owners: [new Owner("西南交通大学", 70m), new Owner("成都天府新材料有限公司", 30m)],
        City: "成都",
        Keywords: ["地铁", "巡检", "机器人"],
        ExpiresOn: new DateOnly(2028, 6, 30));

    public static Actor Owner(Region region = Region.Sichuan) => new($"{region.Code()}-owner", UserRole.Researcher, region);

    public static Actor Stranger(Region region = Region.Sichuan) => new($"{region.Code()}-stranger", UserRole.Enterprise, region);

    public static Actor Administrator(Region region) => new($"{region.Code()}-admin", UserRole.Administrator, region);

    public static readonly Actor JointAdministrator = new("admin", UserRole.Administrator, null);
}
