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

    /// <summary>The If-Match header: absent, "*" (any version), or one strong ETag.</summary>
    public readonly record struct Precondition(bool Present, int? Version, bool Malformed);

    public static Precondition IfMatch(HttpRequest request)
    {
        var header = request.Headers[HeaderNames.IfMatch].ToString().Trim();
        if (header.Length == 0) return new(false, null, false);
        if (header == "*") return new(true, null, false);
        if (header.Length > 2 && header[0] == '"' && header[^1] == '"'
            && int.TryParse(header.AsSpan(1, header.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return new(true, version, false);
        }
        return new(true, null, true);
    }

    public static void SetETag(HttpResponse response, int version) => response.Headers.ETag = ETag(version);
}
