using Orleans.Concurrency;

namespace BashuCloud.Listings;

/// <summary>One listing, keyed by its id ("sichuan-01J…"); the single writer of its state.</summary>
[Alias("bashu.IListingGrain")]
public interface IListingGrain : IGrainWithStringKey
{
    [Alias("create")] Task<Outcome<ListingView>> CreateAsync(ListingCreation creation, Actor actor);

    // Reads interleave with each other (never with a write, whose state is not acknowledged until it is stored).
    [Alias("get"), ReadOnly] Task<ListingView?> GetAsync();

    /// <summary>The listing for a read cache, lent until the lease runs out or is revoked by a change.</summary>
    [Alias("lease"), ReadOnly] Task<ListingLease> LeaseAsync(IListingReadCache cache, int? cachedVersion);

    [Alias("update")] Task<Outcome<ListingView>> UpdateAsync(ListingDraft draft, int? expectedVersion, Actor actor);

    /// <summary>Into review; <paramref name="possibleDuplicates"/> (found by the API in the read model) flag it for the reviewer.</summary>
    [Alias("submit")] Task<Outcome<ListingView>> SubmitAsync(int? expectedVersion, Actor actor, IReadOnlyList<string>? possibleDuplicates = null);

    [Alias("approve")] Task<Outcome<ListingView>> ApproveAsync(int? expectedVersion, Actor actor);

    [Alias("reject")] Task<Outcome<ListingView>> RejectAsync(string reason, int? expectedVersion, Actor actor);

    [Alias("withdraw")] Task<Outcome<ListingView>> WithdrawAsync(string? reason, int? expectedVersion, Actor actor);

    /// <summary>A later expiry date; an expired listing is published again.</summary>
    [Alias("renew")] Task<Outcome<ListingView>> RenewAsync(DateOnly expiresOn, int? expectedVersion, Actor actor);

    /// <summary>
    /// Expired when its expiry moment has passed by this grain's own state and clock, otherwise unchanged: the region's
    /// expiry sweeper asks from the read model, which may be behind (a listing renewed or withdrawn meanwhile stays).
    /// </summary>
    [Alias("expire-if-due")] Task<Outcome<ListingView>> ExpireIfDueAsync();

    /// <summary>A deal on this listing reached a stage (called by the deal's grain, for the step's actor): the listing's status follows.</summary>
    [Alias("follow-deal")] Task<Outcome<ListingView>> FollowDealAsync(string dealId, Deals.DealStage stage, Actor actor);
}
