using BashuCloud.Listings;
using BashuCloud.Platforms;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace BashuCloud.Tests.Cluster;

/// <summary>
/// Listings expire by their region's sweeper, with nobody calling them: an in-process Sichuan silo on PostgreSQL with
/// the read model's projection and a sweep every second, whose wall clock the test moves days ahead (timers keep real
/// time, so the sweeps go on).
/// </summary>
public sealed class ListingExpiryClusterTests : IAsyncLifetime
{
    private static readonly ShiftedClock Clock = new();
    private static TestDatabase s_database = null!;
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        s_database = await TestDatabase.CreateAsync();
        var builder = new TestClusterBuilder(initialSilosCount: 1);
        builder.AddSiloBuilderConfigurator<ExpiringSilo>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        var registration = new PlatformRegistration("天府科技云", null, PlatformKind.Provincial, Region.Sichuan, null);
        Assert.True((await _cluster.GrainFactory.GetGrain<IPlatformGrain>("sichuan").RegisterAsync(registration, Samples.JointAdministrator)).Succeeded);
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await s_database.DisposeAsync();
    }

    [Fact]
    public async Task A_published_listing_nobody_touches_expires_by_the_sweeper_and_expires_again_after_a_renewal()
    {
        var owner = Samples.Owner();
        var id = BashuId.New(Region.Sichuan);
        var grain = _cluster.GrainFactory.GetGrain<IListingGrain>(id);
        var tomorrow = ListingExpiry.Today(Clock.GetUtcNow()).AddDays(1);
        Assert.True((await grain.CreateAsync(new ListingCreation(Samples.Draft() with { ExpiresOn = tomorrow }, owner.PrincipalId), owner)).Succeeded);
        Assert.True((await grain.SubmitAsync(1, owner)).Succeeded);
        Assert.True((await grain.ApproveAsync(2, Samples.Administrator(Region.Sichuan))).Succeeded);
        await ReadModelStatusAsync(id, "Published");

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(ListingStatus.Published, (await grain.GetAsync())!.Status);

        Clock.Offset += TimeSpan.FromDays(3);
        Assert.Equal((ListingStatus.Expired, 4), await StatusAsync(grain, ListingStatus.Expired));
        await ReadModelStatusAsync(id, "Expired");

        var renewed = await grain.RenewAsync(ListingExpiry.Today(Clock.GetUtcNow()).AddDays(1), 4, owner);
        Assert.Equal(ListingStatus.Published, renewed.Value!.Status);
        await ReadModelStatusAsync(id, "Published");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal((ListingStatus.Published, 5), await StatusAsync(grain, ListingStatus.Published));

        Clock.Offset += TimeSpan.FromDays(3);
        Assert.Equal((ListingStatus.Expired, 6), await StatusAsync(grain, ListingStatus.Expired));
    }

    private static async Task<(ListingStatus, int)> StatusAsync(IListingGrain grain, ListingStatus wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        ListingView view;
        while ((view = (await grain.GetAsync())!).Status != wanted && DateTime.UtcNow < deadline) await Task.Delay(200);
        return (view.Status, view.Version);
    }

    private static async Task ReadModelStatusAsync(string id, string wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? status;
        while ((status = await s_database.ScalarAsync<string?>("SELECT coalesce(min(status), '') FROM rm_listing WHERE id = $1", id)) != wanted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Equal(wanted, status);
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
            silo.Services.AddSingleton(s_database.DataSource);
            silo.AddBashuGrainStorage();
            silo.Services.AddReadModelProjection();
            silo.UseInMemoryReminderService();
            silo.Services.Configure<ListingExpiryOptions>(o => o.ExpiryCheckPeriod = TimeSpan.FromSeconds(1));
            silo.Services.AddSingleton<TimeProvider>(Clock);
            silo.AddBashuGrains(Region.Sichuan);
            silo.AddListingExpiry(Region.Sichuan);
        }
    }
}
