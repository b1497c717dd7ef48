using BashuCloud.Placement;
using BashuCloud.Platforms;
using BashuCloud.Storage;
using Microsoft.Extensions.Options;

namespace BashuCloud.Listings;

[GrainType("listing"), RegionalPlacement]
internal sealed class ListingGrain(
    [PersistentState("listing", StorageNames.Main)] IPersistentState<ListingState> state,
    TimeProvider clock,
    IOptions<ReadLeaseOptions> leaseOptions,
    SiloRegions regions) : Grain, IListingGrain
{
    // Lent on the first read through an API cache: most activations (imports, partners' writes, deals) never lend one.
    private ReadLeases? _leases;

    private ListingState Current => state.State;

    private DateTimeOffset Now => clock.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.ReturnHomeWhenPossible(regions);
        return Task.CompletedTask;
    }

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
        return await Commit(Current.Create(this.GetPrimaryKeyString(), creation, actor, Now));
    }

    public Task<ListingView?> GetAsync() => Task.FromResult(Exists() ? Current.ToView() : null);

    public Task<ListingLease> LeaseAsync(IListingReadCache cache, int? cachedVersion) => Task.FromResult(
        !Exists() ? new ListingLease(null, false, TimeSpan.Zero)
        : cachedVersion == Current.Version ? new ListingLease(null, true, Leases.Lend(cache))
        : new ListingLease(Current.ToView(), false, Leases.Lend(cache)));

    /// <summary>
    /// Whether there is a listing; a read of an id that has none (anyone can send well-formed random ids) leaves no
    /// activation behind in memory: it goes as soon as the read is answered.
    /// </summary>
    private bool Exists()
    {
        if (!Current.Exists) DeactivateOnIdle();
        return Current.Exists;
    }

    private ReadLeases Leases => _leases ??= new(clock, leaseOptions.Value.Duration);

    public Task<Outcome<ListingView>> UpdateAsync(ListingDraft draft, int? expectedVersion, Actor actor) =>
        Commit(Current.Update(draft, expectedVersion, actor, Now));

    public Task<Outcome<ListingView>> SubmitAsync(int? expectedVersion, Actor actor, IReadOnlyList<string>? possibleDuplicates = null) =>
        Commit(Current.Submit(expectedVersion, actor, Now, possibleDuplicates));

    public Task<Outcome<ListingView>> ApproveAsync(int? expectedVersion, Actor actor) =>
        Commit(Current.Approve(expectedVersion, actor, Now));

    public Task<Outcome<ListingView>> RejectAsync(string reason, int? expectedVersion, Actor actor) =>
        Commit(Current.Reject(reason, expectedVersion, actor, Now));

    public Task<Outcome<ListingView>> WithdrawAsync(string? reason, int? expectedVersion, Actor actor) =>
        Commit(Current.Withdraw(reason, expectedVersion, actor, Now));

    public Task<Outcome<ListingView>> RenewAsync(DateOnly expiresOn, int? expectedVersion, Actor actor) =>
        Commit(Current.Renew(expiresOn, expectedVersion, actor, Now));

    public Task<Outcome<ListingView>> ExpireIfDueAsync() => Commit(Current.Expire(Now));

    public Task<Outcome<ListingView>> FollowDealAsync(string dealId, Deals.DealStage stage, Actor actor) =>
        Commit(Current.FollowDeal(dealId, stage, actor, Now));

    /// <summary>Stores the decision, then revokes the read caches' leases (unless nothing changed), then answers.</summary>
    private async Task<Outcome<ListingView>> Commit(Decision<ListingState, ListingView> decision)
    {
        var changed = !ReferenceEquals(decision.Next, Current);
        var outcome = await state.Commit(decision, this);
        if (outcome.Succeeded && changed && _leases is not null) await _leases.RevokeAsync(this.GetPrimaryKeyString(), outcome.Value!.Version);
        return outcome;
    }

    // The next activation (here or on another silo) knows nothing of this one's leases: end them first.
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _leases?.RevokeAsync(this.GetPrimaryKeyString(), Current.Version) ?? Task.CompletedTask;
}
