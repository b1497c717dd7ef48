using BashuCloud.Listings;
using BashuCloud.Platforms;
using BashuCloud.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace BashuCloud.Tests.Cluster;

/// <summary>
/// Listings expire by their reminder, with nobody calling: an in-process cluster with in-memory reminders that tick
/// every 2 s, whose wall clock the test moves days ahead (timers keep real time, so reminders still fire).
/// </summary>
public sealed class ListingExpiryClusterTests : IAsyncLifetime
{
    private static readonly ShiftedClock Clock = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(initialSilosCount: 1);
        builder.AddSiloBuilderConfigurator<ExpiringSilo>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        var registration = new PlatformRegistration("天府科技云", null, PlatformKind.Provincial, Region.Sichuan, null);
        Assert.True((await _cluster.GrainFactory.GetGrain<IPlatformGrain>("sichuan").RegisterAsync(registration, Samples.JointAdministrator)).Succeeded);
    }

    public async Task DisposeAsync() => await _cluster.StopAllSilosAsync();

    [Fact]
    public async Task A_published_listing_expires_by_its_reminder_and_expires_again_after_a_renewal()
    {
        var owner = Samples.Owner();
        var grain = _cluster.GrainFactory.GetGrain<IListingGrain>(BashuId.New(Region.Sichuan));
        var tomorrow = ListingExpiry.Today(Clock.GetUtcNow()).AddDays(1);
        Assert.True((await grain.CreateAsync(new ListingCreation(Samples.Draft() with { ExpiresOn = tomorrow }, owner.PrincipalId), owner)).Succeeded);
        Assert.True((await grain.SubmitAsync(1, owner)).Succeeded);
        Assert.True((await grain.ApproveAsync(2, Samples.Administrator(Region.Sichuan))).Succeeded);

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(ListingStatus.Published, (await grain.GetAsync())!.Status);

        Clock.Offset += TimeSpan.FromDays(3);
        Assert.Equal((ListingStatus.Expired, 4), await StatusAfterReminderAsync(grain, ListingStatus.Expired));

        var renewed = await grain.RenewAsync(ListingExpiry.Today(Clock.GetUtcNow()).AddDays(1), 4, owner);
        Assert.Equal(ListingStatus.Published, renewed.Value!.Status);
        Clock.Offset += TimeSpan.FromDays(3);
        Assert.Equal((ListingStatus.Expired, 6), await StatusAfterReminderAsync(grain, ListingStatus.Expired));
    }

    private static async Task<(ListingStatus, int)> StatusAfterReminderAsync(IListingGrain grain, ListingStatus wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        ListingView view;
        while ((view = (await grain.GetAsync())!).Status != wanted && DateTime.UtcNow < deadline) await Task.Delay(200);
        return (view.Status, view.Version);
    }

    /// <summary>Real time moved by an offset: only the wall clock, so timers and timestamps run as usual.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }

    private sealed class ExpiringSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(StorageNames.Main);
            silo.UseInMemoryReminderService();
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Services.Configure<ListingExpiryOptions>(o => o.ExpiryCheckPeriod = TimeSpan.FromSeconds(2));
            silo.Services.AddSingleton<TimeProvider>(Clock);
            silo.AddBashuGrains(Region.Sichuan);
        }
    }
}
