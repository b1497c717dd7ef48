using BashuCloud.Listings;
using BashuCloud.Regions;
using BashuCloud.Text;
using Orleans.Concurrency;

namespace BashuCloud.Platforms;

[GenerateSerializer, Alias("bashu.PlatformKind")]
public enum PlatformKind
{
    /// <summary>A provincial platform: 天府科技云 (sichuan) or 巴蜀科技云·重庆 (chongqing).</summary>
    Provincial = 1,
    /// <summary>A partner platform such as 科创中国 (kczg), a city platform or a university office.</summary>
    Partner = 2,
}

[GenerateSerializer, Immutable, Alias("bashu.PlatformRegistration")]
public sealed record PlatformRegistration(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? NameEn,
    [property: Id(2)] PlatformKind? Kind,
    [property: Id(3)] Region? HomeRegion,
    [property: Id(4)] string? Url);

[GenerateSerializer, Immutable, Alias("bashu.PlatformView")]
public sealed record PlatformView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string? NameEn,
    [property: Id(3)] PlatformKind Kind,
    [property: Id(4)] Region HomeRegion,
    [property: Id(5)] string? Url,
    [property: Id(6)] int Version,
    [property: Id(7)] DateTimeOffset CreatedAt);

public static class PlatformRules
{
    public static IReadOnlyDictionary<string, string[]> Validate(string id, PlatformRegistration registration)
    {
        var errors = new Dictionary<string, string[]>();
        if (!ListingRules.IsPlatformId(id)) errors["id"] = ["平台标识应为小写字母、数字和连字符 (lower-case letters, digits and hyphens)"];
        else if (Principals.Reserved.Contains(id)) errors["id"] = [$"{id} 是系统保留的标识 (a reserved principal id)"];
        if (string.IsNullOrWhiteSpace(registration.Name) || registration.Name.Length > 100) errors["name"] = ["必填，不超过 100 字 (required, at most 100 characters)"];
        if (registration.NameEn is { Length: > 200 }) errors["nameEn"] = ["不超过 200 字 (at most 200 characters)"];
        if (registration.Kind is not { } kind || !Enum.IsDefined(kind)) errors["kind"] = ["必填：Provincial 或 Partner (required)"];
        if (registration.HomeRegion is not { } region || !Enum.IsDefined(region)) errors["homeRegion"] = ["必填：sichuan 或 chongqing (required)"];
        else if (registration.Kind is PlatformKind.Provincial && region.Code() != id) errors["id"] = ["省级平台的标识即其所在地区 (a provincial platform's id is its region)"];
        else if (registration.Kind is PlatformKind.Partner && Regions.Regions.TryParse(id, out _)) errors["id"] = ["地区标识留给省级平台 (a region's id is its provincial platform's)"];
        if (registration.Url is { } url && (url.Length > 300 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))) errors["url"] = ["应为 http(s) 地址 (an http(s) URL)"];
        foreach (var (path, message) in TextRules.Check(("name", registration.Name), ("nameEn", registration.NameEn), ("url", registration.Url))) errors[path] = [message];
        return errors;
    }
}

/// <summary>A provincial or partner platform, keyed by its id ("sichuan", "chongqing", "kczg").</summary>
[Alias("bashu.IPlatformGrain")]
public interface IPlatformGrain : IGrainWithStringKey
{
    [Alias("register")] Task<Outcome<PlatformView>> RegisterAsync(PlatformRegistration registration, Actor actor);

    // Reads interleave with each other (never with a write, whose state is not acknowledged until it is stored).
    [Alias("get"), ReadOnly] Task<PlatformView?> GetAsync();
}
