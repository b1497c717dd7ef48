namespace BashuCloud.Listings;

/// <summary>A listing as the platform shows it: the draft plus lifecycle.</summary>
[GenerateSerializer, Immutable, Alias("bashu.ListingView")]
public sealed record ListingView(
    [property: Id(0)] string Id,
    [property: Id(1)] ListingStatus Status,
    [property: Id(2)] int Version,
    [property: Id(3)] string OwnerId,
    [property: Id(4)] ListingDraft Content,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] DateTimeOffset? PublishedAt,
    [property: Id(8)] string? ReviewNote,
    [property: Id(9)] IReadOnlyList<string>? PossibleDuplicates = null);

/// <summary>A new listing: the draft and who owns it.</summary>
[GenerateSerializer, Immutable, Alias("bashu.ListingCreation")]
public sealed record ListingCreation(
    [property: Id(0)] ListingDraft Draft,
    [property: Id(1)] string OwnerId);
