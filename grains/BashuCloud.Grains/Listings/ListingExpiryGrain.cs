using BashuCloud.Placement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Listings;

/// <summary>
/// A region's expiry sweeper, at home in its region. Its one reminder only wakes it (after a failover, a restart);
/// while it is active a timer sweeps every check period. Listings decide for themselves: the sweeper only asks those
/// the read model shows past their expiry date, oldest date first, a bounded batch at a time.
/// </summary>
[GrainType("listing-expiry"), RegionalPlacement]
internal sealed class ListingExpiryGrain(
    NpgsqlDataSource database,
    TimeProvider clock,
    IOptions<ListingExpiryOptions> options,
    SiloRegions regions,
    ILogger<ListingExpiryGrain> logger) : Grain, IListingExpiryGrain, IRemindable
{
    private const string WakeUp = "wake-up";
    // Orleans' shortest reminder period: the reminder keeps the sweeper alive, the timer keeps time.
    private static readonly TimeSpan WakeUpPeriod = TimeSpan.FromMinutes(1);
    // Listing grains answer in milliseconds; a few at a time keep a backlog short without crowding the silo.
    private const int Concurrent = 8;

    // The statuses ListingState.CanExpire allows, repeated as rm_listing_expiring's predicate so the planner uses it.
    private const string DueQuery = """
        SELECT id FROM rm_listing
         WHERE region = $1 AND status IN ('Published', 'Negotiating') AND expires_on < $2
         ORDER BY expires_on, id
         LIMIT $3
        """;

    private string Region => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.ReturnHomeWhenPossible(regions);
        var period = options.Value.ExpiryCheckPeriod;
        // No reminder-service call here: during a failover it may wait on a dead silo, and the timer needs none.
        this.RegisterGrainTimer(static (grain, _) => grain.SweepQuietlyAsync(), this, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public async Task EnsureReminderAsync()
    {
        if (await this.GetReminder(WakeUp) is null) await this.RegisterOrUpdateReminder(WakeUp, WakeUpPeriod, WakeUpPeriod);
    }

    // Being activated to receive it is the reminder's whole work: the activation started the timer.
    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public async Task<int> SweepAsync()
    {
        var due = await DueAsync();
        var expired = 0;
        foreach (var chunk in due.Chunk(Concurrent))
        {
            var outcomes = await Task.WhenAll(chunk.Select(ExpireAsync));
            expired += outcomes.Count(e => e);
        }
        return expired;
    }

    private async Task SweepQuietlyAsync()
    {
        try
        {
            var expired = await SweepAsync();
            if (expired > 0) logger.LogInformation("Expired {Count} listings of {Region}", expired, Region);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // PostgreSQL unreachable, say: the next tick tries again.
            logger.LogWarning(exception, "The expiry sweep of {Region} failed", Region);
        }
    }

    private async Task<IReadOnlyList<string>> DueAsync()
    {
        await using var command = database.CreateCommand(DueQuery);
        command.Parameters.Add(new NpgsqlParameter { Value = Region });
        command.Parameters.Add(new NpgsqlParameter { Value = ListingExpiry.Today(clock.GetUtcNow()) });
        command.Parameters.Add(new NpgsqlParameter { Value = options.Value.ExpiryBatch });
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>Whether the listing is Expired after asking; one that fails (its silo failing over) is asked again next sweep.</summary>
    private async Task<bool> ExpireAsync(string id)
    {
        try
        {
            var outcome = await GrainFactory.GetGrain<IListingGrain>(id).ExpireIfDueAsync();
            return outcome.Value?.Status is ListingStatus.Expired;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Could not expire listing {ListingId}", id);
            return false;
        }
    }
}
