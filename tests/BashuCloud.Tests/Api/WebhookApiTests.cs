using System.Globalization;
using System.Runtime.CompilerServices;
using System.Diagnostics;
using BashuCloud.Listings;

namespace BashuCloud.Tests.Api;

/// <summary>
/// Webhooks end to end: a partner subscribes a local receiver over real HTTP; listing changes are delivered signed,
/// retried with backoff while the receiver fails on purpose, at least once, and every attempt is in the delivery log.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class WebhookApiTests(PlatformFixture platform)
{
    private static readonly string[] BothEvents = ["listing.changed", "listing.removed"];
    private static readonly string[] ChangedOnly = ["listing.changed"];
    private static readonly string[] UnknownEvent = ["listing.exploded"];
    private static readonly string[] PartnerScopes = ["changes:read", "listings:read", "listings:write"];

    [Fact]
    public async Task Deliveries_are_signed_retried_until_the_receiver_answers_and_logged_attempt_by_attempt()
    {
        var (partner, key) = await NewPartnerAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, earlier) => earlier < 2 ? 500 : 200;
        var (subscription, secret) = await SubscribeAsync(partner, key, receiver.Url, BothEvents);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);

        // The partner's own draft, a listing published elsewhere, and a researcher's draft nobody else may see.
        using var pushed = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/{partner}/listings/w-1", Samples.Draft(Region.Chongqing) with { PlatformId = null }, key);
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        var own = (await pushed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var published = await platform.PublishListingAsync(Samples.Draft(Region.Sichuan));
        var (hidden, _) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan));

        var ownEvent = await DeliveredAsync(receiver, own, "listing.changed");
        var publishedEvent = await DeliveredAsync(receiver, published, "listing.changed");
        Assert.Equal("Draft", Body(ownEvent).GetProperty("data").GetProperty("listing").GetProperty("status").GetString());
        Assert.Equal("Published", Body(publishedEvent).GetProperty("data").GetProperty("listing").GetProperty("status").GetString());

        // Withdrawn: the partner saw it published, so it is told it is gone, with no content.
        using (var withdrawn = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{published}/withdraw", new { reason = "已转让" }, platform.Researchers[Region.Sichuan].Key))
        {
            Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        }
        var removed = Body(await DeliveredAsync(receiver, published, "listing.removed")).GetProperty("data");
        Assert.True(removed.GetProperty("tombstone").GetBoolean());
        Assert.False(removed.TryGetProperty("listing", out var content) && content.ValueKind is not JsonValueKind.Null, "a removal carries no content");

        var received = receiver.Received.ToList();
        Assert.DoesNotContain(received, r => r.Body.Contains(hidden, StringComparison.Ordinal));
        foreach (var delivery in received.GroupBy(r => r.Id))
        {
            // At least once, and here exactly as the receiver asked: two failures, then the success; one id, one body.
            Assert.Equal([500, 500, 200], delivery.Select(r => r.Answered));
            Assert.Single(delivery.Select(r => r.Body).Distinct());
            Assert.All(delivery, r => Assert.True(WebhookReceiver.IsSigned(r, secret), "the signature checks out with the subscription's secret"));
            Assert.All(delivery, r => Assert.InRange(long.Parse(r.Timestamp, CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            Assert.Equal(delivery.Key, Body(delivery.First()).GetProperty("id").GetString());
        }
        Assert.False(WebhookReceiver.IsSigned(received[0], "whsec_" + Convert.ToBase64String(new byte[24])), "another secret does not verify");

        // The delivery log says the same, attempt by attempt.
        var log = await DeliveriesAsync(partner, key, subscription, "?status=delivered");
        var logged = log.Single(d => d.GetProperty("id").GetString() == ownEvent.Id);
        Assert.Equal(3, logged.GetProperty("attempts").GetInt32());
        Assert.Equal([500, 500, 200], logged.GetProperty("attemptLog").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.Equal(own, logged.GetProperty("listingId").GetString());
    }

    [Fact]
    public async Task A_delivery_that_keeps_failing_backs_off_gives_up_and_can_be_sent_again()
    {
        var (partner, key) = await NewPartnerAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, _) => 503;
        var (subscription, secret) = await SubscribeAsync(partner, key, receiver.Url, ChangedOnly);

        using var pushed = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/{partner}/listings/w-fail", Samples.Draft(Region.Sichuan) with { PlatformId = null }, key);
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        var failed = (await WaitAsync(() => FirstDeliveryAsync(partner, key, subscription, "?status=failed"))).Value;

        // Four attempts (the fixture's limit).
        Assert.Equal(4, failed.GetProperty("attempts").GetInt32());
        var times = failed.GetProperty("attemptLog").EnumerateArray().Select(a => a.GetProperty("attemptedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(4, times.Count);
        var waits = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        // Each wait at least its scheduled backoff (a busy machine only makes them longer): 0.2 s doubling, less 20%.
        for (var i = 0; i < waits.Count; i++)
        {
            Assert.True(waits[i] >= TimeSpan.FromSeconds(0.2 * Math.Pow(2, i) * 0.8), $"backoff grows: {string.Join(", ", waits)}");
        }
        Assert.All(failed.GetProperty("attemptLog").EnumerateArray(), a => Assert.Equal(503, a.GetProperty("statusCode").GetInt32()));

        // The receiver is fixed; the partner asks for the delivery again.
        receiver.Answer = (_, _) => 204;
        var id = failed.GetProperty("id").GetString()!;
        using (var again = await platform.SendAsync(HttpMethod.Post, $"/api/v1/platforms/{partner}/webhooks/{subscription}/deliveries/{id}/redeliver", key: key))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }
        var delivered = (await WaitAsync(() => FirstDeliveryAsync(partner, key, subscription, "?status=delivered"))).Value;
        Assert.Equal(id, delivered.GetProperty("id").GetString());
        Assert.Equal(5, delivered.GetProperty("attemptLog").GetArrayLength());
        Assert.True(WebhookReceiver.IsSigned(receiver.Received.Last(), secret));
    }

    [Fact]
    public async Task After_unsubscribing_nothing_more_is_sent()
    {
        var (partner, key) = await NewPartnerAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (subscription, _) = await SubscribeAsync(partner, key, receiver.Url, ChangedOnly);
        using (var first = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/{partner}/listings/w-a", Samples.Draft(Region.Sichuan) with { PlatformId = null }, key))
        {
            await DeliveredAsync(receiver, (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, "listing.changed");
        }

        using (var deleted = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/platforms/{partner}/webhooks/{subscription}", key: key))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using (var listed = await platform.SendAsync(HttpMethod.Get, $"/api/v1/platforms/{partner}/webhooks/{subscription}", key: key))
        {
            Assert.NotEqual(JsonValueKind.Null, (await listed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revokedAt").ValueKind);
        }
        var count = receiver.Received.Count;
        using (var second = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/{partner}/listings/w-b", Samples.Draft(Region.Sichuan) with { PlatformId = null }, key))
        {
            Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(count, receiver.Received.Count);
    }

    [Fact]
    public async Task Unsubscribing_cancels_the_deliveries_still_to_be_sent_and_none_is_sent_again()
    {
        var (partner, key) = await NewPartnerAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (subscription, _) = await SubscribeAsync(partner, key, receiver.Url, ChangedOnly);
        // The partner stops the subscription while the first attempt is with its receiver, which then fails it.
        receiver.Answer = (_, _) =>
        {
            using var stopped = platform.SendAsync(HttpMethod.Delete, $"/api/v1/platforms/{partner}/webhooks/{subscription}", key: key).GetAwaiter().GetResult();
            Assert.Equal(HttpStatusCode.NoContent, stopped.StatusCode);
            return 503;
        };
        using (var pushed = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/{partner}/listings/w-stop", Samples.Draft(Region.Sichuan) with { PlatformId = null }, key))
        {
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        }

        // Cancelled while its attempt was under way: the attempt's answer is logged when it comes back.
        var cancelled = (await WaitAsync(async () => await FirstDeliveryAsync(partner, key, subscription, "?status=cancelled") is { } d
            && d.Value.GetProperty("attemptLog").GetArrayLength() > 0 ? d : null)).Value;
        Assert.Equal([503], cancelled.GetProperty("attemptLog").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.Empty(await DeliveriesAsync(partner, key, subscription, "?status=pending"));
        Assert.Single(receiver.Received);
        await AssertProblemAsync(HttpStatusCode.NotFound, HttpMethod.Post,
            $"/api/v1/platforms/{partner}/webhooks/{subscription}/deliveries/{cancelled.GetProperty("id").GetString()}/redeliver", null, key);
    }

    [Fact]
    public async Task A_stopped_subscriptions_deliveries_however_many_are_due_never_hold_up_anothers()
    {
        var (stopped, stoppedKey) = await NewPartnerAsync();
        var (left, _) = await SubscribeAsync(stopped, stoppedKey, "https://example.com/hook", ChangedOnly);
        using (var deleted = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/platforms/{stopped}/webhooks/{left}", key: stoppedKey))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        // Rows still pending after the unsubscribe, as an API process of the previous release leaves them when it
        // handles the unsubscribe during a rolling upgrade: more than one round of claims, all due before anyone else's.
        await platform.Database.ExecuteAsync("""
            INSERT INTO webhook_delivery (delivery_id, subscription_id, event_type, payload, next_attempt_at)
            SELECT 'whd_left_' || $1 || '_' || n, $1, 'listing.changed', '{}', now() - interval '1 hour' FROM generate_series(1, 100) n
            """, left);
        try
        {
            var (partner, key) = await NewPartnerAsync();
            await using var receiver = await WebhookReceiver.StartAsync();
            await SubscribeAsync(partner, key, receiver.Url, ChangedOnly);
            using var pushed = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/{partner}/listings/w-next", Samples.Draft(Region.Sichuan) with { PlatformId = null }, key);
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);

            await DeliveredAsync(receiver, (await pushed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, "listing.changed");
            Assert.Equal(0L, await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM webhook_attempt a JOIN webhook_delivery d USING (delivery_id) WHERE d.subscription_id = $1", left));
        }
        finally
        {
            await platform.Database.ExecuteAsync("UPDATE webhook_delivery SET status = 'cancelled' WHERE subscription_id = $1", left);
        }
    }

    [Fact]
    public async Task Bad_subscriptions_and_other_partners_are_refused_and_change_nothing()
    {
        var (partner, key) = await NewPartnerAsync();
        var (other, otherKey) = await NewPartnerAsync();
        var path = $"/api/v1/platforms/{partner}/webhooks";

        await AssertProblemAsync(HttpStatusCode.UnprocessableEntity, HttpMethod.Post, path, new { url = "ftp://example.com/hook", events = BothEvents }, key, "url");
        await AssertProblemAsync(HttpStatusCode.UnprocessableEntity, HttpMethod.Post, path, new { url = "https://user:pw@example.com/hook", events = BothEvents }, key, "url");
        await AssertProblemAsync(HttpStatusCode.UnprocessableEntity, HttpMethod.Post, path, new { url = "https://example.com/hook", events = UnknownEvent }, key, "events");
        await AssertProblemAsync(HttpStatusCode.UnprocessableEntity, HttpMethod.Post, path, new { url = "https://example.com/hook", events = Array.Empty<string>() }, key, "events");
        await AssertProblemAsync(HttpStatusCode.NotFound, HttpMethod.Post, "/api/v1/platforms/no-such-platform/webhooks", new { url = "https://example.com/hook", events = BothEvents }, PlatformProcesses.AdminKey);
        await AssertProblemAsync(HttpStatusCode.Forbidden, HttpMethod.Post, path, new { url = "https://example.com/hook", events = BothEvents }, otherKey);
        await AssertProblemAsync(HttpStatusCode.Forbidden, HttpMethod.Post, path, new { url = "https://example.com/hook", events = BothEvents }, (await platform.IssueKeyAsync(partner, PlatformFixture.ReadWrite)).Key);
        await AssertProblemAsync(HttpStatusCode.Unauthorized, HttpMethod.Get, path, null, "bk_wrong_key_0000000000000000");

        using (var list = await platform.SendAsync(HttpMethod.Get, path, key: key))
        {
            Assert.Equal(0, (await list.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength());
        }
        var (subscription, _) = await SubscribeAsync(partner, key, "https://example.com/hook", BothEvents);
        await AssertProblemAsync(HttpStatusCode.NotFound, HttpMethod.Get, $"/api/v1/platforms/{other}/webhooks/{subscription}", null, otherKey);
        await AssertProblemAsync(HttpStatusCode.Forbidden, HttpMethod.Get, $"{path}/{subscription}/deliveries", null, otherKey);
        await AssertProblemAsync(HttpStatusCode.BadRequest, HttpMethod.Get, $"{path}/{subscription}/deliveries?status=lost", null, key);
        await AssertProblemAsync(HttpStatusCode.BadRequest, HttpMethod.Get, $"{path}/{subscription}/deliveries?cursor=Zm9yZ2Vk", null, key);
        await AssertProblemAsync(HttpStatusCode.NotFound, HttpMethod.Post, $"{path}/{subscription}/deliveries/whd_nothing/redeliver", null, key);
        await AssertProblemAsync(HttpStatusCode.NotFound, HttpMethod.Delete, $"{path}/wh_nothing", null, key);
    }

    [Fact]
    public async Task A_listing_past_its_expiry_date_expires_with_nobody_calling_and_is_delivered_as_listing_expired()
    {
        var (partner, key) = await NewPartnerAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await SubscribeAsync(partner, key, receiver.Url, ["listing.expired"]);
        var id = await PublishedLastYearAsync();

        var expired = Body(await DeliveredAsync(receiver, id, "listing.expired"));
        Assert.Equal("Expired", expired.GetProperty("data").GetProperty("listing").GetProperty("status").GetString());
        Assert.Single(receiver.Received, r => r.Body.Contains(id, StringComparison.Ordinal));
        using var history = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}/history");
        var last = (await history.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries").EnumerateArray().Last();
        Assert.Equal(("listing.expired", "system"), (last.GetProperty("action").GetString(), last.GetProperty("actorId").GetString()));

        // Renewing brings it back; a date that is not later is refused and changes nothing.
        var owner = platform.Researchers[Region.Sichuan].Key;
        var before = await ListingAsync(id);
        using (var refused = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/renew", new { expiresOn = "2020-01-01" }, owner))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(before.GetRawText(), (await ListingAsync(id)).GetRawText());
        var later = ListingExpiry.Today(DateTimeOffset.UtcNow).AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var renewed = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/renew", new { expiresOn = later }, owner);
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Equal(("Published", later), ((await ListingAsync(id)).GetProperty("status").GetString(), (await ListingAsync(id)).GetProperty("expiresOn").GetString()));
    }

    /// <summary>
    /// A published listing whose expiry date has passed, as the grain would have stored it before the date came: its
    /// stored state is written directly (no grain holds it yet), since the API refuses a date that is not in the future.
    /// </summary>
    private async Task<string> PublishedLastYearAsync()
    {
        var template = await platform.PublishListingAsync(Samples.Draft(Region.Sichuan));
        var id = BashuId.New(Region.Sichuan);
        var lastYear = ListingExpiry.Today(DateTimeOffset.UtcNow).AddYears(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await platform.Database.ExecuteAsync("""
            SELECT bashu_write_grain_state(service_id, state_name, 0, 0, $2, NULL, convert_to(
                     jsonb_set(jsonb_set(payload, '{id}', to_jsonb($2::text)), '{content,expiresOn}', to_jsonb($3::text))::text, 'UTF8'))
              FROM grain_state WHERE state_name = 'listing' AND grain_key = $1
            """, template, id, lastYear);
        return id;
    }

    private async Task<JsonElement> ListingAsync(string id)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<(string Id, string Key)> NewPartnerAsync()
    {
        var id = $"wh-{Guid.NewGuid():N}"[..14];
        using (var registered = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{id}", new { name = "推送测试平台", kind = "Partner", homeRegion = "chongqing" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        return (id, (await platform.IssueKeyAsync(id, PartnerScopes)).Key);
    }

    private async Task<(string Id, string Secret)> SubscribeAsync(string partner, string key, string url, string[] events)
    {
        using var response = await platform.SendAsync(HttpMethod.Post, $"/api/v1/platforms/{partner}/webhooks", new { url, events, description = "测试接收端" }, key);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(events, body.GetProperty("subscription").GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        return (body.GetProperty("subscription").GetProperty("id").GetString()!, body.GetProperty("secret").GetString()!);
    }

    private async Task<List<JsonElement>> DeliveriesAsync(string partner, string key, string subscription, string query)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/platforms/{partner}/webhooks/{subscription}/deliveries{query}", key: key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()];
    }

    /// <summary>The newest delivery in the log that the query selects, if any (boxed, so that "none" is null).</summary>
    private async Task<StrongBox<JsonElement>?> FirstDeliveryAsync(string partner, string key, string subscription, string query) =>
        await DeliveriesAsync(partner, key, subscription, query) is [var first, ..] ? new StrongBox<JsonElement>(first) : null;

    private async Task AssertProblemAsync(HttpStatusCode expected, HttpMethod method, string path, object? body, string key, string? field = null)
    {
        using var response = await platform.SendAsync(method, path, body, key);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null) Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), field);
    }

    private static JsonElement Body(ReceivedWebhook webhook) => JsonDocument.Parse(webhook.Body).RootElement;

    /// <summary>The successful request that delivered an event of this type about this listing.</summary>
    private static Task<ReceivedWebhook> DeliveredAsync(WebhookReceiver receiver, string listingId, string type) =>
        WaitAsync(() => Task.FromResult(receiver.Received.FirstOrDefault(r =>
            r.Answered is >= 200 and < 300 && Body(r) is var body && body.GetProperty("type").GetString() == type
            && body.GetProperty("data").GetProperty("id").GetString() == listingId)));

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await probe() is { } found) return found;
            await Task.Delay(100);
        }
        throw new TimeoutException("nothing arrived within 30 s");
    }
}
