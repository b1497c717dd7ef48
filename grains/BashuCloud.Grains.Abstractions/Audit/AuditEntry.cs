using BashuCloud.Users;

namespace BashuCloud.Audit;

/// <summary>
/// What one acknowledged change of a listing or a deal did, and who did it. A state keeps the entry of the change
/// that produced it (its <c>lastChange</c>); PostgreSQL copies it into the append-only audit trail in the same
/// transaction that stores the state, so the trail has exactly one entry for every version, and nothing the API can
/// call may rewrite it.
/// </summary>
/// <param name="Action">what happened, e.g. "listing.approved", "deal.offered"</param>
/// <param name="ActorId">the principal that asked for it (a user, a platform, the bootstrap administrator)</param>
/// <param name="ActorRole">that principal's role</param>
/// <param name="At">when the grain decided it</param>
/// <param name="Detail">what changed, in a few words (a reason, an amount), or null</param>
[GenerateSerializer, Immutable, Alias("bashu.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] string Action,
    [property: Id(1)] string ActorId,
    [property: Id(2)] UserRole ActorRole,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string? Detail = null)
{
    public static AuditEntry Of(string action, Actor actor, DateTimeOffset at, string? detail = null) =>
        new(action, actor.PrincipalId, actor.Role, at, detail);
}
