using BashuCloud.Listings;

namespace BashuCloud.Api.Statistics;

/// <summary>
/// What a caller may learn from the joint statistics. Listing figures count what the caller could list: public
/// listings everywhere, and unpublished ones only in the regions the caller administers (the joint administrator:
/// both); new listings per month (every status) likewise only for administered regions. Deal figures are whole for
/// administrators (they oversee deals); for anyone else a cell of fewer than <see cref="SmallestDealCell"/> deals is
/// left out, so no figure describes a single deal, and totals are the sums of the cells shown.
/// </summary>
public sealed record StatisticsAudience(ListingScope Scope, bool SeesEachDeal)
{
    public const int SmallestDealCell = 3;

    public static StatisticsAudience Of(Actor? actor) => new(ListingScope.Of(actor), actor?.IsAdministrator == true);

    /// <summary>Everything: for the operators' own tools (the CLI's export reads the database directly).</summary>
    public static readonly StatisticsAudience Operator = new(new ListingScope(true, null, null, null), true);

    public bool SeesUnpublished(string region) =>
        Scope.All || (Scope.Region is { } administered && Regions.Regions.TryParse(region, out var parsed) && parsed == administered);

    public bool SeesListings(string region, string status) =>
        (Enum.TryParse<ListingStatus>(status, out var parsed) && ListingVisibility.IsPublic(parsed)) || SeesUnpublished(region);

    public bool SeesDeals(long deals) => SeesEachDeal || deals >= SmallestDealCell;
}
