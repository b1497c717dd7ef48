namespace BashuCloud.Api.Statistics;

/// <summary>
/// 联合统计 (joint statistics) of both provinces. Each section carries the time its figures are true as of: the
/// read-model sections as of the projection (every change written before then is counted), the academic lists as
/// of the moment they were read (they are written directly, not projected).
/// </summary>
public sealed record JointStatistics(
    ListingStatistics Listings,
    UserStatistics Users,
    AcademicStatistics Academic,
    DealStatistics Deals);

/// <summary>
/// Listings: one cell per region × kind × status × field that has any, totals per dimension, and new listings per
/// month of creation (China time) by region and kind.
/// </summary>
public sealed record ListingStatistics(
    DateTimeOffset AsOf,
    long Total,
    IReadOnlyDictionary<string, long> ByRegion,
    IReadOnlyDictionary<string, long> ByKind,
    IReadOnlyDictionary<string, long> ByStatus,
    IReadOnlyDictionary<string, long> ByField,
    IReadOnlyList<ListingCell> Cells,
    IReadOnlyList<MonthCell> NewPerMonth);

public sealed record ListingCell(string Region, string Kind, string Status, string Field, long Count);

/// <summary>Listings created in a month ("2026-03"), by region and kind.</summary>
public sealed record MonthCell(string Month, string Region, string Kind, long Count);

public sealed record UserStatistics(DateTimeOffset AsOf, long Total, IReadOnlyDictionary<string, long> ByRole, IReadOnlyList<UserCell> Cells);

public sealed record UserCell(string Role, string Region, long Count);

/// <summary>The yearly joint lists: the size announced, and how many members the registry holds.</summary>
public sealed record AcademicStatistics(DateTimeOffset AsOf, IReadOnlyList<AcademicListCount> Lists);

public sealed record AcademicListCount(int Year, string ListKind, string Title, int Announced, long Registered);

/// <summary>
/// 技术交易: deals by stage and the seller's region; registered contracts (技术合同登记) as flows from the seller's region
/// to the buyer's, with their amounts, each contract counted once (a deal has at most one); turnover per seller region;
/// brokers' credit from completed deals they introduced. A region filter keeps the deals and flows that touch it.
/// </summary>
public sealed record DealStatistics(
    DateTimeOffset AsOf,
    long Total,
    IReadOnlyDictionary<string, long> ByStage,
    IReadOnlyList<DealStageCell> Stages,
    IReadOnlyList<ContractFlow> Flows,
    IReadOnlyDictionary<string, decimal> TurnoverCny,
    IReadOnlyList<BrokerCredit> Brokers);

public sealed record DealStageCell(string Stage, string SellerRegion, long Count);

/// <summary>Registered contracts whose seller is in <paramref name="From"/> and buyer in <paramref name="To"/>.</summary>
public sealed record ContractFlow(string From, string To, long Contracts, decimal AmountCny);

/// <summary>Completed deals with a broker, by the seller's region, and the brokers' credit from them.</summary>
public sealed record BrokerCredit(string Region, long Deals, decimal CreditCny);

/// <summary>What the caller asked the listing and user figures to be narrowed to (validated names).</summary>
public sealed record StatisticsFilter(string? Region, string? Kind, string? Status, string? Field)
{
    public bool Admits(string region, string? kind = null, string? status = null, string? field = null) =>
        (Region is null || Region == region)
        && (Kind is null || kind is null || Kind == kind)
        && (Status is null || status is null || Status == status)
        && (Field is null || field is null || Field == field);
}

/// <summary>The read model's distance behind the change log.</summary>
/// <param name="AsOf">every change written before this time is in the read model</param>
/// <param name="CurrentLagMs">now − the oldest change not yet projected; 0 when caught up</param>
/// <param name="Recent">lag of the changes projected in the last minute (writing transaction → projection)</param>
public sealed record ReadModelStatus(DateTimeOffset AsOf, double CurrentLagMs, LagPercentiles Recent);

public sealed record LagPercentiles(long Changes, int? P50Ms, int? P99Ms, int? MaxMs);
