using System.ComponentModel.DataAnnotations;

namespace BashuCloud.Listings;

public sealed class ListingExpiryOptions
{
    public const string Section = "Bashu:Listings";

    /// <summary>
    /// The expiry reminder's period: it fires at the expiry moment (or after this, whichever is sooner) and then every
    /// period until the listing has expired, a safety net for a tick missed while a silo was down. Below a minute
    /// only for tests (Orleans then allows reminders that frequent).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ExpiryCheckPeriod { get; set; } = TimeSpan.FromDays(1);
}
