using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Listings;
using BashuCloud.Platforms;
using BashuCloud.Regions;

namespace BashuCloud.Api.Platforms;

public sealed record PlatformResponse(
    string Id, string Name, string? NameEn, PlatformKind Kind, Region HomeRegion, string? Url, int Version, DateTimeOffset CreatedAt);

/// <summary>/api/v1/platforms: the provincial platforms and the partner platforms that work with them.</summary>
public static class PlatformEndpoints
{
    public static RouteGroupBuilder MapPlatformEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/platforms").WithTags("Platforms").ProducesCommonProblems();
        group.MapGet("/", ListPlatforms).AllowAnonymous().Produces<IReadOnlyList<PlatformResponse>>().WithSummary("列出平台 (list platforms)");
        group.MapGet("/{id}", GetPlatform).AllowAnonymous().Produces<PlatformResponse>().WithSummary("查看平台 (get a platform)");
        group.MapPut("/{id}", RegisterPlatform).RequireAuthorization(ApiKeyAuthentication.Administrator).Produces<PlatformResponse>(StatusCodes.Status201Created)
            .WithSummary("登记平台 (register a platform; administrators)");
        return group;
    }

    private static async Task<IResult> ListPlatforms(DirectoryQueries directory, CancellationToken cancellationToken) =>
        TypedResults.Ok(await directory.PlatformsAsync(cancellationToken));

    /// <summary>The platform with this id, or null when the id is malformed or no such platform is registered.</summary>
    public static async Task<PlatformView?> FindPlatformAsync(this IGrainFactory grains, string? id) =>
        id is not null && ListingRules.IsPlatformId(id) ? await grains.GetGrain<IPlatformGrain>(id).GetAsync() : null;

    public static IResult NoSuchPlatform(string? id) => Problems.Status(StatusCodes.Status404NotFound, $"平台 {id} 不存在 (no such platform)");

    private static async Task<IResult> GetPlatform(string id, IGrainFactory grains, HttpResponse response)
    {
        if (await grains.FindPlatformAsync(id) is not { } view) return NoSuchPlatform(id);
        Versions.SetETag(response, view.Version);
        return TypedResults.Ok(view.ToResponse());
    }

    private static async Task<IResult> RegisterPlatform(string id, PlatformRegistration registration, ClaimsPrincipal user, IGrainFactory grains, HttpResponse response)
    {
        if (!ListingRules.IsPlatformId(id)) return Problems.Invalid("id", "平台标识应为小写字母、数字和连字符 (lower-case letters, digits and hyphens)");
        var outcome = await grains.GetGrain<IPlatformGrain>(id).RegisterAsync(registration, user.RequireActor());
        if (!outcome.Succeeded) return Problems.From(outcome);
        Versions.SetETag(response, outcome.Value!.Version);
        return TypedResults.Created($"/api/v1/platforms/{id}", outcome.Value.ToResponse());
    }

    public static PlatformResponse ToResponse(this PlatformView view) =>
        new(view.Id, view.Name, view.NameEn, view.Kind, view.HomeRegion, view.Url, view.Version, view.CreatedAt);
}
