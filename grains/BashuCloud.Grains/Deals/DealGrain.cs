using BashuCloud.Listings;
using BashuCloud.Placement;
using BashuCloud.Rights;
using BashuCloud.Storage;
using BashuCloud.Users;
using Microsoft.Extensions.Options;

namespace BashuCloud.Deals;

/// <summary>
/// One deal, homed in the seller's region (its id says which). Steps are decided by <see cref="DealState"/> one at
/// a time; after a step that starts, ends or completes the deal, the listing is told, so that its status follows.
/// </summary>
[GrainType("deal"), RegionalPlacement]
internal sealed class DealGrain(
    [PersistentState("deal", StorageNames.Main)] IPersistentState<DealState> state,
    TimeProvider clock,
    IOptions<DealOptions> options,
    SiloRegions regions,
    DealMetrics metrics) : Grain, IDealGrain
{
    private DealState Current => state.State;

    private DateTimeOffset Now => clock.GetUtcNow();

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.ReturnHomeWhenPossible(regions);
        return Task.CompletedTask;
    }

    public async Task<Outcome<DealView>> OpenAsync(string listingId, Inquiry inquiry, Actor actor)
    {
        // The deal lives where the listing (the seller) lives: an id of the other region would home it there.
        var listing = BashuId.RegionOf(listingId) is { } region && region == BashuId.RegionOf(Id)
            ? await GrainFactory.GetGrain<IListingGrain>(listingId).GetAsync()
            : null;
        var brokerRole = inquiry.BrokerId is { } broker && BashuId.IsValid(broker) ? (await GrainFactory.GetGrain<IUserGrain>(broker).GetAsync())?.Role.ToString() : null;
        return await Commit(Current.Open(Id, listing, inquiry, brokerRole, actor, Now), actor);
    }

    /// <summary>The deal with its listing's valuations: the parties see them through the deal (评估 serves the trade).</summary>
    public async Task<DealView?> GetAsync(Actor actor)
    {
        if (!Current.CanSee(actor)) return null;
        var view = Current.ToView(actor);
        var valuations = await GrainFactory.GetGrain<IRightsGrain>(Current.ListingId).ValuationsForDealAsync();
        return valuations.Count == 0 ? view : view with { Valuations = valuations };
    }

    public Task<Outcome<DealView>> EngageAsync(int? expectedVersion, Actor actor) => Commit(Current.Engage(expectedVersion, actor, Now), actor);

    public async Task<Outcome<DealView>> OfferAsync(OfferTerms terms, int? expectedVersion, Actor actor) =>
        await Commit(Current.Offer(terms, await ListingStatusAsync(), expectedVersion, actor, Now), actor);

    public async Task<Outcome<DealView>> AcceptAsync(int offerNumber, int? expectedVersion, Actor actor) =>
        await Commit(Current.AcceptOffer(offerNumber, await ListingStatusAsync(), await RightsConfirmedAsync(), expectedVersion, actor, Now), actor);

    public Task<Outcome<DealView>> DeclineAsync(DeclineReason reason, string? text, int? expectedVersion, Actor actor) =>
        Commit(Current.DeclineDeal(reason, text, expectedVersion, actor, Now), actor);

    public Task<Outcome<DealView>> CancelAsync(string? note, int? expectedVersion, Actor actor) => Commit(Current.Cancel(note, expectedVersion, actor, Now), actor);

    public Task<Outcome<DealView>> ContractAsync(ContractTerms contract, int? expectedVersion, Actor actor) =>
        Commit(Current.RecordContract(contract, expectedVersion, actor, Now), actor);

    public Task<Outcome<DealView>> RegisterAsync(int? expectedVersion, Actor actor) => Commit(Current.Register(expectedVersion, actor, Now), actor);

    public Task<Outcome<DealView>> CompleteAsync(int? expectedVersion, Actor actor) => Commit(Current.Complete(options.Value.BrokerCommissionRate, expectedVersion, actor, Now), actor);

    public async Task<Outcome<DealView>> RequestLegalReviewAsync(string reviewerId, int? expectedVersion, Actor actor)
    {
        var role = BashuId.IsValid(reviewerId) ? (await GrainFactory.GetGrain<IUserGrain>(reviewerId).GetAsync())?.Role.ToString() : null;
        return await Commit(Current.RequestLegalReview(reviewerId, role, expectedVersion, actor, Now), actor);
    }

    public Task<Outcome<DealView>> GiveLegalOpinionAsync(LegalOpinion opinion, string? notes, int? expectedVersion, Actor actor) =>
        Commit(Current.GiveLegalOpinion(opinion, notes, expectedVersion, actor, Now), actor);

    /// <summary>Only a patent's deal asks (confirm ownership before transfer); the others need no call.</summary>
    private async Task<bool> RightsConfirmedAsync() =>
        !Current.Exists || Current.ListingKind is not ListingKind.Patent || await GrainFactory.GetGrain<IRightsGrain>(Current.ListingId).IsConfirmedAsync();

    private async Task<ListingStatus?> ListingStatusAsync() =>
        Current.Exists ? (await GrainFactory.GetGrain<IListingGrain>(Current.ListingId).GetAsync())?.Status : null;

    /// <summary>
    /// Stores the step, then tells the listing when the deal started, ended or completed, and only then answers. A
    /// crash in between leaves the listing's status behind until the deal's next step tells it again (the listing
    /// counts each deal once, so telling it twice changes nothing).
    /// </summary>
    private async Task<Outcome<DealView>> Commit(Decision<DealState, DealView> decision, Actor actor)
    {
        var before = Current.Stage;
        var outcome = await state.Commit(decision, this);
        if (outcome.Succeeded && Current.Stage != before) metrics.Entered(Current.Stage, Id);
        if (outcome.Succeeded && (Current.Stage != before || DealState.IsUnderway(Current.Stage)))
        {
            await GrainFactory.GetGrain<IListingGrain>(Current.ListingId).FollowDealAsync(Id, Current.Stage, actor);
        }
        return outcome;
    }
}
