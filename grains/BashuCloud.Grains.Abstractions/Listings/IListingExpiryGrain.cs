namespace BashuCloud.Listings;

/// <summary>
/// The expiry sweeper of one region, keyed by the region's code ("sichuan"): it expires the region's listings whose
/// expiry moment has passed, found in the read model, so that no listing needs a reminder of its own.
/// </summary>
[Alias("bashu.IListingExpiryGrain")]
public interface IListingExpiryGrain : IGrainWithStringKey
{
    /// <summary>Registers the sweeper's one reminder unless it exists: it wakes the sweeper wherever the cluster runs it.</summary>
    [Alias("ensure-reminder")] Task EnsureReminderAsync();

    /// <summary>One sweep now (the timer does one every check period): how many of the listings it asked are Expired.</summary>
    [Alias("sweep")] Task<int> SweepAsync();
}
