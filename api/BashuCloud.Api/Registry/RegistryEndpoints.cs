using System.Globalization;
using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Listings;

namespace BashuCloud.Api.Registry;

/// <summary>
/// /api/v1/registry: the academic registry (学术登记) of the yearly joint lists. Anyone may read it; administrators
/// register the members of their region.
/// </summary>
public static class RegistryEndpoints
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 100;

    /// <summary>The path of each kind of list, and the kind's name in the tables.</summary>
    private static readonly (string Path, string Kind, string Name)[] Lists =
    [
        ("societies", "Society", "学会 (societies)"),
        ("activities", "Activity", "学术活动 (academic activities)"),
        ("papers", "Paper", "论文 (papers)"),
    ];

    public static WebApplicationBuilder AddRegistry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RegistryQueries>();
        return builder;
    }

    public static RouteGroupBuilder MapRegistryEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/registry").WithTags("Academic registry").ProducesCommonProblems();
        group.MapGet("/lists", GetLists).AllowAnonymous().Produces<IReadOnlyList<AcademicListResponse>>()
            .WithSummary("川渝年度学术名单 (the yearly joint lists: societies, activities, papers; announced size and registered members)");
        foreach (var (path, kind, name) in Lists)
        {
            group.MapGet($"/{path}", (int? year, string? region, int? limit, string? cursor, RegistryQueries queries, CancellationToken cancellationToken) =>
                    ListEntries(kind, year, region, limit, cursor, queries, cancellationToken))
                .AllowAnonymous().Produces<Page<AcademicEntryResponse>>().WithSummary($"登记的{name}，可按年份、地区筛选 (registered members, by year and region)");
            group.MapPost($"/{path}", (AcademicEntryRequest entry, ClaimsPrincipal user, RegistryQueries queries, CancellationToken cancellationToken) =>
                    AddEntry(kind, path, entry, user, queries, cancellationToken))
                .RequireAuthorization(ApiKeyAuthentication.Administrator).Produces<AcademicEntryResponse>(StatusCodes.Status201Created)
                .WithSummary($"登记{name}名单成员 (register a member of a year's list; administrators of the member's region)");
        }
        return group;
    }

    private static async Task<IResult> GetLists(int? year, RegistryQueries queries, CancellationToken cancellationToken) =>
        year is < 1900 or > 2999 ? BadYear() : TypedResults.Ok(await queries.ListsAsync(year, cancellationToken));

    private static async Task<IResult> ListEntries(
        string kind, int? year, string? region, int? limit, string? cursor, RegistryQueries queries, CancellationToken cancellationToken)
    {
        if (year is < 1900 or > 2999) return BadYear();
        if (region is not null && !Regions.Regions.TryParse(region, out _)) return Problems.Invalid("region", "应为 sichuan 或 chongqing (sichuan or chongqing)");
        if (limit is < 1 or > MaxLimit) return Problems.Invalid("limit", $"应在 1–{MaxLimit} 之间 (1 to {MaxLimit})");
        var afterId = 0L;
        if (cursor is not null && !(Cursor.TryDecodeText(cursor, out var position) && long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out afterId)))
        {
            return Problems.Invalid("cursor", "无效的分页游标 (not a cursor this API issued)");
        }
        var (items, more) = await queries.EntriesAsync(kind, year, region, limit ?? DefaultLimit, afterId, cancellationToken);
        return TypedResults.Ok(new Page<AcademicEntryResponse>(items, more ? Cursor.Encode(items[^1].Id.ToString(CultureInfo.InvariantCulture)) : null));
    }

    private static async Task<IResult> AddEntry(
        string kind, string path, AcademicEntryRequest entry, ClaimsPrincipal user, RegistryQueries queries, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (entry.Year is not (>= 1900 and <= 2999)) errors["year"] = ["必填，如 2020 (required, such as 2020)"];
        if (!Regions.Regions.TryParse(entry.Region, out var region)) errors["region"] = ["必填：sichuan 或 chongqing (required)"];
        if (string.IsNullOrWhiteSpace(entry.Name) || entry.Name.Length > 300) errors["name"] = ["必填，不超过 300 字 (required, at most 300 characters)"];
        if (entry.Organization is { Length: > 300 }) errors["organization"] = ["不超过 300 字 (at most 300 characters)"];
        if (entry.Detail is { Length: > 4000 }) errors["detail"] = ["不超过 4000 字 (at most 4000 characters)"];
        if (errors.Count > 0) return Problems.Unprocessable(errors);
        if (!user.RequireActor().IsAdministratorOf(region))
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "只有该地区的管理员可以登记 (only administrators of the member's region may register it)");
        }
        var (result, saved) = await queries.AddAsync(kind, entry.Year!.Value, entry.Region!, entry.Name!.Trim(), entry.Organization, entry.Detail, cancellationToken);
        return result switch
        {
            EntrySaved.Created => TypedResults.Created($"/api/v1/registry/{path}?year={saved!.Year}", saved),
            EntrySaved.Duplicate => Problems.Status(StatusCodes.Status409Conflict, $"该名单已有“{entry.Name}” (the list already has this member)"),
            _ => Problems.Unprocessable(new Dictionary<string, string[]> { ["year"] = [$"{entry.Year} 年没有这份名单 (no such list that year)"] }),
        };
    }

    private static IResult BadYear() => Problems.Invalid("year", "应为年份，如 2020 (a year such as 2020)");
}
