using BashuCloud.Regions;
using BashuCloud.Text;
using Orleans.Concurrency;

namespace BashuCloud.Users;

/// <summary>A new user's profile as received; <see cref="UserRules.Validate"/> says what must be present.</summary>
[GenerateSerializer, Immutable, Alias("bashu.UserRegistration")]
public sealed record UserRegistration(
    [property: Id(0)] string? DisplayName,
    [property: Id(1)] UserRole? Role,
    [property: Id(2)] Region? Region,
    [property: Id(3)] string? Organization,
    [property: Id(4)] string? City);

[GenerateSerializer, Immutable, Alias("bashu.UserView")]
public sealed record UserView(
    [property: Id(0)] string Id,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] UserRole Role,
    [property: Id(3)] Region Region,
    [property: Id(4)] string? Organization,
    [property: Id(5)] string? City,
    [property: Id(6)] int Version,
    [property: Id(7)] DateTimeOffset CreatedAt);

public static class UserRules
{
    public const int DisplayNameMax = 60;
    public const int OrganizationMax = 100;
    public const int CityMax = 40;

    /// <summary>The roles a user can have: every role but <see cref="UserRole.Platform"/>, which only keys issued to platforms carry.</summary>
    public static readonly IReadOnlyList<UserRole> Roles = [.. Enum.GetValues<UserRole>().Where(r => r is not UserRole.Platform)];

    public static IReadOnlyDictionary<string, string[]> Validate(UserRegistration registration)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(registration.DisplayName)) errors["displayName"] = ["不能为空 (must not be empty)"];
        else if (registration.DisplayName.Length > DisplayNameMax) errors["displayName"] = [$"不能超过 {DisplayNameMax} 字 (at most {DisplayNameMax} characters)"];
        if (registration.Role is not { } role || !Enum.IsDefined(role)) errors["role"] = ["必填 (required)"];
        else if (!Roles.Contains(role)) errors["role"] = ["平台密钥在 /api/v1/platforms/{id}/keys 签发，不是用户角色 (platform keys are issued under /api/v1/platforms/{id}/keys)"];
        if (registration.Region is not { } region || !Enum.IsDefined(region)) errors["region"] = ["必填：sichuan 或 chongqing (required)"];
        if (registration.Organization is { Length: > OrganizationMax }) errors["organization"] = [$"不能超过 {OrganizationMax} 字 (at most {OrganizationMax} characters)"];
        if (registration.City is { Length: > CityMax }) errors["city"] = [$"不能超过 {CityMax} 字 (at most {CityMax} characters)"];
        foreach (var (path, message) in TextRules.Check(("displayName", registration.DisplayName), ("organization", registration.Organization), ("city", registration.City)))
        {
            errors[path] = [message];
        }
        return errors;
    }
}

/// <summary>One user, keyed by id ("chongqing-01J…").</summary>
[Alias("bashu.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    [Alias("register")] Task<Outcome<UserView>> RegisterAsync(UserRegistration registration, Actor actor);

    // Reads interleave with each other (never with a write, whose state is not acknowledged until it is stored).
    [Alias("get"), ReadOnly] Task<UserView?> GetAsync();
}
