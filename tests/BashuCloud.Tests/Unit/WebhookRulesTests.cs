using System.Globalization;
using BashuCloud.Api.Changes;
using BashuCloud.Api.Webhooks;
using BashuCloud.Listings;
using BashuCloud.Users;

namespace BashuCloud.Tests.Unit;

public sealed class WebhookRulesTests
{
    private static readonly Actor Kczg = new("kczg", UserRole.Platform, null);
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(ListingStatus.Published, "other", null, "listing.changed")]
    [InlineData(ListingStatus.Draft, "kczg", null, "listing.changed")]
    [InlineData(ListingStatus.Withdrawn, "kczg", null, "listing.changed")]
    [InlineData(ListingStatus.Draft, "other", null, null)]
    [InlineData(ListingStatus.InReview, "other", null, null)]
    [InlineData(ListingStatus.InReview, "other", "2026-11-01", "listing.removed")]
    [InlineData(ListingStatus.Withdrawn, "other", "2026-11-01", "listing.removed")]
    public void A_change_makes_an_event_only_about_what_the_platform_may_see_or_saw(ListingStatus status, string platformId, string? publishedAt, string? expected)
    {
        var view = new ListingView("sichuan-x", status, 3, "sichuan-owner", Samples.Draft() with { PlatformId = platformId }, Now, Now,
            publishedAt is null ? null : DateTimeOffset.Parse(publishedAt, CultureInfo.InvariantCulture), null);
        Assert.Equal(expected, WebhookEvents.For(new ListingChange(view.Id, view.Version, view), Kczg));
    }

    [Theory]
    [InlineData(ListingStatus.Expired, new[] { "listing.changed", "listing.expired" }, "listing.expired")]
    [InlineData(ListingStatus.Expired, new[] { "listing.expired" }, "listing.expired")]
    [InlineData(ListingStatus.Expired, new[] { "listing.changed" }, "listing.changed")]
    [InlineData(ListingStatus.Expired, new[] { "listing.removed" }, null)]
    [InlineData(ListingStatus.Published, new[] { "listing.expired" }, null)]
    [InlineData(ListingStatus.Published, new[] { "listing.changed", "listing.expired" }, "listing.changed")]
    public void An_expiry_is_listing_expired_for_a_subscription_to_it_and_one_delivery_either_way(ListingStatus status, string[] subscribed, string? expected)
    {
        var view = new ListingView("sichuan-x", status, 5, "sichuan-owner", Samples.Draft(), Now, Now, Now, null);
        Assert.Equal(expected, WebhookEvents.For(new ListingChange(view.Id, view.Version, view), Kczg, subscribed));
    }

    [Fact]
    public void A_deleted_listing_is_removed_for_everyone() =>
        Assert.Equal(WebhookEvents.ListingRemoved, WebhookEvents.For(new ListingChange("sichuan-x", 4, null), Kczg));

    [Fact]
    public void A_delivery_id_is_the_same_for_the_same_subscription_and_change_only()
    {
        var entry = new ChangeEntry("sichuan-x", 3, false, null);
        Assert.Equal(WebhookEvents.DeliveryId("wh_1", entry), WebhookEvents.DeliveryId("wh_1", entry));
        Assert.NotEqual(WebhookEvents.DeliveryId("wh_1", entry), WebhookEvents.DeliveryId("wh_2", entry));
        Assert.NotEqual(WebhookEvents.DeliveryId("wh_1", entry), WebhookEvents.DeliveryId("wh_1", entry with { Version = 4 }));
        Assert.NotEqual(WebhookEvents.DeliveryId("wh_1", entry), WebhookEvents.DeliveryId("wh_1", entry with { Tombstone = true }));
    }

    [Fact]
    public void Retries_double_up_to_the_cap_and_stop_after_the_last_attempt()
    {
        var settings = new WebhookSettings { RetryBaseSeconds = 10, MaxRetryDelaySeconds = 60, MaxAttempts = 5 };
        Assert.Equal(Now.AddSeconds(10), WebhookRetries.NextAttempt(1, Now, settings, 0.5));
        Assert.Equal(Now.AddSeconds(20), WebhookRetries.NextAttempt(2, Now, settings, 0.5));
        Assert.Equal(Now.AddSeconds(60), WebhookRetries.NextAttempt(4, Now, settings, 0.5));
        Assert.Equal(Now.AddSeconds(8), WebhookRetries.NextAttempt(1, Now, settings, 0));
        Assert.True(WebhookRetries.NextAttempt(1, Now, settings, 0.999) < Now.AddSeconds(12));
        Assert.Null(WebhookRetries.NextAttempt(5, Now, settings, 0.5));
    }

    [Theory]
    [InlineData("https://partner.example.cn/hooks", false, true)]
    [InlineData("http://partner.example.cn/hooks", false, false)]
    [InlineData("http://127.0.0.1:8080/hooks", true, true)]
    [InlineData("https://127.0.0.1/hooks", false, false)]
    [InlineData("https://localhost/hooks", false, false)]
    [InlineData("https://10.1.2.3/hooks", false, false)]
    [InlineData("https://[::1]/hooks", false, false)]
    [InlineData("https://user:secret@partner.example.cn/", false, false)]
    [InlineData("/relative", true, false)]
    [InlineData("", true, false)]
    public void Only_absolute_https_urls_outside_our_network_receive_webhooks(string url, bool allowLocal, bool accepted) =>
        Assert.Equal(accepted, WebhookTargets.Refuse(url, allowLocal) is null);

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("100.128.0.1", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2001:4860:4860::8888", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("172.16.5.4", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    public void Private_loopback_and_metadata_addresses_are_not_public(string address, bool expected) =>
        Assert.Equal(expected, WebhookTargets.IsPublic(IPAddress.Parse(address)));

    /// <summary>
    /// The IANA special-purpose ranges that are not globally reachable, and the IPv6 prefixes through which a
    /// translator or relay reaches an IPv4 address of its choosing (here always one of our private ones).
    /// </summary>
    [Theory]
    [InlineData("64:ff9b::a00:1")]          // NAT64 of 10.0.0.1
    [InlineData("64:ff9b::a9fe:a9fe")]      // NAT64 of the metadata address 169.254.169.254
    [InlineData("64:ff9b:1::a00:1")]        // local-use NAT64
    [InlineData("2002:a00:1::1")]           // 6to4 of 10.0.0.1
    [InlineData("2002:7f00:1::1")]          // 6to4 of 127.0.0.1
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe")] // Teredo (its client address, obfuscated, is 10.0.0.1)
    [InlineData("2001:2::1")]               // benchmarking
    [InlineData("2001:db8::1")]             // documentation
    [InlineData("3fff::1")]                 // documentation
    [InlineData("::a00:1")]                 // IPv4-compatible 10.0.0.1 (deprecated)
    [InlineData("::808:808")]               // IPv4-compatible, even of a public address
    [InlineData("::")]
    [InlineData("100::1")]                  // discard-only
    [InlineData("5f00::1")]                 // SRv6 SIDs
    [InlineData("fec0::1")]                 // site-local
    [InlineData("ff02::1")]                 // multicast
    [InlineData("::ffff:169.254.169.254")]  // IPv4-mapped metadata address
    [InlineData("::ffff:100.64.0.1")]
    [InlineData("192.0.0.1")]               // IETF protocol assignments
    [InlineData("192.0.0.170")]             // NAT64 discovery
    [InlineData("192.0.2.1")]               // TEST-NET-1
    [InlineData("198.18.0.1")]              // benchmarking
    [InlineData("198.19.255.254")]
    [InlineData("198.51.100.7")]            // TEST-NET-2
    [InlineData("203.0.113.9")]             // TEST-NET-3
    [InlineData("192.88.99.1")]             // 6to4 relay anycast
    [InlineData("100.127.255.255")]         // shared address space
    [InlineData("239.255.255.250")]         // multicast
    [InlineData("240.0.0.1")]               // reserved
    [InlineData("255.255.255.255")]         // broadcast
    [InlineData("0.1.2.3")]                 // "this network"
    public void Special_purpose_and_translated_addresses_are_not_public(string address) =>
        Assert.False(WebhookTargets.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.1")]
    [InlineData("192.0.1.1")]
    [InlineData("203.0.114.1")]
    [InlineData("223.255.255.254")]
    [InlineData("2400:3200::1")]
    [InlineData("2001:200::1")]
    [InlineData("2003::1")]
    public void Addresses_just_outside_the_refused_ranges_are_public(string address) =>
        Assert.True(WebhookTargets.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("https://[64:ff9b::a00:1]/hooks")]
    [InlineData("https://[2002:a00:1::1]/hooks")]
    [InlineData("https://[::ffff:192.168.1.1]/hooks")]
    [InlineData("https://198.18.0.1/hooks")]
    [InlineData("https://192.0.0.1/hooks")]
    [InlineData("https://0x7f000001/hooks")]
    [InlineData("https://2130706433/hooks")]
    public void A_url_naming_a_refused_address_in_any_spelling_is_refused_when_subscribing(string url) =>
        Assert.NotNull(WebhookTargets.Refuse(url, allowLocal: false));
}
