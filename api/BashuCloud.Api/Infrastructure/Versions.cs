using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace BashuCloud.Api.Infrastructure;

/// <summary>
/// Optimistic concurrency over HTTP: an entity's version is its ETag ("3"), and a change names the version it
/// was based on in If-Match. A stale version is 412; an update without one is 428.
/// </summary>
public static class Versions
{
    public static string ETag(int version) => $"\"{version}\"";

    /// <summary>
    /// A version no entity ever has (they count from 0): what a weak ETag asks for, since If-Match compares strongly
    /// (RFC 9110 §13.1.1) and a weak tag never matches, so the step is refused with 412 like a stale version.
    /// </summary>
    public const int NeverMatches = -1;

    /// <summary>The If-Match header: absent, "*" (any version), one strong ETag, or one weak one (never matching).</summary>
    public readonly record struct Precondition(bool Present, int? Version, bool Malformed);

    public static Precondition IfMatch(HttpRequest request)
    {
        // Only HTTP's whitespace (RFC 9110 §5.6.3): string.Trim() would also drop controls such as U+001F and accept "1"␟.
        var header = request.Headers[HeaderNames.IfMatch].ToString().Trim([' ', '\t']);
        if (header.Length == 0) return new(false, null, false);
        if (header == "*") return new(true, null, false);
        var weak = header.StartsWith("W/", StringComparison.Ordinal);
        if (StrongVersion(weak ? header.AsSpan(2) : header) is { } version) return new(true, weak ? NeverMatches : version, false);
        return new(true, null, true);
    }

    private static int? StrongVersion(ReadOnlySpan<char> tag) =>
        tag.Length > 2 && tag[0] == '"' && tag[^1] == '"'
        && int.TryParse(tag[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;

    public static void SetETag(HttpResponse response, int version) => response.Headers.ETag = ETag(version);
}
