using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Listings;

namespace BashuCloud.Api.Statistics;

/// <summary>
/// /api/v1/stats: joint statistics of both provinces and the read model's lag. Any key with stats:read may read
/// them: administrators' and users' own keys carry it, a platform's key when it was issued with it. Figures are
/// counts of what the caller may learn (<see cref="StatisticsAudience"/>): no one's draft, no single deal.
/// </summary>
public static class StatisticsEndpoints
{
    public static WebApplicationBuilder AddStatistics(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StatisticsQueries>();
        return builder;
    }

    public static RouteGroupBuilder MapStatisticsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/stats").WithTags("Statistics").ProducesCommonProblems().RequireAuthorization(Scopes.Policy(Scopes.StatsRead));
        group.MapGet("/joint", Joint).Produces<JointStatistics>()
            .WithSummary("川渝联合统计 (joint statistics: listings by region × kind × status × field, new listings per month, users by role, academic lists; each with its as-of time)");
        group.MapGet("/joint.csv", JointCsv).Produces<string>(contentType: "text/csv")
            .WithSummary("导出联合统计 CSV (the joint statistics as CSV, UTF-8 with BOM)");
        group.MapGet("/read-model", ReadModel).Produces<ReadModelStatus>()
            .WithSummary("读模型延迟 (the read model's lag behind the change log)");
        return group;
    }

    internal static async Task<IResult> Joint(
        string? region, string? kind, string? status, string? field, ClaimsPrincipal user, StatisticsQueries queries, CancellationToken cancellationToken) =>
        Filter(region, kind, status, field, out var filter) is { } refused ? refused
            : TypedResults.Ok(await queries.JointAsync(filter, StatisticsAudience.Of(user.ToActor()), cancellationToken));

    internal static async Task<IResult> JointCsv(
        string? region, string? kind, string? status, string? field, ClaimsPrincipal user, StatisticsQueries queries, CancellationToken cancellationToken) =>
        Filter(region, kind, status, field, out var filter) is { } refused ? refused
            : TypedResults.File(JointStatisticsCsv.Write(await queries.JointAsync(filter, StatisticsAudience.Of(user.ToActor()), cancellationToken)), "text/csv; charset=utf-8",
                $"bashu-joint-statistics-{DateTime.UtcNow:yyyyMMdd}.csv");

    private static async Task<IResult> ReadModel(StatisticsQueries queries, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.ReadModelAsync(cancellationToken));

    /// <summary>The filter, or the 400 for a value that names nothing.</summary>
    private static IResult? Filter(string? region, string? kind, string? status, string? field, out StatisticsFilter filter)
    {
        filter = new StatisticsFilter(region, kind, status, field);
        if (region is not null && !Regions.Regions.TryParse(region, out _)) return Problems.Invalid("region", "应为 sichuan 或 chongqing (sichuan or chongqing)");
        if (!QueryValues.TryParse<ListingKind>(kind, out _)) return Problems.Invalid("kind", "未知类型 (unknown kind)");
        if (!QueryValues.TryParse<ListingStatus>(status, out _)) return Problems.Invalid("status", "未知状态 (unknown status)");
        if (!QueryValues.TryParse<TechnologyField>(field, out _)) return Problems.Invalid("field", "未知领域 (unknown field)");
        return null;
    }
}
