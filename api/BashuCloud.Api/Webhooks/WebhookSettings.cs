using System.ComponentModel.DataAnnotations;

namespace BashuCloud.Api.Webhooks;

/// <summary>How webhooks are dispatched, under "Bashu:Webhooks".</summary>
public sealed class WebhookSettings
{
    public const string Section = "Bashu:Webhooks";

    /// <summary>Whether this API process dispatches deliveries (any number of processes may; they share the work).</summary>
    public bool Dispatch { get; set; } = true;

    /// <summary>The wait before the first retry; each further retry waits twice as long, up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    [Range(0.05, 3600)] public double RetryBaseSeconds { get; set; } = 10;

    [Range(0.05, 86_400)] public double MaxRetryDelaySeconds { get; set; } = 3600;

    /// <summary>Attempts before a delivery is given up as failed (it stays in the log and can be sent again).</summary>
    [Range(1, 100)] public int MaxAttempts { get; set; } = 15;

    /// <summary>How long a receiver may take to answer one attempt.</summary>
    [Range(1, 120)] public int TimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Allow http and addresses on loopback and private networks. Off in production: a webhook URL must not reach
    /// into our own network (server-side request forgery). For development and tests only.
    /// </summary>
    public bool AllowLocalTargets { get; set; }

    [Range(1, 100)] public int MaxSubscriptionsPerPlatform { get; set; } = 10;

    /// <summary>How long delivered and failed deliveries stay in the delivery log.</summary>
    [Range(1, 3650)] public int RetentionDays { get; set; } = 30;

    /// <summary>How often an idle dispatcher looks for new changes and due retries.</summary>
    [Range(50, 60_000)] public int PollMilliseconds { get; set; } = 500;
}
