using BashuCloud.Deals;
using BashuCloud.Listings;
using BashuCloud.Placement;
using BashuCloud.Projections;
using BashuCloud.Regions;
using BashuCloud.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace BashuCloud;

public static class GrainsHosting
{
    /// <summary>The grains' own services: the silo announces its region and places grains by theirs.</summary>
    public static ISiloBuilder AddBashuGrains(this ISiloBuilder silo, Region region)
    {
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRegion.MetadataKey] = region.Code() });
        silo.Services.AddSingleton<SiloRegions>();
        silo.AddPlacementDirector<RegionalPlacement, RegionalPlacementDirector>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddSingleton<DealMetrics>();
        return silo;
    }

    /// <summary>
    /// Listings expire by their region's sweeper (needs an NpgsqlDataSource with the read model, a reminder service and
    /// ListingExpiryOptions): this silo makes sure its region's sweeper has its reminder, once it has started.
    /// </summary>
    public static ISiloBuilder AddListingExpiry(this ISiloBuilder silo, Region region)
    {
        silo.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<ListingExpiryReminders>(services, region));
        return silo;
    }

    /// <summary>
    /// Grain state in PostgreSQL, written with group commit (needs an NpgsqlDataSource and GrainStorageOptions).
    /// </summary>
    public static ISiloBuilder AddBashuGrainStorage(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<GrainStorageOptions>>().Value;
            return new GroupCommit(services.GetRequiredService<NpgsqlDataSource>(),
                services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, options.Writers, options.MaxBatch);
        });
        silo.Services.AddGrainStorage(StorageNames.Main, (services, _) => new PostgresGrainStorage(
            services.GetRequiredService<NpgsqlDataSource>(),
            services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            services.GetRequiredService<GroupCommit>()));
        return silo;
    }

    /// <summary>The change-log projection into the read model (needs an NpgsqlDataSource and ProjectionOptions).</summary>
    public static IServiceCollection AddReadModelProjection(this IServiceCollection services) =>
        services.AddHostedService<ChangeLogProjector>();
}
