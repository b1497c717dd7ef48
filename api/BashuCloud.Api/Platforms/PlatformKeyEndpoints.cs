using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Platforms;

namespace BashuCloud.Api.Platforms;

/// <summary>A key to issue: its scopes and a label that says where it is used.</summary>
public sealed record KeyRequest(IReadOnlyList<string>? Scopes, string? Label);

/// <summary>How long the replaced key keeps working after a rotation (default one day, at most 30).</summary>
public sealed record RotationRequest(int? OverlapSeconds);

public sealed record RotatedKeyResponse(PlatformKey Key, string ApiKey, PlatformKey Replaced);

/// <summary>
/// /api/v1/platforms/{id}/keys: the credentials of a platform's system. An administrator of the platform's home
/// region (or a joint administrator) issues, lists, rotates and revokes them, granting only scopes its own key holds;
/// a key is shown once, when issued. Any key, a platform's or not, is also revoked by DELETE /api/v1/keys/{keyId}.
/// </summary>
public static class PlatformKeyEndpoints
{
    public const int LabelMax = 100;
    public static readonly TimeSpan DefaultOverlap = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaxOverlap = TimeSpan.FromDays(30);

    public static RouteGroupBuilder MapPlatformKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/platforms/{id}/keys").WithTags("Platform keys").ProducesCommonProblems()
            .RequireAuthorization(ApiKeyAuthentication.Administrator);
        group.MapPost("/", Issue).Produces<IssuedKey>(StatusCodes.Status201Created)
            .WithSummary("签发平台密钥 (issue a key to a platform; shown once)");
        group.MapGet("/", List).Produces<IReadOnlyList<PlatformKey>>().WithSummary("列出平台密钥 (list a platform's keys, never the keys themselves)");
        group.MapPost("/{keyId}/rotate", Rotate).Produces<RotatedKeyResponse>(StatusCodes.Status201Created)
            .WithSummary("轮换密钥 (issue a successor; the old key works for the overlap, one day by default)");
        group.MapDelete("/{keyId}", Revoke).Produces(StatusCodes.Status204NoContent).WithSummary("吊销密钥 (revoke a key at once)");
        return group;
    }

    private static async Task<IResult> Issue(
        string id, KeyRequest request, ClaimsPrincipal user, IGrainFactory grains, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var (platform, problem) = await ManagedPlatformAsync(id, user, grains);
        if (problem is not null) return problem;
        var errors = Validate(platform!, request);
        if (errors.Count > 0) return Problems.Unprocessable(errors);
        if (user.Missing(request.Scopes!) is { Count: > 0 } missing) return Problems.Status(StatusCodes.Status403Forbidden, Scopes.BeyondOwn(missing));
        var issued = await keys.IssueAsync(platform!, [.. request.Scopes!.Distinct()], request.Label?.Trim() is { Length: > 0 } label ? label : "api", cancellationToken);
        return TypedResults.Created($"/api/v1/platforms/{id}/keys/{issued.Key.KeyId}", issued);
    }

    private static async Task<IResult> List(string id, ClaimsPrincipal user, IGrainFactory grains, ApiKeyStore keys, CancellationToken cancellationToken) =>
        await ManagedPlatformAsync(id, user, grains) is { Problem: { } problem } ? problem : TypedResults.Ok(await keys.ListAsync(id, cancellationToken));

    private static async Task<IResult> Rotate(
        string id, string keyId, RotationRequest? request, ClaimsPrincipal user, IGrainFactory grains, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var (platform, problem) = await ManagedPlatformAsync(id, user, grains);
        if (problem is not null) return problem;
        var overlap = request?.OverlapSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultOverlap;
        if (overlap < TimeSpan.Zero || overlap > MaxOverlap)
        {
            return Problems.Unprocessable(new Dictionary<string, string[]> { ["overlapSeconds"] = [$"应在 0–{(int)MaxOverlap.TotalSeconds} 之间 (0 to 30 days)"] });
        }
        // A successor is a key issued anew: with scopes the caller holds itself, as when issuing one.
        if ((await keys.ListAsync(id, cancellationToken)).FirstOrDefault(k => k.KeyId == keyId) is { } old && user.Missing(old.Scopes) is { Count: > 0 } missing)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, Scopes.BeyondOwn(missing));
        }
        return await keys.RotateAsync(platform!, keyId, overlap, cancellationToken) is { } rotated
            ? TypedResults.Created($"/api/v1/platforms/{id}/keys/{rotated.Successor.Key.KeyId}", new RotatedKeyResponse(rotated.Successor.Key, rotated.Successor.ApiKey, rotated.Replaced))
            : NoSuchKey(keyId, "或已失效 (or it no longer works)");
    }

    private static async Task<IResult> Revoke(string id, string keyId, ClaimsPrincipal user, IGrainFactory grains, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        if (await ManagedPlatformAsync(id, user, grains) is { Problem: { } problem }) return problem;
        return await keys.RevokeAsync(id, keyId, cancellationToken) is null ? NoSuchKey(keyId, "") : TypedResults.NoContent();
    }

    /// <summary>The platform, if it exists and the caller manages it (<see cref="Actor.ManagesPlatform"/>); otherwise the problem to answer.</summary>
    private static async Task<(PlatformView? Platform, IResult? Problem)> ManagedPlatformAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (await grains.FindPlatformAsync(id) is not { } platform) return (null, PlatformEndpoints.NoSuchPlatform(id));
        return user.RequireActor().ManagesPlatform(id)
            ? (platform, null)
            : (null, Problems.Status(StatusCodes.Status403Forbidden,
                "只有川渝联合管理员可以管理平台密钥：平台密钥可读写该平台在两地的全部项目 (only the joint administrator: a platform's key reaches the platform's listings in both provinces)"));
    }

    /// <summary>
    /// Scopes must be known and not empty. admin goes only to a provincial platform's node, whose key then acts as an
    /// administrator of its region; a partner platform's key never administers anything.
    /// </summary>
    public static Dictionary<string, string[]> Validate(PlatformView platform, KeyRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Scopes is not { Count: > 0 } scopes)
        {
            errors["scopes"] = ["至少一项：" + string.Join(", ", Scopes.All) + " (at least one)"];
        }
        else if (scopes.FirstOrDefault(s => !Scopes.All.Contains(s)) is { } unknown)
        {
            errors["scopes"] = [$"未知权限 {unknown}；可选 " + string.Join(", ", Scopes.All) + " (unknown scope)"];
        }
        else if (scopes.Contains(Scopes.Admin) && platform.Kind is not PlatformKind.Provincial)
        {
            errors["scopes"] = ["admin 只签发给省级平台节点 (admin is issued to provincial platforms only)"];
        }
        if (request.Label is { Length: > LabelMax }) errors["label"] = [$"不能超过 {LabelMax} 字 (at most {LabelMax} characters)"];
        return errors;
    }

    private static IResult NoSuchKey(string keyId, string more) =>
        Problems.Status(StatusCodes.Status404NotFound, $"没有密钥 {keyId}{more} (no such key)");
}
