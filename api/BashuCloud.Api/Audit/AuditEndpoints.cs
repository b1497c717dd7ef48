using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Deals;
using BashuCloud.Listings;

namespace BashuCloud.Api.Audit;

/// <summary>
/// /api/v1/listings/{id}/history and /api/v1/deals/{id}/history: audit trails. Read-only; no method of the API
/// changes a trail.
/// </summary>
public static class AuditEndpoints
{
    private const string ListingEntity = "listing";
    private const string DealEntity = "deal";

    public static WebApplicationBuilder AddAuditTrail(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditTrail>();
        return builder;
    }

    public static RouteGroupBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/listings").WithTags("Listings").ProducesCommonProblems();
        group.MapGet("/{id}/history", ListingHistory).RequireAuthorization(Scopes.Policy(Scopes.ListingsRead)).Produces<AuditTrailResponse>()
            .WithSummary("项目审计记录 (a listing's audit trail)")
            .WithDescription("One entry per version, oldest first: the action, who asked for it (id and role), when, and a detail such as a reason. "
                + "For the owner, the listing's platform and administrators of its region; 404 when the caller may not see the listing, 403 when they may see but not audit it.");
        app.MapGroup("/api/v1/deals").WithTags("Deals").ProducesCommonProblems().MapGet("/{id}/history", DealHistory)
            .RequireAuthorization(Scopes.Policy(Scopes.ListingsRead)).Produces<AuditTrailResponse>()
            .WithSummary("交易审计记录 (a deal's audit trail)")
            .WithDescription("One entry per version of the deal, oldest first: every step, who took it, when, and what (an amount, a reason, a registration number). "
                + "For whoever may see the deal: its parties, its broker and administrators of either party's region; 404 for anyone else.");
        return group;
    }

    private static async Task<IResult> ListingHistory(string id, ClaimsPrincipal user, IGrainFactory grains, AuditTrail trail, CancellationToken cancellationToken)
    {
        var reader = user.ToReader();
        // A listing the caller may not see at all stays hidden: the same 404 as for one that does not exist.
        if (!BashuId.IsValid(id) || await grains.GetGrain<IListingGrain>(id).GetAsync() is not { } listing || !ListingVisibility.CanSee(listing, reader))
        {
            return Problems.Status(StatusCodes.Status404NotFound, $"项目 {id} 不存在 (no such listing)");
        }
        if (!ListingVisibility.IsResponsible(listing, reader))
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "只有发布者、其平台和本地区管理员可以查看审计记录 (only the owner, its platform and the region's administrators may read the audit trail)");
        }
        return TypedResults.Ok(new AuditTrailResponse(id, await trail.ReadAsync(ListingEntity, id, cancellationToken)));
    }

    private static async Task<IResult> DealHistory(string id, ClaimsPrincipal user, IGrainFactory grains, AuditTrail trail, CancellationToken cancellationToken) =>
        BashuId.IsValid(id) && await grains.GetGrain<IDealGrain>(id).GetAsync(user.RequireActor()) is not null
            ? TypedResults.Ok(new AuditTrailResponse(id, await trail.ReadAsync(DealEntity, id, cancellationToken)))
            : Problems.Status(StatusCodes.Status404NotFound, $"交易 {id} 不存在 (no such deal)");
}
