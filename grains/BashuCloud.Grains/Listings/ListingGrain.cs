using BashuCloud.Placement;
using BashuCloud.Platforms;
using BashuCloud.Storage;

namespace BashuCloud.Listings;

[GrainType("listing"), RegionalPlacement]
internal sealed class ListingGrain(
    [PersistentState("listing", StorageNames.Main)] IPersistentState<ListingState> state,
    TimeProvider clock) : Grain, IListingGrain
{
    private ListingState Current => state.State;

    private DateTimeOffset Now => clock.GetUtcNow();

    public async Task<Outcome<ListingView>> CreateAsync(ListingCreation creation, Actor actor)
    {
        if (creation.Draft.PlatformId is { } platformId && ListingRules.IsPlatformId(platformId)
            && await GrainFactory.GetGrain<IPlatformGrain>(platformId).GetAsync() is null)
        {
            return Outcome<ListingView>.Invalid(new Dictionary<string, string[]>
            {
                ["platformId"] = [$"未知平台 {platformId} (unknown platform)"],
            });
        }
        return await state.Commit(Current.Create(this.GetPrimaryKeyString(), creation, actor, Now), this);
    }

    public Task<ListingView?> GetAsync() => Task.FromResult(Current.Exists ? Current.ToView() : null);

    public Task<Outcome<ListingView>> UpdateAsync(ListingDraft draft, int? expectedVersion, Actor actor) =>
        state.Commit(Current.Update(draft, expectedVersion, actor, Now), this);

    public Task<Outcome<ListingView>> SubmitAsync(int? expectedVersion, Actor actor) =>
        state.Commit(Current.Submit(expectedVersion, actor, Now), this);

    public Task<Outcome<ListingView>> ApproveAsync(int? expectedVersion, Actor actor) =>
        state.Commit(Current.Approve(expectedVersion, actor, Now), this);

    public Task<Outcome<ListingView>> RejectAsync(string reason, int? expectedVersion, Actor actor) =>
        state.Commit(Current.Reject(reason, expectedVersion, actor, Now), this);

    public Task<Outcome<ListingView>> WithdrawAsync(string? reason, int? expectedVersion, Actor actor) =>
        state.Commit(Current.Withdraw(reason, expectedVersion, actor, Now), this);
}
