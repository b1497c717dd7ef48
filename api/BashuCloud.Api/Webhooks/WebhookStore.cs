using Npgsql;

namespace BashuCloud.Api.Webhooks;

/// <summary>A platform's webhook subscription, as it reads it back (never with its secret).</summary>
public sealed record WebhookSubscription(
    string Id, string PlatformId, string Url, IReadOnlyList<string> Events, string? Description, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A new subscription and its signing secret, shown this once.</summary>
public sealed record NewWebhookSubscription(WebhookSubscription Subscription, string Secret);

/// <summary>One attempt to deliver: what the receiver answered (a status code) or why there was no answer.</summary>
public sealed record WebhookAttempt(int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, string? Error, int DurationMs);

/// <summary>A delivery in the log: pending (with its next attempt), delivered, failed or cancelled, with every attempt.</summary>
public sealed record WebhookDelivery(
    string Id, string EventType, string? ListingId, int? ListingVersion, string Status, int Attempts,
    DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt, IReadOnlyList<WebhookAttempt> AttemptLog, string Payload);

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    /// <summary>Not sent (or not again) because its subscription was stopped first.</summary>
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Pending, Delivered, Failed, Cancelled];
}

/// <summary>Subscriptions and the delivery log in PostgreSQL (deploy/sql/012_webhooks.sql).</summary>
public sealed class WebhookStore(NpgsqlDataSource database)
{
    private const string SubscriptionColumns = "subscription_id, platform_id, url, event_types, description, created_at, revoked_at";

