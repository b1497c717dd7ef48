namespace BashuCloud.Listings;

public static class ListingVisibility
{
    /// <summary>Statuses that everyone, signed in or not, may see.</summary>
    public static bool IsPublic(ListingStatus status) =>
        status is ListingStatus.Published or ListingStatus.Negotiating or ListingStatus.Traded or ListingStatus.Expired;

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
        actor is not null && (actor.PrincipalId == listing.OwnerId
            || actor.ActsFor(listing.Content.PlatformId)
            || (listing.Content.Region is { } region && actor.IsAdministratorOf(region)));
}
