using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Listings;
using BashuCloud.Regions;

namespace BashuCloud.Api.Listings;

/// <summary>/api/v1/listings: create, read, edit and review listings. Handlers call one grain and map its outcome.</summary>
public static class ListingEndpoints
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 100;

    /// <summary>The read cache that answers GET /api/v1/listings/{id} while the listing's grain lends it.</summary>
    public static WebApplicationBuilder AddListingReadCache(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ListingReadCache>();
        return builder;
    }

    public static RouteGroupBuilder MapListingEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/listings").WithTags("Listings").ProducesCommonProblems();
        group.MapGet("/", ListListings).AllowAnonymous().Produces<Page<ListingSummary>>()
            .WithSummary("列出项目 (list listings)").WithDescription("Newest first, from the read model. Everyone sees public listings; a key with listings:read also sees the non-public listings it is responsible for: its own, its platform's (a platform's key), its region's (a region's administrator), all (the joint administrator). Filters (status, region, kind, platformId, ownerId) only narrow that set.");
        group.MapGet("/{id}", GetListing).AllowAnonymous().Produces<ListingResponse>().WithSummary("查看项目 (get a listing)");
        var write = Scopes.Policy(Scopes.ListingsWrite);
        group.MapPost("/", CreateListing).RequireAuthorization(write).Produces<ListingResponse>(StatusCodes.Status201Created)
            .WithSummary("创建项目草稿 (create a draft listing)");
        group.MapPut("/{id}", UpdateListing).RequireAuthorization(write).Produces<ListingResponse>()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("修改项目 (update a listing; needs If-Match)");
        group.MapPost("/{id}/submit", Submit).RequireAuthorization(write).Produces<ListingResponse>().WithSummary("提交审核 (submit for review)");
        group.MapPost("/{id}/approve", Approve).RequireAuthorization(ApiKeyAuthentication.Administrator).Produces<ListingResponse>()
            .WithSummary("审核通过 (approve; region administrators)");
        group.MapPost("/{id}/reject", Reject).RequireAuthorization(ApiKeyAuthentication.Administrator).Produces<ListingResponse>()
            .WithSummary("退回 (reject with a reason; region administrators)");
        group.MapPost("/{id}/renew", Renew).RequireAuthorization(write).Produces<ListingResponse>()
            .WithSummary("续期 (renew: a later expiry date; an expired listing is published again)");
        group.MapPost("/{id}/withdraw", Withdraw).RequireAuthorization(write).Produces<ListingResponse>().WithSummary("撤回 (withdraw)");
        return group;
    }

    /// <summary>
    /// A page of the listings the caller may see: public ones for everyone, and the non-public ones the caller is
    /// responsible for (<see cref="ListingScope"/>). Filters narrow that set; none widens it, so a non-public status
    /// asked for by a reader responsible for nothing is an empty page, not another tenant's drafts.
    /// </summary>
    private static async Task<IResult> ListListings(
        string? region, string? kind, string? status, string? platformId, string? ownerId, int? limit, string? cursor,
        ClaimsPrincipal user, ListingQueries queries, CancellationToken cancellationToken)
    {
        Region? regionFilter = null;
        if (region is not null)
        {
            if (!Regions.Regions.TryParse(region, out var parsed)) return Problems.Invalid("region", "应为 sichuan 或 chongqing (sichuan or chongqing)");
            regionFilter = parsed;
        }
        if (!QueryValues.TryParse<ListingKind>(kind, out var kindFilter)) return Problems.Invalid("kind", "未知类型 (unknown kind)");
        if (!QueryValues.TryParse<ListingStatus>(status, out var statusFilter)) return Problems.Invalid("status", "未知状态 (unknown status)");
        if (platformId is not null && !ListingRules.IsPlatformId(platformId)) return Problems.Invalid("platformId", "应为平台标识，如 sichuan、kczg (a platform id)");
        if (ownerId is not null && !BashuId.IsValid(ownerId) && !ListingRules.IsPlatformId(ownerId))
        {
            return Problems.Invalid("ownerId", "应为用户或平台标识 (a user's or a platform's id)");
        }
        if (limit is < 1 or > MaxLimit) return Problems.Invalid("limit", $"应在 1–{MaxLimit} 之间 (1 to {MaxLimit})");
        string? afterId = null;
        if (cursor is not null && !Cursor.TryDecode(cursor, out afterId)) return Problems.Invalid("cursor", "无效的分页游标 (not a cursor this API issued)");

        IReadOnlyList<ListingStatus> statuses = statusFilter is { } one ? [one] : Enum.GetValues<ListingStatus>();
        var filter = new ListingFilter(ListingScope.Of(user.ToReader()), statuses, regionFilter, kindFilter, platformId, ownerId);
        return TypedResults.Ok(await queries.PageAsync(filter, limit ?? DefaultLimit, afterId, cancellationToken));
    }

    private static Task<IResult> GetListing(string id, ClaimsPrincipal user, ListingReadCache listings, HttpResponse response) =>
        ReadAsync(id, user, listings, response);

    /// <summary>A listing as its reader may see it (404 for one they may not), from the read cache, with its ETag.</summary>
    internal static async Task<IResult> ReadAsync(string id, ClaimsPrincipal user, ListingReadCache listings, HttpResponse response)
    {
        var reader = user.ToReader();
        if (!BashuId.IsValid(id) || await listings.GetAsync(id) is not { } listing || !ListingVisibility.CanSee(listing.View, reader))
        {
            return NotFound(id);
        }
        Versions.SetETag(response, listing.View.Version);
        // The cached body is the public one; a flagged listing is serialised again for those who see its flags.
        var json = listing.View.PossibleDuplicates is { Count: > 0 } && ListingVisibility.IsResponsible(listing.View, reader)
            ? listings.Serialize(listing.View, reader) : listing.Json;
        return TypedResults.Bytes(json, "application/json; charset=utf-8");
    }

    private static async Task<IResult> CreateListing(ListingDraft draft, ClaimsPrincipal user, IGrainFactory grains, HttpResponse response)
    {
        if (draft.Region is not { } region) return Problems.RegionRequired();
        var actor = user.RequireActor();
        var id = BashuId.New(region);
        var outcome = await grains.GetGrain<IListingGrain>(id).CreateAsync(new ListingCreation(draft, actor.PrincipalId), actor);
        if (!outcome.Succeeded) return Problems.From(outcome);
        Versions.SetETag(response, outcome.Value!.Version);
        return TypedResults.Created($"/api/v1/listings/{id}", outcome.Value.ToResponse());
    }

    private static async Task<IResult> UpdateListing(string id, ListingDraft draft, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var precondition = Versions.IfMatch(request);
        if (!precondition.Present) return Problems.Status(StatusCodes.Status428PreconditionRequired, "修改需要 If-Match 头，值为 GET 返回的 ETag (send the ETag from GET in If-Match)");
        if (precondition.Malformed) return Problems.Invalid("If-Match", "应为 ETag，如 \"3\" (an ETag such as \"3\")");
        if (!BashuId.IsValid(id)) return NotFound(id);
        return Map(await grains.GetGrain<IListingGrain>(id).UpdateAsync(draft, precondition.Version, user.RequireActor()), request.HttpContext.Response);
    }

    /// <summary>Into review, flagged with the listings it may duplicate (looked up here, in the read model: the grain stays pure).</summary>
    private static Task<IResult> Submit(
        string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, ListingDuplicates duplicates, CancellationToken cancellationToken) =>
        Step(id, request, grains, async (grain, version) =>
        {
            var listing = await grain.GetAsync();
            IReadOnlyList<string> flagged = listing is { Status: ListingStatus.Draft } ? await duplicates.FindAsync(listing, cancellationToken) : [];
            return await grain.SubmitAsync(version, user.RequireActor(), flagged);
        });

    private static Task<IResult> Approve(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, grains, (grain, version) => grain.ApproveAsync(version, user.RequireActor()));

    private static Task<IResult> Reject(string id, ReasonRequest body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, grains, (grain, version) => grain.RejectAsync(body.Reason ?? "", version, user.RequireActor()));

    private static Task<IResult> Withdraw(string id, ReasonRequest? body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, grains, (grain, version) => grain.WithdrawAsync(body?.Reason, version, user.RequireActor()));

    private static Task<IResult> Renew(string id, RenewRequest body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        body.ExpiresOn is not { } expiresOn
            ? Task.FromResult(Problems.Unprocessable(new Dictionary<string, string[]> { ["expiresOn"] = ["必填：新的有效期，如 2027-12-31 (required: the new expiry date)"] }))
            : Step(id, request, grains, (grain, version) => grain.RenewAsync(expiresOn, version, user.RequireActor()));

    /// <summary>A lifecycle step: If-Match is optional here, and checked when given.</summary>
    private static Task<IResult> Step(
        string id, HttpRequest request, IGrainFactory grains, Func<IListingGrain, int?, Task<Outcome<ListingView>>> step) =>
        GrainSteps.RunAsync(id, request, version => step(grains.GetGrain<IListingGrain>(id), version), listing => listing.Version, NotFound,
            listing => listing.ToResponse());

    private static IResult Map(Outcome<ListingView> outcome, HttpResponse response)
    {
        if (!outcome.Succeeded) return Problems.From(outcome);
        Versions.SetETag(response, outcome.Value!.Version);
        return TypedResults.Ok(outcome.Value.ToResponse());
    }

    private static IResult NotFound(string id) => Problems.Status(StatusCodes.Status404NotFound, $"项目 {id} 不存在 (no such listing)");
}
