using System.Globalization;
using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Listings;
using BashuCloud.Listings;
using BashuCloud.Regions;

namespace BashuCloud.Api.Search;

/// <summary>/api/v1/listings/search and /api/v1/listings/{id}/matches: public listings found by keyword, and a listing's counterparts.</summary>
public static class SearchEndpoints
{
    public const int MaxQueryLength = 100;
    private const int DefaultLimit = 20;
    private const int MaxLimit = 100;

    public static WebApplicationBuilder AddListingSearch(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ListingSearch>();
        builder.Services.AddSingleton<ListingMatches>();
        return builder;
    }

    public static RouteGroupBuilder MapSearchEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/listings").WithTags("Search").ProducesCommonProblems().AllowAnonymous();
        group.MapGet("/search", Search).Produces<Page<SearchHit>>().WithSummary("检索项目 (search listings)")
            .WithDescription("Public listings whose title, summary or a keyword contains q (1–100 characters, Chinese or English, case-insensitive). "
                + "sort=relevance (default: title hits, then keyword hits, then summary hits, newest first within each) or newest; "
                + "filters kind, region, field, status (public statuses only), trlMin; stable cursor paging.");
        group.MapGet("/{id}/matches", Matches).Produces<MatchList>().WithSummary("供需匹配 (matches for a listing)")
            .WithDescription("For a demand: achievements, patents and services; for an achievement, patent or service: demands. "
                + "Each match has a score and its reasons (field, keywords, title, region or cross-province, maturity).");
        return group;
    }

    private static async Task<IResult> Search(
        string? q, string? kind, string? region, string? field, string? status, string? trlMin, string? sort, int? limit, string? cursor,
        ListingSearch search, CancellationToken cancellationToken)
    {
        var query = q?.Trim() ?? "";
        if (query.Length == 0) return Problems.Invalid("q", "请输入检索词 (q is required)");
        if (query.EnumerateRunes().Count() > MaxQueryLength || query.Length > 2 * MaxQueryLength)
        {
            return Problems.Invalid("q", $"检索词最多 {MaxQueryLength} 个字符 (at most {MaxQueryLength} characters)");
        }
        if (query.Any(char.IsControl) || !IsWellFormed(query)) return Problems.Invalid("q", "检索词含有控制字符或无效字符 (q has control or invalid characters)");
        if (!TryFilter(kind, region, field, status, trlMin, out var filter, out var problem)) return problem!;
        SearchOrder order;
        switch (sort)
        {
            case null or "relevance": order = SearchOrder.Relevance; break;
            case "newest": order = SearchOrder.Newest; break;
            default: return Problems.Invalid("sort", "应为 relevance 或 newest (relevance or newest)");
        }
        if (limit is < 1 or > MaxLimit) return Problems.Invalid("limit", $"应在 1–{MaxLimit} 之间 (1 to {MaxLimit})");
        SearchPosition? after = null;
        if (cursor is not null && !SearchCursor.TryDecode(cursor, order, out after))
        {
            return Problems.Invalid("cursor", "无效的分页游标 (not a cursor this API issued for this sort)");
        }
        return TypedResults.Ok(await search.SearchAsync(query, filter!, order, after, limit ?? DefaultLimit, cancellationToken));
    }

    private static bool TryFilter(
        string? kind, string? region, string? field, string? status, string? trlMin, out SearchFilter? filter, out IResult? problem)
    {
        filter = null;
        problem = null;
        Region? regionFilter = null;
        if (region is not null)
        {
            if (!Regions.Regions.TryParse(region, out var parsed)) problem = Problems.Invalid("region", "应为 sichuan 或 chongqing (sichuan or chongqing)");
            regionFilter = parsed;
        }
        if (!QueryValues.TryParse<ListingKind>(kind, out var kindFilter)) problem = Problems.Invalid("kind", "未知类型 (unknown kind)");
        if (!QueryValues.TryParse<TechnologyField>(field, out var fieldFilter)) problem = Problems.Invalid("field", "未知技术领域 (unknown field)");
        if (!QueryValues.TryParse<ListingStatus>(status, out var statusFilter))
        {
            problem = Problems.Invalid("status", "未知状态 (unknown status)");
        }
        else if (statusFilter is { } wanted && !ListingVisibility.IsPublic(wanted))
        {
            problem = Problems.Invalid("status", "检索只包含公开状态 (search covers public statuses only: Published, Negotiating, Traded, Expired)");
        }
        int? trl = null;
        if (trlMin is not null)
        {
            if (!int.TryParse(trlMin, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 1 or > 9)
            {
                problem = Problems.Invalid("trlMin", "应为 1–9 的整数 (an integer from 1 to 9)");
            }
            trl = value;
        }
        if (problem is not null) return false;
        filter = new SearchFilter(kindFilter, regionFilter, fieldFilter, statusFilter, trl);
        return true;
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }

    /// <summary>Matches for a listing the caller may see (404 otherwise, as GET /api/v1/listings/{id}).</summary>
    private static async Task<IResult> Matches(string id, ClaimsPrincipal user, ListingReadCache listings, ListingMatches matches, CancellationToken cancellationToken)
    {
        if (!BashuId.IsValid(id) || await listings.GetAsync(id) is not { } listing || !ListingVisibility.CanSee(listing.View, user.ToReader()))
        {
            return Problems.Status(StatusCodes.Status404NotFound, $"项目 {id} 不存在 (no such listing)");
        }
        return TypedResults.Ok(await matches.FindAsync(listing.View, cancellationToken));
    }
}
