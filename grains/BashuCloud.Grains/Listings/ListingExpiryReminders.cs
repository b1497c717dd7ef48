using BashuCloud.Regions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BashuCloud.Listings;

/// <summary>
/// Once the silo has started, makes sure its region's expiry sweeper has its reminder (and so is active). Off the
/// start path and every request's: the reminder service may wait on a silo that is failing over, so this retries
/// with backoff, logging, until it succeeds or the silo stops.
/// </summary>
internal sealed class ListingExpiryReminders(
    IGrainFactory grains, Region region, IHostApplicationLifetime lifetime, TimeProvider clock, ILogger<ListingExpiryReminders> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await StartedAsync(stoppingToken)) return;
        var wait = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await grains.GetGrain<IListingExpiryGrain>(region.Code()).EnsureReminderAsync().WaitAsync(stoppingToken);
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Could not ensure the expiry sweeper's reminder of {Region}; trying again in {Wait}", region.Code(), wait);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            wait = wait * 2 < LongestRetry ? wait * 2 : LongestRetry;
        }
    }

    /// <summary>Waits for the host (the silo among it) to have started; false when it stops first.</summary>
    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var onStarted = lifetime.ApplicationStarted.Register(started.SetResult);
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
