using BashuCloud.Users;

namespace BashuCloud.Listings;

/// <summary>When a listing expires: dates are China dates, and a listing is valid through its expiry date.</summary>
public static class ListingExpiry
{
    /// <summary>China Standard Time has no daylight saving: a fixed offset needs no time-zone database on the silo.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    /// <summary>
    /// Who expires listings in the audit trail: the platform itself, as a joint administrator (no region), since
    /// nobody asked for the change.
    /// </summary>
    public static readonly Actor System = new("system", UserRole.Administrator, null);

    /// <summary>The end of the expiry date in China (00:00 of the next day, UTC+8): the listing is valid all of its last day.</summary>
    public static DateTimeOffset ExpiresAt(DateOnly expiresOn) =>
        new(expiresOn.AddDays(1).ToDateTime(TimeOnly.MinValue), ChinaOffset);

    /// <summary>Today's date in China.</summary>
    public static DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(now.ToOffset(ChinaOffset).DateTime);
}
