using BashuCloud.Placement;
using BashuCloud.Platforms;
using BashuCloud.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BashuCloud.Listings;

[GrainType("listing"), RegionalPlacement]
internal sealed class ListingGrain(
    [PersistentState("listing", StorageNames.Main)] IPersistentState<ListingState> state,
    TimeProvider clock,
    IOptions<ReadLeaseOptions> leaseOptions,
    IOptions<ListingExpiryOptions> expiryOptions,
    SiloRegions regions,
    ILogger<ListingGrain> logger) : Grain, IListingGrain, IRemindable
{
    private const string ExpiryReminder = "expiry";

    private readonly ReadLeases _leases = new(clock, leaseOptions.Value.Duration);
    private readonly TimeSpan _expiryCheckPeriod = expiryOptions.Value.ExpiryCheckPeriod;

    private ListingState Current => state.State;

    private DateTimeOffset Now => clock.GetUtcNow();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.ReturnHomeWhenPossible(regions);
        // Repairs a reminder whose registration failed after its change was stored (PostgreSQL down at that moment).
        if (!Current.CanExpire) return;
        try
        {
            if (await this.GetReminder(ExpiryReminder, cancellationToken) is null) await ScheduleExpiryAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The listing still answers; the next activation tries again.
            logger.LogWarning(exception, "Could not check the expiry reminder of listing {ListingId}", this.GetPrimaryKeyString());
        }
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

    public Task<ListingView?> GetAsync() => Task.FromResult(Current.Exists ? Current.ToView() : null);

    public Task<ListingLease> LeaseAsync(IListingReadCache cache, int? cachedVersion) => Task.FromResult(
        !Current.Exists ? new ListingLease(null, false, TimeSpan.Zero)
        : cachedVersion == Current.Version ? new ListingLease(null, true, _leases.Lend(cache))
        : new ListingLease(Current.ToView(), false, _leases.Lend(cache)));

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

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder) return;
        await Commit(Current.Expire(Now));
        if (!Current.CanExpire)
        {
            // A reminder left over from a failed unregistration: nothing to expire any more.
            if (await this.GetReminder(ExpiryReminder) is { } stale) await this.UnregisterReminder(stale);
        }
        else if (ListingExpiry.ExpiresAt(Current.Content!.ExpiresOn!.Value) - Now < _expiryCheckPeriod)
        {
            // Not expired yet (an early periodic tick): come back at the expiry moment, before the next tick.
            await ScheduleExpiryAsync();
        }
    }

    public Task<Outcome<ListingView>> FollowDealAsync(string dealId, Deals.DealStage stage, Actor actor) =>
        Commit(Current.FollowDeal(dealId, stage, actor, Now));

    /// <summary>Stores the decision, then revokes the read caches' leases (unless nothing changed), then answers.</summary>
    private async Task<Outcome<ListingView>> Commit(Decision<ListingState, ListingView> decision)
    {
        var previous = Current;
        var outcome = await state.Commit(decision, this);
        if (outcome.Succeeded && !ReferenceEquals(previous, Current))
        {
            await _leases.RevokeAsync(this.GetPrimaryKeyString(), outcome.Value!.Version);
            await FollowExpiryAsync(previous);
        }
        return outcome;
    }

    /// <summary>
    /// The expiry reminder runs while the listing is public and dated: registered when it becomes so or its date
    /// changes, ended when it stops being so (expired, withdrawn, traded, back in review). The change is already
    /// stored, so a failure here is logged, not the caller's: the next activation repairs a missing reminder.
    /// </summary>
    private async Task FollowExpiryAsync(ListingState previous)
    {
        try
        {
            if (Current.CanExpire && (!previous.CanExpire || previous.Content!.ExpiresOn != Current.Content!.ExpiresOn)) await ScheduleExpiryAsync();
            else if (!Current.CanExpire && previous.CanExpire && await this.GetReminder(ExpiryReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Could not update the expiry reminder of listing {ListingId}", this.GetPrimaryKeyString());
        }
    }

    /// <summary>Fires at the expiry moment, or after one check period if that comes first; then every period.</summary>
    private Task ScheduleExpiryAsync()
    {
        var remaining = ListingExpiry.ExpiresAt(Current.Content!.ExpiresOn!.Value) - Now;
        var due = remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining < _expiryCheckPeriod ? remaining : _expiryCheckPeriod;
        return this.RegisterOrUpdateReminder(ExpiryReminder, due, _expiryCheckPeriod);
    }

    // The next activation (here or on another silo) knows nothing of this one's leases: end them first.
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _leases.RevokeAsync(this.GetPrimaryKeyString(), Current.Version);
}
