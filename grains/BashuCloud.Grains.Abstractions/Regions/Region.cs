using System.Text.Json.Serialization;

namespace BashuCloud.Regions;

/// <summary>The two regions of the joint platform. Every grain key that carries one is homed there.</summary>
[GenerateSerializer, Alias("bashu.Region")]
public enum Region
{
    [JsonStringEnumMemberName("sichuan")] Sichuan = 1,
    [JsonStringEnumMemberName("chongqing")] Chongqing = 2,
}

public static class Regions
{
    public static IReadOnlyList<Region> All { get; } = [Region.Sichuan, Region.Chongqing];

    /// <summary>The lower-case name used in ids, configuration and silo metadata.</summary>
    public static string Code(this Region region) => region switch
    {
        Region.Sichuan => "sichuan",
        Region.Chongqing => "chongqing",
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, null),
    };

    public static string DisplayName(this Region region) => region switch
    {
        Region.Sichuan => "四川",
        Region.Chongqing => "重庆",
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, null),
    };

    public static bool TryParse(string? code, out Region region)
    {
        switch (code)
        {
            case "sichuan": region = Region.Sichuan; return true;
            case "chongqing": region = Region.Chongqing; return true;
            default: region = default; return false;
        }
    }

    /// <summary>
    /// The home region a grain key carries: "sichuan", "sichuan-…" or "sichuan/…". Keys without one
    /// (a partner platform such as "kczg") have no home and may live anywhere.
    /// </summary>
    public static Region? OfKey(string key)
    {
        foreach (var region in All)
        {
            var code = region.Code();
            if (key.StartsWith(code, StringComparison.Ordinal)
                && (key.Length == code.Length || key[code.Length] is '-' or '/'))
            {
                return region;
            }
        }
        return null;
    }
}
