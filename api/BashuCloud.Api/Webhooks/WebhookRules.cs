using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BashuCloud.Api.Changes;
using BashuCloud.Listings;

namespace BashuCloud.Api.Webhooks;

/// <summary>The event types a platform can subscribe to.</summary>
public static class WebhookEvents
{
    /// <summary>A listing the platform may see changed (created, edited, reviewed, published, withdrawn…): its newest state.</summary>
    public const string ListingChanged = "listing.changed";

    /// <summary>A listing the platform saw published is no longer visible to it (withdrawn, or back in review after an edit).</summary>
    public const string ListingRemoved = "listing.removed";

    /// <summary>A listing reached its expiry date unrenewed: its newest state is Expired (the owner's cue to renew it).</summary>
    public const string ListingExpired = "listing.expired";

    public static readonly IReadOnlyList<string> All = [ListingChanged, ListingRemoved, ListingExpired];

    /// <summary>
    /// The event a change makes for a platform, or null when it concerns nothing the platform could have seen: other
    /// platforms' drafts make no event at all, where the change feed shows them as tombstones.
    /// </summary>
    public static string? For(ListingChange change, Actor platform) => change.Listing switch
    {
        null => ListingRemoved,
        { } view when ListingVisibility.CanSee(view, platform) => ListingChanged,
        { PublishedAt: not null } => ListingRemoved,
        _ => null,
    };

    /// <summary>
    /// The one event a subscription gets for a change (one delivery per change, whatever it subscribed to): an expiry
    /// is listing.expired for a subscription to it, otherwise the listing.changed it also is.
    /// </summary>
    public static string? For(ListingChange change, Actor platform, IReadOnlyCollection<string> subscribed)
    {
        var type = For(change, platform);
        if (type is ListingChanged && change.Listing!.Status is ListingStatus.Expired && subscribed.Contains(ListingExpired)) return ListingExpired;
        return type is not null && subscribed.Contains(type) ? type : null;
    }

    /// <summary>The delivery's id: the same for the same subscription and change, so dispatching a change twice makes one delivery.</summary>
    public static string DeliveryId(string subscriptionId, ChangeEntry entry) =>
        "whd_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{subscriptionId}\n{entry.Id}\n{entry.Version}\n{entry.Tombstone}")))[..32];
}

/// <summary>
/// The signature on every delivery, after the Standard Webhooks convention: HMAC-SHA256 over "{id}.{timestamp}.{body}"
/// with the subscription's secret, sent as "v1,{base64}". Receivers check it and refuse old timestamps (replays).
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }
}

/// <summary>When to try a failed delivery again: exponential backoff with jitter, so receivers coming back are not stampeded.</summary>
public static class WebhookRetries
{
    /// <summary>
    /// The next attempt's time after <paramref name="attemptsMade"/> failed attempts, or null when the delivery has
    /// failed for good. <paramref name="jitter"/>, a number in [0, 1), spreads the wait over ±20%.
    /// </summary>
    public static DateTimeOffset? NextAttempt(int attemptsMade, DateTimeOffset now, WebhookSettings settings, double jitter)
    {
        if (attemptsMade >= settings.MaxAttempts) return null;
        var seconds = Math.Min(settings.RetryBaseSeconds * Math.Pow(2, attemptsMade - 1), settings.MaxRetryDelaySeconds);
        return now + TimeSpan.FromSeconds(seconds * (0.8 + (0.4 * jitter)));
    }
}

/// <summary>Where deliveries may go. A webhook URL must never reach into the network the API runs in.</summary>
public static class WebhookTargets
{
    public const int MaxUrlLength = 2000;

    /// <summary>Why <paramref name="url"/> cannot receive webhooks, or null when it can (its host's addresses are checked again at each connection).</summary>
    public static string? Refuse(string? url, bool allowLocal)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return $"应为不超过 {MaxUrlLength} 字符的绝对网址 (an absolute URL of at most {MaxUrlLength} characters)";
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowLocal && uri.Scheme == Uri.UriSchemeHttp)) return "只接受 https 网址 (https only)";
        if (uri.UserInfo.Length > 0) return "网址中不能含用户名或密码 (no user name or password in the URL)";
        if (uri.Fragment.Length > 0) return "网址中不能含片段 (no #fragment)";
        if (!allowLocal && (uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost, out var address) && !IsPublic(address))))
        {
            return "不能指向本机或内网地址 (must not point at loopback or private addresses)";
        }
        return null;
    }

    /// <summary>
    /// Globally reachable unicast addresses only: nothing in the IANA special-purpose registries that is not globally
    /// reachable (loopback, private, shared CGNAT, link-local, benchmarking, documentation, protocol assignments,
    /// reserved), no multicast or broadcast, and none of the IPv6 prefixes that carry or reach an IPv4 address (NAT64,
    /// 6to4, Teredo): a translator or relay would deliver those to whatever IPv4 address they embed. IPv6 is further
    /// limited to global unicast (2000::/3); an IPv4-mapped address is judged as the IPv4 address it is.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => !RefusedIPv4.Any(n => n.Contains(address)),
            AddressFamily.InterNetworkV6 => GlobalUnicastIPv6.Contains(address) && !RefusedIPv6.Any(n => n.Contains(address)),
            _ => false,
        };
    }

    private static readonly IPNetwork[] RefusedIPv4 = Networks(
        "0.0.0.0/8",          // "this network"
        "10.0.0.0/8",         // private
        "100.64.0.0/10",      // shared address space (carrier-grade NAT)
        "127.0.0.0/8",        // loopback
        "169.254.0.0/16",     // link-local, cloud metadata services
        "172.16.0.0/12",      // private
        "192.0.0.0/24",       // IETF protocol assignments (NAT64 discovery, DS-Lite…)
        "192.0.2.0/24",       // documentation (TEST-NET-1)
        "192.88.99.0/24",     // 6to4 relay anycast (deprecated)
        "192.168.0.0/16",     // private
        "198.18.0.0/15",      // benchmarking
        "198.51.100.0/24",    // documentation (TEST-NET-2)
        "203.0.113.0/24",     // documentation (TEST-NET-3)
        "224.0.0.0/4",        // multicast
        "240.0.0.0/4");       // reserved, and 255.255.255.255 broadcast

    // Outside 2000::/3 are loopback, unspecified, IPv4-compatible (::/96), NAT64 (64:ff9b::/96, 64:ff9b:1::/48),
    // discard-only (100::/64), SRv6 SIDs (5f00::/16), unique-local (fc00::/7), link-local, site-local and multicast.
    private static readonly IPNetwork GlobalUnicastIPv6 = IPNetwork.Parse("2000::/3");

    private static readonly IPNetwork[] RefusedIPv6 = Networks(
        "2001::/23",          // IETF protocol assignments: Teredo (2001::/32), benchmarking (2001:2::/48), ORCHID…
        "2001:db8::/32",      // documentation
        "2002::/16",          // 6to4
        "3fff::/20");         // documentation

    private static IPNetwork[] Networks(params string[] networks) => [.. networks.Select(IPNetwork.Parse)];
}
