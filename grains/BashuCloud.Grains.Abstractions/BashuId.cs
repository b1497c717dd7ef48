using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using BashuCloud.Regions;

namespace BashuCloud;

/// <summary>
/// Entity ids: "{region}-{ULID}", e.g. "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A". URL-safe, sortable by creation
/// time, and never all digits (the ADO.NET storage can confuse "020235" and "20235").
/// </summary>
public static partial class BashuId
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New(Region region) => New(region, DateTimeOffset.UtcNow);

    public static string New(Region region, DateTimeOffset time)
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        return Compose(region, time.ToUnixTimeMilliseconds(), random);
    }

    /// <summary>A stable id for seed data, so that loading the seeds twice creates nothing new.</summary>
    public static string FromSeed(Region region, string seedKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seedKey));
        // A fixed timestamp (2020-12-10, the first joint academic conference) keeps seeds ordered before live data.
        return Compose(region, new DateTimeOffset(2020, 12, 10, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), hash.AsSpan(0, 10));
    }

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>The region an id was issued in, or null when the text is not an id.</summary>
    public static Region? RegionOf(string? id) => IsValid(id) ? Regions.Regions.OfKey(id!) : null;

    private static string Compose(Region region, long unixMilliseconds, ReadOnlySpan<byte> random)
    {
        // 48-bit time then 80 random bits, 5 bits per character: 10 + 16 characters.
        var chars = new char[26];
        var time = unixMilliseconds;
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Crockford[(int)(time & 31)];
            time >>= 5;
        }
        var bits = new System.Numerics.BigInteger(random, isUnsigned: true, isBigEndian: true);
        for (var i = 25; i >= 10; i--)
        {
            chars[i] = Crockford[(int)(bits & 31)];
            bits >>= 5;
        }
        return $"{region.Code()}-{new string(chars)}";
    }

    [GeneratedRegex("^(sichuan|chongqing)-[0-9A-HJKMNP-TV-Z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