    public async Task<int> CountActiveAsync(string platformId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT count(*)::int FROM webhook_subscription WHERE platform_id = $1 AND revoked_at IS NULL");
        command.Parameters.Add(new() { Value = platformId });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Subscribes from now on: the subscription starts at the change log's current end, so only later changes are delivered.</summary>
    public async Task<NewWebhookSubscription> SubscribeAsync(
        string platformId, string url, IReadOnlyList<string> events, string? description, CancellationToken cancellationToken)
    {
        var id = "wh_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        var secret = WebhookSignature.NewSecret();
        await using var command = database.CreateCommand($"""
            INSERT INTO webhook_subscription (subscription_id, platform_id, url, event_types, description, secret, position_tx, position_seq)
            SELECT $1, $2, $3, $4, $5, $6, coalesce(e.tx, '0'::xid8), coalesce(e.seq, 0)
              FROM (SELECT 1) one
              LEFT JOIN LATERAL (SELECT tx, seq FROM change_log WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx DESC, seq DESC LIMIT 1) e ON true
            RETURNING {SubscriptionColumns}
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = platformId });
        command.Parameters.Add(new() { Value = url });
        command.Parameters.Add(new() { Value = events.ToArray() });
        command.Parameters.Add(new() { Value = (object?)description ?? DBNull.Value });
        command.Parameters.Add(new() { Value = secret });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new NewWebhookSubscription(ReadSubscription(reader), secret);
    }

    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(string platformId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT {SubscriptionColumns} FROM webhook_subscription WHERE platform_id = $1 ORDER BY created_at, subscription_id");
        command.Parameters.Add(new() { Value = platformId });
        var subscriptions = new List<WebhookSubscription>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) subscriptions.Add(ReadSubscription(reader));
        return subscriptions;
    }

    public async Task<WebhookSubscription?> FindAsync(string platformId, string subscriptionId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT {SubscriptionColumns} FROM webhook_subscription WHERE platform_id = $1 AND subscription_id = $2");
        command.Parameters.Add(new() { Value = platformId });
        command.Parameters.Add(new() { Value = subscriptionId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSubscription(reader) : null;
    }

    /// <summary>
    /// Stops a subscription: nothing more is dispatched or sent for it, and its deliveries still to be sent are
    /// cancelled with it (one transaction, so none is left pending); its log stays readable.
    /// </summary>
    public async Task<bool> UnsubscribeAsync(string platformId, string subscriptionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var revoke = new NpgsqlBatchCommand(
            "UPDATE webhook_subscription SET revoked_at = coalesce(revoked_at, now()) WHERE platform_id = $1 AND subscription_id = $2");
        revoke.Parameters.Add(new() { Value = platformId });
        revoke.Parameters.Add(new() { Value = subscriptionId });
        batch.BatchCommands.Add(revoke);
        var cancel = new NpgsqlBatchCommand("""
            UPDATE webhook_delivery d SET status = 'cancelled'
              FROM webhook_subscription s
             WHERE s.subscription_id = d.subscription_id AND s.platform_id = $1 AND d.subscription_id = $2 AND d.status = 'pending'
            """);
        cancel.Parameters.Add(new() { Value = platformId });
        cancel.Parameters.Add(new() { Value = subscriptionId });
        batch.BatchCommands.Add(cancel);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (revoke.RecordsAffected != 1) return false;
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>A page of a subscription's deliveries, newest first, each with its attempts.</summary>
    public async Task<(IReadOnlyList<WebhookDelivery> Items, long? Next)> DeliveriesAsync(
        string subscriptionId, string? status, long? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT d.delivery_id, d.event_type, d.listing_id, d.listing_version, d.status, d.attempts, d.created_at,
                   d.next_attempt_at, d.delivered_at, d.payload, d.seq,
                   coalesce((SELECT array_agg(a.attempt ORDER BY a.attempt) FROM webhook_attempt a WHERE a.delivery_id = d.delivery_id), '{}'),
                   coalesce((SELECT array_agg(a.attempted_at ORDER BY a.attempt) FROM webhook_attempt a WHERE a.delivery_id = d.delivery_id), '{}'),
                   coalesce((SELECT array_agg(a.status_code ORDER BY a.attempt) FROM webhook_attempt a WHERE a.delivery_id = d.delivery_id), '{}'),
                   coalesce((SELECT array_agg(a.error ORDER BY a.attempt) FROM webhook_attempt a WHERE a.delivery_id = d.delivery_id), '{}'),
                   coalesce((SELECT array_agg(a.duration_ms ORDER BY a.attempt) FROM webhook_attempt a WHERE a.delivery_id = d.delivery_id), '{}')
              FROM webhook_delivery d
             WHERE d.subscription_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::bigint IS NULL OR d.seq < $3)
             ORDER BY d.seq DESC
             LIMIT $4
            """);
        command.Parameters.Add(new() { Value = subscriptionId });
        command.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = limit + 1 });
        var items = new List<(WebhookDelivery Delivery, long Seq)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var numbers = reader.GetFieldValue<int[]>(11);
            var times = reader.GetFieldValue<DateTimeOffset[]>(12);
            var codes = reader.GetFieldValue<int?[]>(13);
            var errors = reader.GetFieldValue<string?[]>(14);
            var durations = reader.GetFieldValue<int[]>(15);
            var attempts = numbers.Select((n, i) => new WebhookAttempt(n, times[i], codes[i], errors[i], durations[i])).ToList();
            var state = reader.GetString(4);
            items.Add((new WebhookDelivery(
                reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt32(3),
                state, reader.GetInt32(5), reader.GetFieldValue<DateTimeOffset>(6),
                state == DeliveryStatus.Pending ? reader.GetFieldValue<DateTimeOffset>(7) : null,
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), attempts, reader.GetString(9)), reader.GetInt64(10)));
        }
        var more = items.Count > limit;
        if (more) items.RemoveAt(items.Count - 1);
        return ([.. items.Select(i => i.Delivery)], more ? items[^1].Seq : null);
    }

    /// <summary>Sends a delivery of a live subscription again from now, with a fresh count of attempts (after the receiver was fixed, say).</summary>
    public async Task<bool> RedeliverAsync(string subscriptionId, string deliveryId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            UPDATE webhook_delivery d SET status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL
              FROM webhook_subscription s
             WHERE d.subscription_id = $1 AND d.delivery_id = $2 AND s.subscription_id = d.subscription_id AND s.revoked_at IS NULL
            """);
        command.Parameters.Add(new() { Value = subscriptionId });
        command.Parameters.Add(new() { Value = deliveryId });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static WebhookSubscription ReadSubscription(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
}
