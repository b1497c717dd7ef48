using System.Security.Claims;
using BashuCloud.Users;

namespace BashuCloud.Api.Auth;

/// <summary>
/// What a key may do. A platform's key carries the scopes it was issued with; a user's key (and the bootstrap
/// administrator's) may do everything its role allows, so it carries every scope but admin, which only
/// administrators have. The grains still decide which objects a caller may touch; scopes only narrow that down.
/// </summary>
public static class Scopes
{
    public const string ListingsRead = "listings:read";
    public const string ListingsWrite = "listings:write";
    public const string ChangesRead = "changes:read";
    public const string StatsRead = "stats:read";
    public const string Admin = "admin";

    public const string ClaimType = "scope";

    public static readonly IReadOnlyList<string> All = [ListingsRead, ListingsWrite, ChangesRead, StatsRead, Admin];

    /// <summary>The scopes of a key issued without any: a user's or an administrator's own key.</summary>
    public static IReadOnlyList<string> ImpliedBy(UserRole role) => role is UserRole.Administrator ? All : [.. All.Where(s => s != Admin)];

    /// <summary>The name of the authorization policy that requires <paramref name="scope"/>.</summary>
    public static string Policy(string scope) => "scope:" + scope;

    public static bool Has(this ClaimsPrincipal user, string scope) => user.HasClaim(ClaimType, scope);

    /// <summary>
    /// The scopes of <paramref name="granted"/> the caller does not hold itself: a key issues keys (a platform's, a new
    /// user's) only with scopes it has, so a narrow key cannot mint a wider one. Empty when it may.
    /// </summary>
    public static IReadOnlyList<string> Missing(this ClaimsPrincipal user, IEnumerable<string> granted) => [.. granted.Distinct().Where(scope => !user.Has(scope))];

    /// <summary>The refusal (403) of a grant beyond the caller's own scopes.</summary>
    public static string BeyondOwn(IReadOnlyList<string> missing) =>
        $"密钥只能授予自身拥有的权限，缺少 {string.Join(", ", missing)} (a key grants only scopes it holds itself)";
}
