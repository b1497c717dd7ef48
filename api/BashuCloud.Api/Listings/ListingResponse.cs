using BashuCloud.Listings;
using BashuCloud.Regions;

namespace BashuCloud.Api.Listings;

/// <summary>A listing as the API returns it.</summary>
public sealed record ListingResponse(
    string Id, ListingKind Kind, Region Region, string PlatformId, string OwnerId, ListingStatus Status, int Version,
    string Title, string? TitleEn, string Summary, string? SummaryEn, TechnologyField Field, string? IndustryCode,
    string? IpcClass, string? PatentNumber, int Trl, IReadOnlyList<DealType> DealTypes, PriceModel PriceModel,
    decimal? PriceAmountCny, IReadOnlyList<Owner> Owners, string City, IReadOnlyList<string> Keywords,
    DateOnly? ExpiresOn, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? PublishedAt, string? ReviewNote,
    IReadOnlyList<string>? PossibleDuplicates);

/// <summary>A listing in a list: what a result page shows, from the read model.</summary>
public sealed record ListingSummary(
    string Id, string Kind, string Region, string PlatformId, string OwnerId, string Status, int Version,
    string Title, string? TitleEn, string Summary, string Field, string? IndustryCode, int Trl, string PriceModel,
    decimal? PriceAmountCny, string? City, IReadOnlyList<string> Keywords, DateOnly? ExpiresOn,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? PublishedAt);

/// <summary>One page of a list and the cursor of the next page (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record ReasonRequest(string? Reason);

/// <summary>The new expiry date of a renewal.</summary>
public sealed record RenewRequest(DateOnly? ExpiresOn);

public static class ListingMapping
{
    /// <summary>The listing for its owner, its platform and its region's administrators: the review flags included.</summary>
    public static ListingResponse ToResponse(this ListingView view)
    {
        var c = view.Content;
        return new(view.Id, c.Kind!.Value, c.Region!.Value, c.PlatformId!, view.OwnerId, view.Status, view.Version,
            c.Title!, c.TitleEn, c.Summary!, c.SummaryEn, c.Field!.Value, c.IndustryCode, c.IpcClass, c.PatentNumber,
            c.Trl!.Value, c.DealTypes ?? [], c.PriceModel!.Value, c.PriceAmountCny, c.Owners ?? [], c.City!, c.Keywords ?? [],
            c.ExpiresOn, view.CreatedAt, view.UpdatedAt, view.PublishedAt, view.ReviewNote,
            view.PossibleDuplicates);
    }

    /// <summary>The listing for <paramref name="reader"/>: the possible duplicates are for those responsible for it only.</summary>
    public static ListingResponse ToResponse(this ListingView view, Actor? reader) =>
        ListingVisibility.IsResponsible(view, reader) ? view.ToResponse() : view.ToResponse() with { PossibleDuplicates = null };
}
