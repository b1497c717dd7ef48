using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Listings;
using BashuCloud.Listings;
using BashuCloud.Api.Platforms;

namespace BashuCloud.Api.Partners;

/// <summary>
/// /api/v1/partners/{partnerId}/listings/{externalId}: a platform pushes its listings under its own ids. Pushing
/// is idempotent: the first push creates the listing (201), the next ones update it (200), and the same content
/// again makes no new version.
/// </summary>
public static class PartnerListingEndpoints
{
    public static RouteGroupBuilder MapPartnerListingEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/partners/{partnerId}/listings").WithTags("Partner sync").ProducesCommonProblems();
        group.MapPut("/{externalId}", Upsert).RequireAuthorization(Scopes.Policy(Scopes.ListingsWrite))
            .Produces<ListingResponse>().Produces<ListingResponse>(StatusCodes.Status201Created)
            .WithSummary("按外部编号推送项目 (create or update a listing under the platform's own id; idempotent)")
            .WithDescription("The platform's key (listings:write) or an administrator of the listing's region. platformId may be left out; it is the partner's.");
        group.MapGet("/{externalId}", Get).AllowAnonymous().Produces<ListingResponse>()
            .WithSummary("按外部编号查看项目 (get a listing by the platform's own id)");
        return group;
    }

    private static async Task<IResult> Upsert(string partnerId, string externalId, ListingDraft draft, ClaimsPrincipal user, IGrainFactory grains, HttpResponse response)
    {
        if (await UnknownPartnerAsync(partnerId, grains) is { } unknown) return unknown;
        if (!ExternalIds.IsValid(externalId)) return InvalidExternalId();
        var outcome = await grains.GetGrain<IExternalListingGrain>(ExternalIds.Key(partnerId, externalId)).UpsertAsync(draft, user.RequireActor());
        if (!outcome.Succeeded) return Problems.From(outcome);
        var (listing, created) = outcome.Value!;
        Versions.SetETag(response, listing.Version);
        return created ? TypedResults.Created($"/api/v1/listings/{listing.Id}", listing.ToResponse()) : TypedResults.Ok(listing.ToResponse());
    }

    private static async Task<IResult> Get(string partnerId, string externalId, ClaimsPrincipal user, IGrainFactory grains, ListingReadCache listings, HttpResponse response)
    {
        if (await UnknownPartnerAsync(partnerId, grains) is { } unknown) return unknown;
        if (!ExternalIds.IsValid(externalId)) return InvalidExternalId();
        return await grains.GetGrain<IExternalListingGrain>(ExternalIds.Key(partnerId, externalId)).ListingIdAsync() is { } id
            ? await ListingEndpoints.ReadAsync(id, user, listings, response)
            : Problems.Status(StatusCodes.Status404NotFound, $"平台 {partnerId} 没有外部编号为 {externalId} 的项目 (no such listing)");
    }

    private static async Task<IResult?> UnknownPartnerAsync(string partnerId, IGrainFactory grains) =>
        await grains.FindPlatformAsync(partnerId) is null ? PlatformEndpoints.NoSuchPlatform(partnerId) : null;

    private static IResult InvalidExternalId() =>
        Problems.Invalid("externalId", $"外部编号应为 1–{ExternalIds.MaxLength} 个字母、数字或 . _ : - (1 to {ExternalIds.MaxLength} letters, digits, . _ : -)");
}
