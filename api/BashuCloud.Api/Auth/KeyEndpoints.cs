using System.Security.Claims;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Users;

namespace BashuCloud.Api.Auth;

/// <summary>
/// /api/v1/keys/{keyId}: the one way to revoke any key, a user's, an administrator's, a platform's or the bootstrap
/// administrator's (./bashu keys revoke is the same for an operator with the database). Effective at once in every API
/// process: each looks its callers' keys up in PostgreSQL on every request, and no process keeps a copy.
/// </summary>
public static class KeyEndpoints
{
    public static RouteGroupBuilder MapKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/keys").WithTags("Keys").ProducesCommonProblems().RequireAuthorization();
        group.MapDelete("/{keyId}", Revoke).Produces(StatusCodes.Status204NoContent)
            .WithSummary("吊销任一密钥 (revoke any key at once: one's own, or one an administrator could have issued)");
        return group;
    }

    private static async Task<IResult> Revoke(string keyId, ClaimsPrincipal user, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        if (await keys.FindByIdAsync(keyId, cancellationToken) is not { } key) return NoSuchKey(keyId);
        if (!MayRevoke(user, key))
        {
            return Problems.Status(StatusCodes.Status403Forbidden,
                "只能吊销自己的密钥，或自己有权签发的密钥 (only one's own key, or a key one could have issued: its region's administrator; the joint administrator for administrators' keys)");
        }
        return await keys.RevokeAsync(null, keyId, cancellationToken) is null ? NoSuchKey(keyId) : TypedResults.NoContent();
    }

    /// <summary>
    /// Whether the caller may revoke the key: its own, always (a key that leaked is stopped by whoever holds it); any
    /// other, as the administrator who could have issued it: of the platform's home region for a platform's key, of the
    /// user's region for a user's; an administrator's own key and the bootstrap key, only the joint administrator's.
    /// </summary>
    public static bool MayRevoke(ClaimsPrincipal user, StoredKey key)
    {
        if (user.FindFirstValue(ApiKeyAuthentication.KeyIdClaim) == key.Key.KeyId) return true;
        if (!user.Has(Scopes.Admin) || user.ToActor() is not { IsAdministrator: true } caller) return false;
        if (key.PlatformId is null && key.Actor.Role is UserRole.Administrator) return caller.Region is null;
        return key.Actor.Region is { } region ? caller.IsAdministratorOf(region) : caller.Region is null;
    }

    private static IResult NoSuchKey(string keyId) => Problems.Status(StatusCodes.Status404NotFound, $"没有密钥 {keyId} (no such key)");
}
