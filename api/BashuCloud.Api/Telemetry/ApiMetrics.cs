using System.Diagnostics.Metrics;
using BashuCloud.Telemetry;

namespace BashuCloud.Api.Telemetry;

/// <summary>The API's own counters (meter "BashuCloud"): what partners' sync batches and webhook deliveries come to.</summary>
public sealed class ApiMetrics
{
    private readonly Counter<long> _syncItems;
    private readonly Counter<long> _webhookDeliveries;

    public ApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(TelemetryNames.Meter);
        _syncItems = meter.CreateCounter<long>("bashu.sync.batch.items", "{item}",
            "同步批次中的条目，按结果 (items of partners' sync batches, accepted or rejected)");
        _webhookDeliveries = meter.CreateCounter<long>("bashu.webhook.deliveries", "{attempt}",
            "Webhook 投递尝试，按结果：delivered 已送达，pending 稍后重试，failed 已放弃 (webhook delivery attempts by outcome)");
    }

    /// <summary>A batch applied (not a replay of one already applied).</summary>
    public void SyncBatchApplied(int accepted, int rejected)
    {
        _syncItems.Add(accepted, new KeyValuePair<string, object?>("bashu.sync.outcome", "accepted"));
        _syncItems.Add(rejected, new KeyValuePair<string, object?>("bashu.sync.outcome", "rejected"));
    }

    /// <summary>An attempt and the delivery's status after it (see DeliveryStatus).</summary>
    public void WebhookAttempted(string status) =>
        _webhookDeliveries.Add(1, new KeyValuePair<string, object?>("bashu.webhook.outcome", status));
}
