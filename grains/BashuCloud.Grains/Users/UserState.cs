using System.Text.Json.Serialization;
using BashuCloud.Regions;
using UserDecision = BashuCloud.Decision<BashuCloud.Users.UserState, BashuCloud.Users.UserView>;

namespace BashuCloud.Users;

/// <summary>A user's stored profile and the decisions about it.</summary>
// Stored as JSON; also Orleans-serializable, so that a migration (going home) hands the state to the new
// activation instead of failing to and leaving it to read the row again.
[GenerateSerializer, Immutable, Alias("bashu.UserState")]
internal sealed record UserState
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string DisplayName { get; init; } = "";
    [Id(2)] public UserRole Role { get; init; }
    [Id(3)] public Region Region { get; init; }
    [Id(4)] public string? Organization { get; init; }
    [Id(5)] public string? City { get; init; }
    [Id(6)] public int Version { get; init; }
    [Id(7)] public DateTimeOffset CreatedAt { get; init; }

    [JsonIgnore] public bool Exists => Version > 0;

    public UserView ToView() => new(Id, DisplayName, Role, Region, Organization, City, Version, CreatedAt);

    public UserDecision Register(string id, UserRegistration registration, Actor actor, DateTimeOffset now)
    {
        if (Exists) return UserDecision.Refuse(this, Refusal.AlreadyExists, $"用户 {id} 已存在 (user exists)");
        var errors = UserRules.Validate(registration);
        if (errors.Count > 0) return UserDecision.Invalid(this, errors);
        var region = registration.Region!.Value;
        if (Regions.Regions.OfKey(id) != region)
        {
            return UserDecision.Invalid(this, new Dictionary<string, string[]> { ["region"] = ["与编号所属地区不一致 (does not match the id's region)"] });
        }
        if (!actor.IsAdministratorOf(region))
        {
            return UserDecision.Refuse(this, Refusal.Forbidden, "只有本地区管理员可以登记用户 (only an administrator of the region may register users)");
        }
        // A province's administrator would otherwise make more of its kind, each with a key it could not have issued itself.
        if (registration.Role is UserRole.Administrator && actor.Region is not null)
        {
            return UserDecision.Refuse(this, Refusal.Forbidden, "只有联合管理员可以登记管理员 (only the joint administrator registers administrators)");
        }
        var next = new UserState
        {
            Id = id,
            DisplayName = registration.DisplayName!.Trim(),
            Role = registration.Role!.Value,
            Region = region,
            Organization = registration.Organization?.Trim(),
            City = registration.City?.Trim(),
            Version = 1,
            CreatedAt = now,
        };
        return new(next, Outcome<UserView>.Ok(next.ToView()));
    }
}
