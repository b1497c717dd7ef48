using BashuCloud.Platforms;
using BashuCloud.Storage;
using Orleans.TestingHost;

namespace BashuCloud.Tests.Support;

/// <summary>
/// Orleans' in-process test cluster for grain logic: two silos, the first in Sichuan and the second in
/// Chongqing, with in-memory grain storage.
/// </summary>
public sealed class RegionalTestCluster : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.AddSiloBuilderConfigurator<RegionalSilo>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

    /// <summary>The region of the silo a grain is active on.</summary>
    public async Task<Region> RegionOfActivationAsync(IAddressable grain)
    {
        var management = Grains.GetGrain<IManagementGrain>(0);
        var silo = await management.GetActivationAddress(grain) ?? throw new InvalidOperationException("The grain is not active.");
        return Cluster.Primary!.SiloAddress.Equals(silo) ? Region.Sichuan : Region.Chongqing;
    }

    /// <summary>Registers the region's provincial platform (id = region code) unless it already is.</summary>
    public async Task EnsureProvincialPlatformAsync(Region region)
    {
        var registration = new PlatformRegistration(region.DisplayName(), null, PlatformKind.Provincial, region, null);
        var outcome = await Grains.GetGrain<IPlatformGrain>(region.Code()).RegisterAsync(registration, Samples.JointAdministrator);
        Assert.True(outcome.Refusal is Refusal.None or Refusal.AlreadyExists, outcome.Detail);
    }

    private sealed class RegionalSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var region = silo.Configuration["Orleans:Name"] == Silo.PrimarySiloName ? Region.Sichuan : Region.Chongqing;
            silo.AddMemoryGrainStorage(StorageNames.Main);
            silo.AddBashuGrains(region);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RegionalClusterCollection : ICollectionFixture<RegionalTestCluster>
{
    public const string Name = "regional test cluster";
}
