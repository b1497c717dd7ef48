using BashuCloud.Regions;

namespace BashuCloud.Listings;

public static class ListingVisibility
{
    /// <summary>Statuses that everyone, signed in or not, may see.</summary>
    public static bool IsPublic(ListingStatus status) =>
        status is ListingStatus.Published or ListingStatus.Negotiating or ListingStatus.Traded or ListingStatus.Expired;

    /// <summary>The statuses <see cref="IsPublic"/> admits, for queries that list them.</summary>
    public static readonly IReadOnlyList<ListingStatus> PublicStatuses = [.. Enum.GetValues<ListingStatus>().Where(IsPublic)];

    /// <summary>
    /// A draft, a listing in review or a withdrawn one is seen only by its owner, its platform's system and its
    /// region's administrators: never by another partner.
    /// </summary>
    public static bool CanSee(ListingView listing, Actor? actor) => IsPublic(listing.Status) || IsResponsible(listing, actor);

    /// <summary>
    /// The owner, its platform's system and its region's administrators (joint ones too): those who may see it in
    /// any status and read its audit trail, which names reviewers and reasons the public never sees.
    /// </summary>
    public static bool IsResponsible(ListingView listing, Actor? actor) =>
        ListingScope.Of(actor).Covers(listing.OwnerId, listing.Content.PlatformId, listing.Content.Region);
}

/// <summary>
/// The listings a reader is responsible for, whatever their status, as a predicate the read model can also apply
/// (lists and exports ask it, so a filter can never reach past it): every listing for the joint administrator; a
/// region's for its administrator; a platform's for its system; a lister's own listings for everyone signed in.
/// <see cref="ListingVisibility.IsResponsible"/> is this same rule on one listing.
/// </summary>
public sealed record ListingScope(bool All, Region? Region, string? PlatformId, string? OwnerId)
{
    public static readonly ListingScope None = new(false, null, null, null);

    public static ListingScope Of(Actor? actor) => actor switch
    {
        null => None,
        { IsAdministrator: true, Region: null } => new(true, null, null, actor.PrincipalId),
        { IsAdministrator: true, Region: { } region } => new(false, region, null, actor.PrincipalId),
        { Role: Users.UserRole.Platform } => new(false, null, actor.PrincipalId, actor.PrincipalId),
        _ => new(false, null, null, actor.PrincipalId),
    };

    public bool Covers(string? ownerId, string? platformId, Region? region) =>
        All
        || (OwnerId is not null && OwnerId == ownerId)
        || (PlatformId is not null && PlatformId == platformId)
        || (Region is not null && Region == region);
}
