namespace BashuCloud;

/// <summary>
/// Who may act, by id, in one namespace: users (ids such as "sichuan-01J…", <see cref="BashuId"/>), platforms (lower-case
/// ids such as "kczg", never long enough nor upper-case enough to be a user's id) and the platform's own principals
/// below, which no platform may take: a platform called "admin" would sign its keys' work as the bootstrap administrator.
/// </summary>
public static class Principals
{
    /// <summary>The bootstrap administrator (BASHU_ADMIN_KEY).</summary>
    public const string Bootstrap = "admin";

    /// <summary>What the platform does by itself (a listing's expiry).</summary>
    public const string System = "system";

    /// <summary>The seed loader.</summary>
    public const string SeedLoader = "seed-loader";

    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal) { Bootstrap, System, SeedLoader };
}
