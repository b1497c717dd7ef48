using System.Text.Json.Serialization;
using BashuCloud.Regions;
using PlatformDecision = BashuCloud.Decision<BashuCloud.Platforms.PlatformState, BashuCloud.Platforms.PlatformView>;

namespace BashuCloud.Platforms;

/// <summary>A platform's stored registration and the decisions about it.</summary>
// Stored as JSON; also Orleans-serializable, so that a migration (going home) hands the state to the new
// activation instead of failing to and leaving it to read the row again.
[GenerateSerializer, Immutable, Alias("bashu.PlatformState")]
internal sealed record PlatformState
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public string? NameEn { get; init; }
    [Id(3)] public PlatformKind Kind { get; init; }
    [Id(4)] public Region HomeRegion { get; init; }
    [Id(5)] public string? Url { get; init; }
    [Id(6)] public int Version { get; init; }
    [Id(7)] public DateTimeOffset CreatedAt { get; init; }

    [JsonIgnore] public bool Exists => Version > 0;

    public PlatformView ToView() => new(Id, Name, NameEn, Kind, HomeRegion, Url, Version, CreatedAt);

    public PlatformDecision Register(string id, PlatformRegistration registration, Actor actor, DateTimeOffset now)
    {
        if (Exists) return PlatformDecision.Refuse(this, Refusal.AlreadyExists, $"平台 {id} 已存在 (platform exists)");
        var errors = PlatformRules.Validate(id, registration);
        if (errors.Count > 0) return PlatformDecision.Invalid(this, errors);
        if (!actor.IsAdministratorOf(registration.HomeRegion!.Value))
        {
            return PlatformDecision.Refuse(this, Refusal.Forbidden, "只有管理员可以登记平台 (only an administrator may register a platform)");
        }
        var next = new PlatformState
        {
            Id = id,
            Name = registration.Name!.Trim(),
            NameEn = registration.NameEn?.Trim(),
            Kind = registration.Kind!.Value,
            HomeRegion = registration.HomeRegion.Value,
            Url = registration.Url,
            Version = 1,
            CreatedAt = now,
        };
        return new(next, Outcome<PlatformView>.Ok(next.ToView()));
    }
}
