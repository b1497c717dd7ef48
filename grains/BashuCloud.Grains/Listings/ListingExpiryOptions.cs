using System.ComponentModel.DataAnnotations;

namespace BashuCloud.Listings;

public sealed class ListingExpiryOptions
{
    public const string Section = "Bashu:Listings";

    /// <summary>
    /// How often each region's expiry sweeper looks for listings past their expiry moment: a listing expires at most
    /// this long after the end of its expiry date (plus the read model's lag). Seconds only in tests.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ExpiryCheckPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most listings one sweep expires: a backlog (after an outage) is worked off over several checks.</summary>
    [Range(1, 10_000)]
    public int ExpiryBatch { get; set; } = 500;
}
