using Orleans.Concurrency;
using System.Text.RegularExpressions;

namespace BashuCloud.Listings;

/// <summary>
/// A platform's listing under the id the platform gave it (its "external id"), keyed "{platformId}/{externalId}":
/// the one place that maps it to our listing, so that pushing the same listing again updates it instead of adding
/// a second one.
/// </summary>
[Alias("bashu.IExternalListingGrain")]
public interface IExternalListingGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the listing on the first push, updates it on the next ones; the same content again makes no new version.
    /// Once the listing is withdrawn or expired, the next push creates a new listing under the same external id.
    /// </summary>
    [Alias("upsert")] Task<Outcome<ExternalUpsert>> UpsertAsync(ListingDraft draft, Actor actor);

    /// <summary>Withdraws the listing; withdrawing it again changes nothing. NotFound while nothing was pushed.</summary>
    [Alias("withdraw")] Task<Outcome<ListingView>> WithdrawAsync(string? reason, Actor actor);

    /// <summary>Our listing's id, or null while the platform has pushed nothing under this external id.</summary>
    [Alias("listing-id"), ReadOnly] Task<string?> ListingIdAsync();
}

/// <summary>The listing after an upsert, and whether this upsert created it.</summary>
[GenerateSerializer, Immutable, Alias("bashu.ExternalUpsert")]
public sealed record ExternalUpsert([property: Id(0)] ListingView Listing, [property: Id(1)] bool Created);

public static partial class ExternalIds
{
    public const int MaxLength = 128;

    /// <summary>Letters, digits and . _ : - (URL-safe as they are), starting with a letter or digit.</summary>
    public static bool IsValid(string? externalId) => externalId is not null && Pattern().IsMatch(externalId);

    public static string Key(string platformId, string externalId) => $"{platformId}/{externalId}";

    public static string PlatformOf(string key) => key[..key.IndexOf('/', StringComparison.Ordinal)];

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")]
    private static partial Regex Pattern();
}

/// <summary>A listing a platform pushes under an external id, for the batch import.</summary>
[GenerateSerializer, Immutable, Alias("bashu.NewExternalListing")]
public sealed record NewExternalListing([property: Id(0)] string ExternalId, [property: Id(1)] ListingDraft Draft);

/// <summary>
/// The fast path of a batch import: listings under external ids never pushed before are created together, in one
/// transaction, instead of one grain call and two writes each.
/// </summary>
[Alias("bashu.IListingImportGrain")]
public interface IListingImportGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Creates a listing (a draft) for each item whose external id is new, as <see cref="IExternalListingGrain.UpsertAsync"/>
    /// would, and answers its outcome; an item whose external id was pushed before comes back null: push it through
    /// its <see cref="IExternalListingGrain"/>.
    /// </summary>
    [Alias("create-new")] Task<IReadOnlyList<Outcome<ListingView>?>> CreateNewAsync(string platformId, IReadOnlyList<NewExternalListing> items, Actor actor);
}
