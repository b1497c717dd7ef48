using BashuCloud.Storage;

namespace BashuCloud.Listings;

/// <summary>Which of our listings a platform's external id stands for.</summary>
[GenerateSerializer, Immutable, Alias("bashu.ExternalListingState")]
internal sealed record ExternalListingState
{
    [Id(0)] public string? ListingId { get; init; }
}

/// <summary>What a platform's push must satisfy, whether one grain handles it or the batch import creates it.</summary>
internal static class ExternalListingRules
{
    /// <summary>Who may push at all, and the content with the platform filled in (an administrator's region is checked against the listing later).</summary>
    public static Outcome<ListingDraft> Admit(string platformId, ListingDraft draft, Actor actor)
    {
        if (!actor.ActsFor(platformId) && !actor.IsAdministrator) return Forbidden();
        if (draft.PlatformId is { } named && named != platformId)
        {
            return Outcome<ListingDraft>.Invalid(new Dictionary<string, string[]> { ["platformId"] = [$"应为 {platformId} 或省略 (must be {platformId} or left out)"] });
        }
        return Outcome<ListingDraft>.Ok(draft with { PlatformId = platformId });
    }

    /// <summary>A new listing from this content: valid, and in a region the caller may list in for the platform.</summary>
    public static Outcome<ListingDraft> CheckNew(string platformId, ListingDraft content, Actor actor, DateTimeOffset now)
    {
        var errors = ListingRules.Validate(content, DateOnly.FromDateTime(now.UtcDateTime));
        if (errors.Count > 0) return Outcome<ListingDraft>.Invalid(errors);
        return actor.ActsFor(platformId) || actor.IsAdministratorOf(content.Region!.Value) ? Outcome<ListingDraft>.Ok(content) : Forbidden();
    }

    private static Outcome<ListingDraft> Forbidden() =>
        Outcome<ListingDraft>.Refused(Refusal.Forbidden, "只有该平台的密钥或本地区管理员可以推送 (only the platform's keys or an administrator of the listing's region)");
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
    public Task<string?> ListingIdAsync() => KnownListingIdAsync();

    public async Task<Outcome<ListingView>> WithdrawAsync(string? reason, Actor actor)
    {
        var listing = await KnownListingIdAsync() is { } id ? GrainFactory.GetGrain<IListingGrain>(id) : null;
        if (listing is null || await listing.GetAsync() is not { } view)
        {
            return Outcome<ListingView>.Refused(Refusal.NotFound, "该外部编号下没有项目 (nothing was pushed under this external id)");
        }
        // A withdrawal sent again (a retried sync) is already done; the listing grain still decides who may withdraw.
        return view.Status is ListingStatus.Withdrawn && (actor.ActsFor(view.Content.PlatformId) || actor.IsAdministratorOf(view.Content.Region!.Value))
            ? Outcome<ListingView>.Ok(view)
            : await listing.WithdrawAsync(reason, null, actor);
    }

    public async Task<Outcome<ExternalUpsert>> UpsertAsync(ListingDraft draft, Actor actor)
    {
        var platformId = ExternalIds.PlatformOf(this.GetPrimaryKeyString());
        var admitted = ExternalListingRules.Admit(platformId, draft, actor);
        if (!admitted.Succeeded) return Carry(admitted);
        var content = admitted.Value!;
        var known = await KnownListingIdAsync() is { } id ? await GrainFactory.GetGrain<IListingGrain>(id).GetAsync() : null;
        if (known is not null && !IsClosed(known.Status))
        {
            var updated = await GrainFactory.GetGrain<IListingGrain>(known.Id).UpdateAsync(content, null, actor);
            return updated.Succeeded ? Outcome<ExternalUpsert>.Ok(new(updated.Value!, Created: false)) : Carry(updated);
        }

        // Nothing is remembered for a push that would be refused: bad input changes nothing.
        var creatable = ExternalListingRules.CheckNew(platformId, content, actor, clock.GetUtcNow());
        if (!creatable.Succeeded) return Carry(creatable);
        var region = content.Region!.Value;
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

    /// <summary>
    /// The listing id this external id stands for. Read again while none is known: the batch import may have created
    /// the mapping in the database since this activation loaded it (ListingImportGrain).
    /// </summary>
    private async Task<string?> KnownListingIdAsync()
    {
        if (state.State.ListingId is null) await state.ReadStateAsync();
        return state.State.ListingId;
    }

    private static bool IsClosed(ListingStatus status) => status is ListingStatus.Withdrawn or ListingStatus.Expired;

    private static Outcome<ExternalUpsert> Carry<T>(Outcome<T> refused) =>
        new(refused.Refusal, null, refused.Detail, refused.Errors);
}
