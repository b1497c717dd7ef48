using BashuCloud.Listings;
using BashuCloud.Regions;

namespace BashuCloud.Deals;

/// <summary>Where a deal stands. Inquiry → Negotiating → Agreed → Contracted → Registered → Completed; Declined and Cancelled end it early.</summary>
[GenerateSerializer, Alias("bashu.DealStage")]
public enum DealStage
{
    /// <summary>询价: the buyer asked; the seller has not taken the inquiry up (the buyer's contact stays hidden).</summary>
    Inquiry = 1,
    /// <summary>洽谈: the seller took the inquiry up; offers and counter-offers.</summary>
    Negotiating = 2,
    /// <summary>达成一致: one party accepted the other's latest offer.</summary>
    Agreed = 3,
    /// <summary>签订合同: the contract (parties, amount, terms) is recorded.</summary>
    Contracted = 4,
    /// <summary>技术合同登记: registered once, in the seller's region, with a registration number.</summary>
    Registered = 5,
    /// <summary>完成.</summary>
    Completed = 6,
    /// <summary>拒绝: a party declined, with a structured reason.</summary>
    Declined = 7,
    /// <summary>取消.</summary>
    Cancelled = 8,
}

/// <summary>Why a party declined: structured, so statistics can say why deals fail.</summary>
[GenerateSerializer, Alias("bashu.DeclineReason")]
public enum DeclineReason
{
    /// <summary>技术尚不成熟 / 时机过早</summary>
    TooEarly = 1,
    /// <summary>价格</summary>
    Price = 2,
    /// <summary>不匹配</summary>
    Fit = 3,
    /// <summary>权属不清</summary>
    IpUnclear = 4,
    /// <summary>其他（须说明）</summary>
    Other = 5,
}

[GenerateSerializer, Alias("bashu.DealParty")]
public enum DealParty
{
    Buyer = 1,
    Seller = 2,
}

/// <summary>What a buyer sends to open a deal on a listing.</summary>
/// <param name="Message">the inquiry, shown to the seller at once</param>
/// <param name="Contact">how to reach the buyer (phone, e-mail): shown to the seller only once the seller takes the inquiry up</param>
/// <param name="BrokerId">the technology broker (技术经纪人) who introduced the parties, if any</param>
[GenerateSerializer, Immutable, Alias("bashu.Inquiry")]
public sealed record Inquiry(
    [property: Id(0)] string Message,
    [property: Id(1)] string Contact,
    [property: Id(2)] string? BrokerId = null);

/// <summary>An offer or counter-offer: a price in CNY and a deal type.</summary>
[GenerateSerializer, Immutable, Alias("bashu.OfferTerms")]
public sealed record OfferTerms(
    [property: Id(0)] decimal AmountCny,
    [property: Id(1)] DealType DealType,
    [property: Id(2)] string? Note = null);

/// <summary>An offer as recorded: numbered from 1 in the deal, by which party, when.</summary>
[GenerateSerializer, Immutable, Alias("bashu.Offer")]
public sealed record Offer(
    [property: Id(0)] int Number,
    [property: Id(1)] DealParty By,
    [property: Id(2)] OfferTerms Terms,
    [property: Id(3)] DateTimeOffset At);

/// <summary>The contract the parties signed.</summary>
[GenerateSerializer, Immutable, Alias("bashu.ContractTerms")]
public sealed record ContractTerms(
    [property: Id(0)] decimal AmountCny,
    [property: Id(1)] string Terms,
    [property: Id(2)] DateOnly SignedOn);

/// <summary>技术合同登记: the registration number, in the seller's region.</summary>
[GenerateSerializer, Immutable, Alias("bashu.ContractRegistration")]
public sealed record ContractRegistration(
    [property: Id(0)] string Number,
    [property: Id(1)] Region Region,
    [property: Id(2)] string RegisteredBy,
    [property: Id(3)] DateTimeOffset At);

[GenerateSerializer, Immutable, Alias("bashu.Decline")]
public sealed record Decline(
    [property: Id(0)] DealParty By,
    [property: Id(1)] DeclineReason Reason,
    [property: Id(2)] string? Text);

[GenerateSerializer, Alias("bashu.LegalOpinion")]
public enum LegalOpinion
{
    /// <summary>无异议</summary>
    NoObjection = 1,
    /// <summary>建议修改</summary>
    ChangesRequested = 2,
}

