using System.ComponentModel.DataAnnotations;

namespace BashuCloud.Api.Infrastructure;

/// <summary>The API's own settings, under "Bashu".</summary>
public sealed class ApiSettings
{
    public const string Section = "Bashu";

    [Required] public string ClusterId { get; set; } = "bashu";

    [Required] public string ServiceId { get; set; } = "bashucloud";

    /// <summary>Requests with a larger body are refused with 413 before anything reads them.</summary>
    [Range(1024, 64 * 1024 * 1024)] public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Requests a platform's keys may make per minute, together, through every API process.</summary>
    [Range(1, 1_000_000)] public int PlatformRequestsPerMinute { get; set; } = 600;

    /// <summary>Requests an anonymous caller (or one with a wrong key) may make per minute from one client address, in this API process.</summary>
    [Range(1, 10_000_000)] public int AnonymousRequestsPerMinute { get; set; } = 600;

    /// <summary>Requests a user's or administrator's own key may make per minute, in this API process.</summary>
    [Range(1, 10_000_000)] public int UserRequestsPerMinute { get; set; } = 1200;

    /// <summary>Sync batches this API process reads and applies at once; more get 503 with Retry-After.</summary>
    [Range(1, 1024)] public int MaxConcurrentSyncBatches { get; set; } = 8;

    /// <summary>The longest a statement of this process may run (PostgreSQL's statement_timeout); longer ones answer 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")] public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a connection of this process may sit idle inside a transaction before PostgreSQL ends it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan IdleInTransactionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an idempotency key is kept: a retry with it after that runs again (its items are idempotent).</summary>
    [Range(1, 24 * 365)] public int IdempotencyKeyRetentionHours { get; set; } = 24;

    /// <summary>How often each API process deletes expired idempotency keys and webhook deliveries.</summary>
    [Range(1, 86_400)] public int HousekeepingIntervalSeconds { get; set; } = 600;

    /// <summary>How long a sign-in to the administrators' dashboard lasts (it ends sooner when its key is revoked).</summary>
    [Range(1, 24 * 30)] public int AdminSessionHours { get; set; } = 8;

    /// <summary>The bootstrap administrator's key (also read from the BASHU_ADMIN_KEY environment variable).</summary>
    public string? AdminKey { get; set; }
}
