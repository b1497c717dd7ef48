using BashuCloud.Regions;

namespace BashuCloud.Listings;

/// <summary>An owner of a listing's rights and their share in percent.</summary>
[GenerateSerializer, Immutable, Alias("bashu.Owner")]
public sealed record Owner(
    [property: Id(0)] string? Name,
    [property: Id(1)] decimal? Share);

/// <summary>
/// What a lister writes: everything about a listing that is not lifecycle. Fields are nullable because this is
/// also the request body as received; <see cref="ListingRules.Validate"/> says what must be present.
/// Kind, region and platform are fixed at creation: an update may repeat them but not change them.
/// </summary>
[GenerateSerializer, Immutable, Alias("bashu.ListingDraft")]
public sealed record ListingDraft(
    [property: Id(0)] ListingKind? Kind,
    [property: Id(1)] Region? Region,
    [property: Id(2)] string? PlatformId,
    [property: Id(3)] string? Title,
    [property: Id(4)] string? TitleEn,
    [property: Id(5)] string? Summary,
    [property: Id(6)] string? SummaryEn,
    [property: Id(7)] TechnologyField? Field,
    [property: Id(8)] string? IndustryCode,
    [property: Id(9)] string? IpcClass,
    [property: Id(10)] string? PatentNumber,
    [property: Id(11)] int? Trl,
    [property: Id(12)] IReadOnlyList<DealType>? DealTypes,
    [property: Id(13)] PriceModel? PriceModel,
    [property: Id(14)] decimal? PriceAmountCny,
    [property: Id(15)] IReadOnlyList<Owner>? Owners,
    [property: Id(16)] string? City,
    [property: Id(17)] IReadOnlyList<string>? Keywords,
    [property: Id(18)] DateOnly? ExpiresOn);
