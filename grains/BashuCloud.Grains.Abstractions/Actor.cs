using BashuCloud.Regions;
using BashuCloud.Users;

namespace BashuCloud;

/// <summary>
/// Who asks for a change. The API authenticates the caller; the grain decides what the caller may do.
/// An administrator without a region administers both provinces (the joint administrator).
/// </summary>
[GenerateSerializer, Immutable, Alias("bashu.Actor")]
public sealed record Actor(
    [property: Id(0)] string PrincipalId,
    [property: Id(1)] UserRole Role,
    [property: Id(2)] Region? Region)
{
    public bool IsAdministrator => Role is UserRole.Administrator;

    public bool IsAdministratorOf(Region region) => IsAdministrator && (Region is null || Region == region);

    /// <summary>The joint administrator: the one actor who spans both provinces.</summary>
    public bool IsJointAdministrator => IsAdministrator && Region is null;

    /// <summary>
    /// Who may mint a platform's keys and webhook subscriptions: the platform's own keys (principal ids are namespaced,
    /// so only they carry the platform's id; what they may grant is their own scopes at most) or the joint
    /// administrator. Not a region's administrator: a platform's key and its subscriptions see the platform's listings
    /// in both provinces, drafts included, so minting one would reach past the administrator's own region.
    /// </summary>
    public bool ManagesPlatform(string platformId) => PrincipalId == platformId || IsJointAdministrator;

    /// <summary>A platform's system acting for that platform (its key was issued to it).</summary>
    public bool ActsFor(string? platformId) => Role is UserRole.Platform && platformId is not null && PrincipalId == platformId;
}
