namespace BashuCloud.Rights;

/// <summary>Where a rights claim (确权) stands: Submitted → Confirmed or Rejected; submitting anew starts again at Submitted.</summary>
[GenerateSerializer, Alias("bashu.RightsStatus")]
public enum RightsStatus
{
    /// <summary>已提交: waiting for an administrator of the listing's region or a legal service provider.</summary>
    Submitted = 1,
    /// <summary>已确权.</summary>
    Confirmed = 2,
    /// <summary>未通过, with a reason.</summary>
    Rejected = 3,
}

/// <summary>One owner of the listing's IP and their share, in percent.</summary>
[GenerateSerializer, Immutable, Alias("bashu.RightsOwner")]
public sealed record RightsOwner(
    [property: Id(0)] string Name,
    [property: Id(1)] decimal Share);

/// <summary>What proves the ownership: a patent number, references to documents (certificates, assignments), or both.</summary>
[GenerateSerializer, Immutable, Alias("bashu.RightsEvidence")]
public sealed record RightsEvidence(
    [property: Id(0)] string? PatentNumber,
    [property: Id(1)] IReadOnlyList<string>? Documents);

/// <summary>What the owner claims: who owns what share, and the evidence.</summary>
[GenerateSerializer, Immutable, Alias("bashu.RightsClaim")]
public sealed record RightsClaim(
    [property: Id(0)] IReadOnlyList<RightsOwner> Owners,
    [property: Id(1)] RightsEvidence Evidence);

/// <summary>A listing's rights claim and its review, as whoever may see the listing sees it.</summary>
[GenerateSerializer, Immutable, Alias("bashu.RightsView")]
public sealed record RightsView(
    [property: Id(0)] string ListingId,
    [property: Id(1)] RightsStatus Status,
    [property: Id(2)] int Version,
    [property: Id(3)] IReadOnlyList<RightsOwner> Owners,
    [property: Id(4)] RightsEvidence Evidence,
    [property: Id(5)] string SubmittedBy,
    [property: Id(6)] DateTimeOffset SubmittedAt,
    [property: Id(7)] string? DecidedBy,
    [property: Id(8)] DateTimeOffset? DecidedAt,
    [property: Id(9)] string? RejectReason);

/// <summary>How a valuer arrived at the value (资产评估的收益法、市场法、成本法).</summary>
[GenerateSerializer, Alias("bashu.ValuationMethod")]
public enum ValuationMethod
{
    /// <summary>收益法</summary>
    Income = 1,
    /// <summary>市场法</summary>
    Market = 2,
    /// <summary>成本法</summary>
    Cost = 3,
}

/// <summary>What a valuer sends: a range in CNY, when it was valued and until when it holds.</summary>
[GenerateSerializer, Immutable, Alias("bashu.ValuationReport")]
public sealed record ValuationReport(
    [property: Id(0)] ValuationMethod Method,
    [property: Id(1)] decimal LowCny,
    [property: Id(2)] decimal HighCny,
    [property: Id(3)] DateOnly ValuedOn,
    [property: Id(4)] DateOnly ValidUntil,
    [property: Id(5)] string? Note = null);

/// <summary>A valuation as recorded: numbered from 1 on the listing, by which valuer, when.</summary>
[GenerateSerializer, Immutable, Alias("bashu.Valuation")]
public sealed record Valuation(
    [property: Id(0)] int Number,
    [property: Id(1)] string ValuerId,
    [property: Id(2)] ValuationReport Report,
    [property: Id(3)] DateTimeOffset At);

/// <summary>A listing's valuations, oldest first.</summary>
[GenerateSerializer, Immutable, Alias("bashu.ValuationList")]
public sealed record ValuationList(
    [property: Id(0)] string ListingId,
    [property: Id(1)] IReadOnlyList<Valuation> Items);

/// <summary>
/// The IP services on one listing, keyed by the listing's id (so it lives in the listing's region): its rights
/// confirmation (确权) and its valuations (评估). Each asks the listing who owns it and who may see it.
/// </summary>
[Alias("bashu.IRightsGrain")]
public interface IRightsGrain : IGrainWithStringKey
{
    /// <summary>The claim as this caller may see it: NotFound when the listing is hidden from them or no claim exists.</summary>
    [Alias("get"), Orleans.Concurrency.ReadOnly] Task<Outcome<RightsView>> GetAsync(Actor actor);

    /// <summary>Whether the rights are confirmed now ("confirm ownership before transfer"); asked by the listing's deals.</summary>
    [Alias("confirmed"), Orleans.Concurrency.ReadOnly] Task<bool> IsConfirmedAsync();

    [Alias("submit")] Task<Outcome<RightsView>> SubmitAsync(RightsClaim claim, int? expectedVersion, Actor actor);

    [Alias("confirm")] Task<Outcome<RightsView>> ConfirmAsync(int? expectedVersion, Actor actor);

    [Alias("reject")] Task<Outcome<RightsView>> RejectAsync(string? reason, int? expectedVersion, Actor actor);

    [Alias("value")] Task<Outcome<Valuation>> ValueAsync(ValuationReport report, Actor actor);

    /// <summary>The valuations for the listing's owner, administrators of its region and valuers who made one.</summary>
    [Alias("valuations"), Orleans.Concurrency.ReadOnly] Task<Outcome<ValuationList>> ValuationsAsync(Actor actor);

    /// <summary>The valuations without a check: for a deal's grain, which shows them only to those who may see the deal.</summary>
    [Alias("valuations-for-deal"), Orleans.Concurrency.ReadOnly] Task<IReadOnlyList<Valuation>> ValuationsForDealAsync();
}