/// <summary>
/// 法律审查: a party asked a legal service provider to review the contract; the provider's opinion, once given.
/// </summary>
[GenerateSerializer, Immutable, Alias("bashu.LegalReview")]
public sealed record LegalReview(
    [property: Id(0)] string ReviewerId,
    [property: Id(1)] DealParty RequestedBy,
    [property: Id(2)] DateTimeOffset RequestedAt,
    [property: Id(3)] LegalOpinion? Opinion = null,
    [property: Id(4)] string? Notes = null,
    [property: Id(5)] DateTimeOffset? GivenAt = null);

/// <summary>
/// A deal as one of its parties, its broker or an administrator sees it. <see cref="BuyerContact"/> is null for the
/// seller until the seller takes the inquiry up. <see cref="Valuations"/>: the listing's valuations (评估), shown to
/// whoever sees the deal when it is read (null when there are none, and in the answers to steps).
/// </summary>
[GenerateSerializer, Immutable, Alias("bashu.DealView")]
public sealed record DealView(
    [property: Id(0)] string Id,
    [property: Id(1)] string ListingId,
    [property: Id(2)] ListingKind ListingKind,
    [property: Id(3)] string ListingTitle,
    [property: Id(4)] DealStage Stage,
    [property: Id(5)] int Version,
    [property: Id(6)] string SellerId,
    [property: Id(7)] Region SellerRegion,
    [property: Id(8)] string BuyerId,
    [property: Id(9)] Region BuyerRegion,
    [property: Id(10)] string? BrokerId,
    [property: Id(11)] string Message,
    [property: Id(12)] string? BuyerContact,
    [property: Id(13)] IReadOnlyList<Offer> Offers,
    [property: Id(14)] int? AgreedOffer,
    [property: Id(15)] ContractTerms? Contract,
    [property: Id(16)] ContractRegistration? Registration,
    [property: Id(17)] Decline? Decline,
    [property: Id(18)] string? CancelNote,
    [property: Id(21)] decimal? BrokerCreditCny,
    [property: Id(22)] LegalReview? LegalReview,
    [property: Id(19)] DateTimeOffset CreatedAt,
    [property: Id(20)] DateTimeOffset UpdatedAt,
    [property: Id(23)] IReadOnlyList<Rights.Valuation>? Valuations = null);

/// <summary>
/// One deal, keyed by an id in the seller's region ("sichuan-01J…"), so it lives where the listing lives. Every step
/// is decided here, one at a time: of two parties accepting at the same moment, exactly one wins.
/// </summary>
[Alias("bashu.IDealGrain")]
public interface IDealGrain : IGrainWithStringKey
{
    [Alias("open")] Task<Outcome<DealView>> OpenAsync(string listingId, Inquiry inquiry, Actor actor);

    /// <summary>The deal as this caller may see it; null when it does not exist or the caller is not allowed to see it.</summary>
    [Alias("get"), Orleans.Concurrency.ReadOnly] Task<DealView?> GetAsync(Actor actor);

    [Alias("engage")] Task<Outcome<DealView>> EngageAsync(int? expectedVersion, Actor actor);

    [Alias("offer")] Task<Outcome<DealView>> OfferAsync(OfferTerms terms, int? expectedVersion, Actor actor);

    [Alias("accept")] Task<Outcome<DealView>> AcceptAsync(int offerNumber, int? expectedVersion, Actor actor);

    [Alias("decline")] Task<Outcome<DealView>> DeclineAsync(DeclineReason reason, string? text, int? expectedVersion, Actor actor);

    [Alias("cancel")] Task<Outcome<DealView>> CancelAsync(string? note, int? expectedVersion, Actor actor);

    [Alias("contract")] Task<Outcome<DealView>> ContractAsync(ContractTerms contract, int? expectedVersion, Actor actor);

    [Alias("register")] Task<Outcome<DealView>> RegisterAsync(int? expectedVersion, Actor actor);

    [Alias("complete")] Task<Outcome<DealView>> CompleteAsync(int? expectedVersion, Actor actor);

    /// <summary>A party asks a legal service provider (a registered user with the ServiceProvider role) to review the contract.</summary>
    [Alias("request-legal-review")] Task<Outcome<DealView>> RequestLegalReviewAsync(string reviewerId, int? expectedVersion, Actor actor);

    /// <summary>The reviewer gives their opinion.</summary>
    [Alias("give-legal-opinion")] Task<Outcome<DealView>> GiveLegalOpinionAsync(LegalOpinion opinion, string? notes, int? expectedVersion, Actor actor);
}
