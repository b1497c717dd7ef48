using System.Diagnostics;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The API process deletes what it keeps only for a while (idempotency keys after a day, webhook deliveries after 30
/// days) and nothing younger; the fixture runs housekeeping every second.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class HousekeepingTests(PlatformFixture platform)
{
    [Fact]
    public async Task Expired_idempotency_keys_and_old_deliveries_go_and_everything_younger_stays()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        await platform.Database.ExecuteAsync("""
            INSERT INTO idempotency_key (principal_id, key, request_hash, status, response, started_at, finished_at) VALUES
                ($1, 'old', '\x00', 200, '{}', now() - interval '25 hours', now() - interval '25 hours'),
                ($1, 'young', '\x00', 200, '{}', now() - interval '23 hours', now() - interval '23 hours')
            """, $"hk-{run}");
        await platform.Database.ExecuteAsync("""
            INSERT INTO webhook_subscription (subscription_id, platform_id, url, event_types, secret, position_tx, position_seq, revoked_at)
            VALUES ($1, 'kczg', 'https://example.com/hook', '{listing.changed}', 'whsec_AAAA', '0', 0, now())
            """, $"wh_{run}");
        await platform.Database.ExecuteAsync("""
            INSERT INTO webhook_delivery (delivery_id, subscription_id, event_type, payload, status, created_at) VALUES
                ($2 || '-old', $1, 'listing.changed', '{}', 'delivered', now() - interval '31 days'),
                ($2 || '-failed', $1, 'listing.changed', '{}', 'failed', now() - interval '31 days'),
                ($2 || '-pending', $1, 'listing.changed', '{}', 'pending', now() - interval '31 days'),
                ($2 || '-young', $1, 'listing.changed', '{}', 'delivered', now() - interval '29 days')
            """, $"wh_{run}", $"whd_{run}");
        await platform.Database.ExecuteAsync(
            "INSERT INTO webhook_attempt (delivery_id, attempt, attempted_at, status_code, duration_ms) VALUES ($1 || '-old', 1, now() - interval '31 days', 200, 5)", $"whd_{run}");

        var clock = Stopwatch.StartNew();
        while (await platform.Database.ScalarAsync<long>("SELECT count(*) FROM idempotency_key WHERE principal_id = $1", $"hk-{run}") > 1
               || await platform.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_delivery WHERE subscription_id = $1", $"wh_{run}") > 2)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "housekeeping ran within 30 s");
            await Task.Delay(200);
        }
        Assert.Equal("young", await platform.Database.ScalarAsync<string>("SELECT key FROM idempotency_key WHERE principal_id = $1", $"hk-{run}"));
        var kept = await platform.Database.ScalarAsync<string[]>("SELECT array_agg(delivery_id ORDER BY delivery_id) FROM webhook_delivery WHERE subscription_id = $1", $"wh_{run}");
        Assert.Equal([$"whd_{run}-pending", $"whd_{run}-young"], kept);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_attempt WHERE delivery_id = $1 || '-old'", $"whd_{run}"));
    }
}
