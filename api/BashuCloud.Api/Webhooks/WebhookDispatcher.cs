using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BashuCloud.Api.Changes;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Telemetry;
using BashuCloud.Users;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Webhooks;

/// <summary>
/// Turns changes into deliveries and sends them. Every API process may run one: a subscription's changes are
/// dispatched under a row lock (SKIP LOCKED), and a due delivery is claimed by pushing its next attempt past the
/// send's timeout, so two processes never send one attempt twice (a process that dies mid-send leaves the claim to
/// expire, and the delivery is sent again: at least once).
/// </summary>
public sealed class WebhookDispatcher(
    NpgsqlDataSource database, ChangeFeed feed, IOptions<WebhookSettings> options, IOptions<ApiSettings> api, IOptions<JsonOptions> json,
    TimeProvider time, ApiMetrics metrics, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int ChangesPerRound = 500;
    private const int DeliveriesPerRound = 32;
    private const int SendParallelism = 32;
    private const int ErrorMaxLength = 300;

    private readonly WebhookSettings _settings = options.Value;
    private readonly string _serviceId = api.Value.ServiceId;
    private readonly JsonSerializerOptions _json = json.Value.SerializerOptions;
    private HttpClient? _http;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.Dispatch) return;
        using var http = WebhookHttp.CreateClient(_settings);
        _http = http;
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                busy |= await DispatchChangesAsync(stoppingToken) > 0;
                busy |= await SendDueAsync(stoppingToken) > 0;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The database restarting, say: the dispatcher keeps going, and the API with it.
                logger.LogWarning(exception, "Webhook dispatch failed; trying again shortly");
            }
            if (!busy) await Task.Delay(TimeSpan.FromMilliseconds(_settings.PollMilliseconds), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// For each subscription with new changes: its deliveries and its new position, in one short transaction. Nothing
    /// is locked while the changes are read (a transaction held open would hold back the change feed's horizon for
    /// everyone); the position moves only from where it was read, so when two processes dispatch one subscription,
    /// one of them writes and the other rolls back (and the delivery ids are the same anyway).
    /// </summary>
    private async Task<int> DispatchChangesAsync(CancellationToken cancellationToken)
    {
        var subscriptions = new List<(string Id, string PlatformId, string[] Events, ChangePosition Position)>();
        // Woken only by changes the feed would read (listings, committed below every running transaction), so a
        // woken subscription always has something to move past.
        await using (var select = database.CreateCommand("""
            SELECT s.subscription_id, s.platform_id, s.event_types, s.position_tx::text, s.position_seq
              FROM webhook_subscription s
             WHERE s.revoked_at IS NULL
               AND EXISTS (SELECT 1 FROM change_log c
                            WHERE (c.tx, c.seq) > (s.position_tx, s.position_seq) AND c.tx < pg_snapshot_xmin(pg_current_snapshot())
                              AND c.service_id = $1 AND c.state_name = 'listing')
            """))
        {
            select.Parameters.Add(new() { Value = _serviceId });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                subscriptions.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2),
                    new(ulong.Parse(reader.GetString(3), CultureInfo.InvariantCulture), reader.GetInt64(4))));
            }
        }

        foreach (var subscription in subscriptions)
        {
            // Deliveries carry what the platform's own key would read from the change feed.
            var platform = new Actor(subscription.PlatformId, UserRole.Platform, null);
            var (changes, next) = await feed.ReadChangesAsync(subscription.Position, ChangesPerRound, cancellationToken);
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction);
            var move = new NpgsqlBatchCommand("""
                UPDATE webhook_subscription SET position_tx = $4::text::xid8, position_seq = $5
                 WHERE subscription_id = $1 AND position_tx = $2::text::xid8 AND position_seq = $3 AND revoked_at IS NULL
                """);
            move.Parameters.Add(new() { Value = subscription.Id });
            move.Parameters.Add(new() { Value = subscription.Position.Tx.ToString(CultureInfo.InvariantCulture) });
            move.Parameters.Add(new() { Value = subscription.Position.Seq });
            move.Parameters.Add(new() { Value = next.Tx.ToString(CultureInfo.InvariantCulture) });
            move.Parameters.Add(new() { Value = next.Seq });
            batch.BatchCommands.Add(move);
            foreach (var change in changes)
            {
                if (WebhookEvents.For(change, platform, subscription.Events) is not { } type) continue;
                var entry = change.ToEntry(platform);
                var id = WebhookEvents.DeliveryId(subscription.Id, entry);
                var payload = JsonSerializer.Serialize(new WebhookEvent(id, type, time.GetUtcNow(), subscription.PlatformId, entry), _json);
                var insert = new NpgsqlBatchCommand("""
                    INSERT INTO webhook_delivery (delivery_id, subscription_id, event_type, listing_id, listing_version, payload)
                    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id) DO NOTHING
                    """);
                insert.Parameters.Add(new() { Value = id });
                insert.Parameters.Add(new() { Value = subscription.Id });
                insert.Parameters.Add(new() { Value = type });
                insert.Parameters.Add(new() { Value = entry.Id });
                insert.Parameters.Add(new() { Value = entry.Version });
                insert.Parameters.Add(new() { Value = payload });
                batch.BatchCommands.Add(insert);
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
            if (move.RecordsAffected == 1) await transaction.CommitAsync(cancellationToken);
        }
        return subscriptions.Count;
    }

    private sealed record Due(string Id, string Url, string Secret, string Payload, int Attempts);

    /// <summary>
    /// Claims the due deliveries of live subscriptions and sends them, a few at a time. A stopped subscription's
    /// rows are skipped when choosing, not after: chosen and then left alone, they would stay first in line for good.
    /// </summary>
    private async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var due = new List<Due>();
        await using (var claim = database.CreateCommand("""
            UPDATE webhook_delivery d SET next_attempt_at = now() + make_interval(secs => $2)
              FROM webhook_subscription s
             WHERE d.delivery_id IN (SELECT due.delivery_id FROM webhook_delivery due
                                       JOIN webhook_subscription live ON live.subscription_id = due.subscription_id AND live.revoked_at IS NULL
                                      WHERE due.status = 'pending' AND due.next_attempt_at <= now()
                                      ORDER BY due.next_attempt_at LIMIT $1 FOR UPDATE OF due SKIP LOCKED)
               AND s.subscription_id = d.subscription_id AND s.revoked_at IS NULL
            RETURNING d.delivery_id, s.url, s.secret, d.payload, d.attempts
            """))
        {
            claim.Parameters.Add(new() { Value = DeliveriesPerRound });
            claim.Parameters.Add(new() { Value = (double)(_settings.TimeoutSeconds + 30) });
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
            }
        }
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = SendParallelism, CancellationToken = cancellationToken }, SendAsync);
        return due.Count;
    }

    private async ValueTask SendAsync(Due delivery, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        int? statusCode = null;
        string? error = null;
        try
        {
            var timestamp = started.ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("webhook-id", delivery.Id);
            request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", WebhookSignature.Sign(delivery.Secret, delivery.Id, timestamp, delivery.Payload));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(_settings.TimeoutSeconds));
            using var response = await _http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            statusCode = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode) error = $"HTTP {statusCode} {response.ReasonPhrase}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"超时 (no answer within {_settings.TimeoutSeconds} s)";
        }
        catch (HttpRequestException exception)
        {
            error = exception.InnerException?.Message ?? exception.Message;
        }
        await RecordAsync(delivery, started, statusCode, error, (int)clock.ElapsedMilliseconds, cancellationToken);
    }

    /// <summary>
    /// The attempt in the log, and the delivery delivered, failed for good, or due again after its backoff; one
    /// cancelled while it was being sent stays cancelled unless this attempt delivered it.
    /// </summary>
    private async Task RecordAsync(Due delivery, DateTimeOffset started, int? statusCode, string? error, int durationMs, CancellationToken cancellationToken)
    {
        var attempts = delivery.Attempts + 1;
        var now = time.GetUtcNow();
        var next = error is null ? null : WebhookRetries.NextAttempt(attempts, now, _settings, Random.Shared.NextDouble());
        var status = error is null ? DeliveryStatus.Delivered : next is null ? DeliveryStatus.Failed : DeliveryStatus.Pending;
        if (error is not null) logger.LogInformation("Webhook delivery {DeliveryId} attempt {Attempt} failed: {Error}", delivery.Id, attempts, error);
        await using var batch = database.CreateBatch();
        var attempt = new NpgsqlBatchCommand("""
            INSERT INTO webhook_attempt (delivery_id, attempt, attempted_at, status_code, error, duration_ms)
            SELECT $1, coalesce(max(attempt), 0) + 1, $2, $3, $4, $5 FROM webhook_attempt WHERE delivery_id = $1
            """);
        attempt.Parameters.Add(new() { Value = delivery.Id });
        attempt.Parameters.Add(new() { Value = started });
        attempt.Parameters.Add(new() { Value = (object?)statusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        attempt.Parameters.Add(new() { Value = (object?)error?[..Math.Min(error.Length, ErrorMaxLength)] ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        attempt.Parameters.Add(new() { Value = durationMs });
        batch.BatchCommands.Add(attempt);
        var outcome = new NpgsqlBatchCommand("""
            UPDATE webhook_delivery SET attempts = $2, status = CASE WHEN status = 'cancelled' AND $3 <> 'delivered' THEN status ELSE $3 END,
                   next_attempt_at = coalesce($4, next_attempt_at),
                   delivered_at = CASE WHEN $3 = 'delivered' THEN $5 END
             WHERE delivery_id = $1
            """);
        outcome.Parameters.Add(new() { Value = delivery.Id });
        outcome.Parameters.Add(new() { Value = attempts });
        outcome.Parameters.Add(new() { Value = status });
        outcome.Parameters.Add(new() { Value = (object?)next ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        outcome.Parameters.Add(new() { Value = now });
        batch.BatchCommands.Add(outcome);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        metrics.WebhookAttempted(status);
    }
}

/// <summary>The body of a delivery: the event, its id (also the webhook-id header) and the change as the platform may see it.</summary>
public sealed record WebhookEvent(string Id, string Type, DateTimeOffset CreatedAt, string PlatformId, ChangeEntry Data);
