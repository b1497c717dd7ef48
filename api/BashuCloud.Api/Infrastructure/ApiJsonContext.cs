using System.Text.Json.Serialization;
using BashuCloud.Api.Audit;
using BashuCloud.Api.Changes;
using BashuCloud.Api.Listings;
using BashuCloud.Listings;
using BashuCloud.Api.Platforms;
using BashuCloud.Api.Search;
using BashuCloud.Api.Statistics;
using BashuCloud.Api.Users;
using BashuCloud.Deals;
using BashuCloud.Rights;

namespace BashuCloud.Api.Infrastructure;

/// <summary>Source-generated serializers for the responses on hot paths: no reflection per request.</summary>
[JsonSerializable(typeof(ListingResponse))]
[JsonSerializable(typeof(ListingView))]
[JsonSerializable(typeof(ChangePage))]
[JsonSerializable(typeof(AuditTrailResponse))]
[JsonSerializable(typeof(Page<ListingSummary>))]
[JsonSerializable(typeof(Page<SearchHit>))]
[JsonSerializable(typeof(MatchList))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(PlatformResponse))]
[JsonSerializable(typeof(IReadOnlyList<PlatformResponse>))]
[JsonSerializable(typeof(JointStatistics))]
[JsonSerializable(typeof(ReadModelStatus))]
[JsonSerializable(typeof(DealView))]
[JsonSerializable(typeof(RightsView))]
[JsonSerializable(typeof(Valuation))]
[JsonSerializable(typeof(ValuationList))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
