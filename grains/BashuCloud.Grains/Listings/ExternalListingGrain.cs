using BashuCloud.Storage;

namespace BashuCloud.Listings;

/// <summary>Which of our listings a platform's external id stands for.</summary>
[GenerateSerializer, Immutable, Alias("bashu.ExternalListingState")]
internal sealed record ExternalListingState
{
    [Id(0)] public string? ListingId { get; init; }
}

/// <summary>
/// Maps "{platformId}/{externalId}" to our listing. The listing's id is stored here before the listing is created,
/// so a push retried after any failure reuses it: one external id never makes two open listings (after a withdrawal
/// or expiry the next push makes a new one, as a withdrawn listing never opens again).
/// </summary>
[GrainType("external-listing")]
internal sealed class ExternalListingGrain(
    [PersistentState("external-listing", StorageNames.Main)] IPersistentState<ExternalListingState> state,
    TimeProvider clock) : Grain, IExternalListingGrain
{
    public Task<string?> ListingIdAsync() => Task.FromResult(state.State.ListingId);

    public async Task<Outcome<ListingView>> WithdrawAsync(string? reason, Actor actor)
    {
        var listing = state.State.ListingId is { } id ? GrainFactory.GetGrain<IListingGrain>(id) : null;
        if (listing is null || await listing.GetAsync() is not { } view)
        {
            return Outcome<ListingView>.Refused(Refusal.NotFound, "该外部编号下没有房源 (nothing was pushed under this external id)");
        }
        // A withdrawal sent again (a retried sync) is already done; the listing grain still decides who may withdraw.
        return view.Status is ListingStatus.Withdrawn && (actor.ActsFor(view.Content.PlatformId) || actor.IsAdministratorOf(view.Content.Region!.Value))
            ? Outcome<ListingView>.Ok(view)
            : await listing.WithdrawAsync(reason, null, actor);
    }

    public async Task<Outcome<ExternalUpsert>> UpsertAsync(ListingDraft draft, Actor actor)
    {
        var platformId = ExternalIds.PlatformOf(this.GetPrimaryKeyString());
        // Who may push at all comes first (an administrator's region is checked against the listing below).
        if (!actor.ActsFor(platformId) && !actor.IsAdministrator) return Forbidden();
        if (draft.PlatformId is { } named && named != platformId)
        {
            return Invalid("platformId", $"应为 {platformId} 或省略 (must be {platformId} or left out)");
        }
        var content = draft with { PlatformId = platformId };
        var known = state.State.ListingId is { } id ? await GrainFactory.GetGrain<IListingGrain>(id).GetAsync() : null;
        if (known is not null && !IsClosed(known.Status))
        {
            var updated = await GrainFactory.GetGrain<IListingGrain>(known.Id).UpdateAsync(content, null, actor);
            return updated.Succeeded ? Outcome<ExternalUpsert>.Ok(new(updated.Value!, Created: false)) : Carry(updated);
        }

        // Nothing is remembered for a push that would be refused: bad input changes nothing.
        var errors = ListingRules.Validate(content, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        if (errors.Count > 0) return Outcome<ExternalUpsert>.Invalid(errors);
        var region = content.Region!.Value;
        if (!actor.ActsFor(platformId) && !actor.IsAdministratorOf(region)) return Forbidden();
        // A withdrawn or expired listing never opens again, so the platform's next push of the id starts a new one.
        if (known is not null || state.State.ListingId is not { } reserved || BashuId.RegionOf(reserved) != region)
        {
            state.State = new ExternalListingState { ListingId = BashuId.New(region) };
            await state.WriteStateAsync();
        }
        var listing = GrainFactory.GetGrain<IListingGrain>(state.State.ListingId!);
        var created = await listing.CreateAsync(new ListingCreation(content, platformId), actor);
        return created.Succeeded ? Outcome<ExternalUpsert>.Ok(new(created.Value!, Created: true)) : Carry(created);
    }

    private static bool IsClosed(ListingStatus status) => status is ListingStatus.Withdrawn or ListingStatus.Expired;

    private static Outcome<ExternalUpsert> Forbidden() =>
        Outcome<ExternalUpsert>.Refused(Refusal.Forbidden, "只有该平台的密钥或本地区管理员可以推送 (only the platform's keys or an administrator of the listing's region)");

    private static Outcome<ExternalUpsert> Carry(Outcome<ListingView> refused) =>
        new(refused.Refusal, null, refused.Detail, refused.Errors);

    private static Outcome<ExternalUpsert> Invalid(string field, string message) =>
        Outcome<ExternalUpsert>.Invalid(new Dictionary<string, string[]> { [field] = [message] });
}
