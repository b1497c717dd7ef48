using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace BashuCloud.Tests.Storage;

/// <summary>
/// Orleans' own ADO.NET providers, built directly on a test database: the schema contract is tested with the
/// code that runs in production, not with our reading of it.
/// </summary>
public static class OrleansProviders
{
    public const string Invariant = "Npgsql";

    public static ClusterOptions Cluster(string clusterId) => new() { ClusterId = clusterId, ServiceId = "bashucloud-tests" };

    public static async Task<IMembershipTable> MembershipAsync(string connectionString, string clusterId)
    {
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(Cluster(clusterId)),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = Invariant, ConnectionString = connectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return table;
    }

    public static async Task<AdoNetGatewayListProvider> GatewaysAsync(string connectionString, string clusterId)
    {
        var provider = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new AdoNetClusteringClientOptions { Invariant = Invariant, ConnectionString = connectionString }),
            Options.Create(new GatewayOptions()),
            Options.Create(Cluster(clusterId)));
        await provider.InitializeGatewayListProvider();
        return provider;
    }

    public static async Task<IReminderTable> RemindersAsync(string connectionString, string clusterId)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(Options.Create(Cluster(clusterId)));
        services.UseAdoNetReminderService(o => o.Configure(r =>
        {
            r.Invariant = Invariant;
            r.ConnectionString = connectionString;
        }));
        var table = services.BuildServiceProvider().GetRequiredService<IReminderTable>();
        await table.StartAsync();
        return table;
    }

    public static async Task<IGrainStorage> GrainStorageAsync(string connectionString, bool deleteStateOnClear = false)
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var storage = new AdoNetGrainStorage(
            services.GetRequiredService<IActivatorProvider>(),
            NullLogger<AdoNetGrainStorage>.Instance,
            Options.Create(new AdoNetGrainStorageOptions
            {
                Invariant = Invariant,
                ConnectionString = connectionString,
                GrainStorageSerializer = new BashuCloud.Storage.JsonGrainStateSerializer(),
                HashPicker = new StorageHasherPicker([new OrleansDefaultHasher()]),
                DeleteStateOnClear = deleteStateOnClear,
            }),
            Options.Create(Cluster("unused")),
            "main");
        var lifecycle = new StartOnlyLifecycle();
        storage.Participate(lifecycle);
        await lifecycle.StartAsync();
        return storage;
    }

    /// <summary>Just enough of a silo lifecycle to run a provider's start-up (which reads its queries).</summary>
    private sealed class StartOnlyLifecycle : ISiloLifecycle
    {
        private readonly List<ILifecycleObserver> _observers = [];

        public int HighestCompletedStage => 0;

        public int LowestStoppedStage => 0;

        public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
        {
            _observers.Add(observer);
            return new NoDisposal();
        }

        public async Task StartAsync()
        {
            foreach (var observer in _observers) await observer.OnStart(CancellationToken.None);
        }

        private sealed class NoDisposal : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
