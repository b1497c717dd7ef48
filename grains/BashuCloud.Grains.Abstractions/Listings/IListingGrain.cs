namespace BashuCloud.Listings;

/// <summary>One listing, keyed by its id ("sichuan-01J…"); the single writer of its state.</summary>
[Alias("bashu.IListingGrain")]
public interface IListingGrain : IGrainWithStringKey
{
    [Alias("create")] Task<Outcome<ListingView>> CreateAsync(ListingCreation creation, Actor actor);

    [Alias("get")] Task<ListingView?> GetAsync();

    [Alias("update")] Task<Outcome<ListingView>> UpdateAsync(ListingDraft draft, int? expectedVersion, Actor actor);

    [Alias("submit")] Task<Outcome<ListingView>> SubmitAsync(int? expectedVersion, Actor actor);

    [Alias("approve")] Task<Outcome<ListingView>> ApproveAsync(int? expectedVersion, Actor actor);

    [Alias("reject")] Task<Outcome<ListingView>> RejectAsync(string reason, int? expectedVersion, Actor actor);

    [Alias("withdraw")] Task<Outcome<ListingView>> WithdrawAsync(string? reason, int? expectedVersion, Actor actor);
}
