using BashuCloud.Listings;
using BashuCloud.Placement;
using BashuCloud.Storage;

namespace BashuCloud.Rights;

/// <summary>
/// A listing's rights claim and valuations, keyed by the listing's id and so homed in the listing's region. Every
/// decision looks at the listing first (its owner, its region, who may see it) and is made by <see cref="RightsState"/>.
/// </summary>
[GrainType("rights"), RegionalPlacement]
internal sealed class RightsGrain(
    [PersistentState("rights", StorageNames.Main)] IPersistentState<RightsState> state,
    TimeProvider clock,
    SiloRegions regions) : Grain, IRightsGrain
{
    private RightsState Current => state.State;

    private DateTimeOffset Now => clock.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.ReturnHomeWhenPossible(regions);
        return Task.CompletedTask;
    }

    public async Task<Outcome<RightsView>> GetAsync(Actor actor) => Current.View(await ListingAsync(), actor);

    public Task<bool> IsConfirmedAsync() => Task.FromResult(Current.IsConfirmed);

    public async Task<Outcome<RightsView>> SubmitAsync(RightsClaim claim, int? expectedVersion, Actor actor) =>
        await state.Commit(Current.Submit(claim, await ListingAsync(), expectedVersion, actor, Now), this);

    public async Task<Outcome<RightsView>> ConfirmAsync(int? expectedVersion, Actor actor) =>
        await state.Commit(Current.Confirm(await ListingAsync(), expectedVersion, actor, Now), this);

    public async Task<Outcome<RightsView>> RejectAsync(string? reason, int? expectedVersion, Actor actor) =>
        await state.Commit(Current.Reject(reason, await ListingAsync(), expectedVersion, actor, Now), this);

    public async Task<Outcome<Valuation>> ValueAsync(ValuationReport report, Actor actor) =>
        await state.Commit(Current.Value(report, await ListingAsync(), actor, Now), this);

    public async Task<Outcome<ValuationList>> ValuationsAsync(Actor actor) => Current.ValuationsFor(await ListingAsync(), actor);

    public Task<IReadOnlyList<Valuation>> ValuationsForDealAsync() => Task.FromResult(Current.Valuations);

    private Task<ListingView?> ListingAsync() => GrainFactory.GetGrain<IListingGrain>(this.GetPrimaryKeyString()).GetAsync();
}
