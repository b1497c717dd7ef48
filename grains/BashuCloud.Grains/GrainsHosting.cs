using BashuCloud.Placement;
using BashuCloud.Projections;
using BashuCloud.Regions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace BashuCloud;

public static class GrainsHosting
{
    /// <summary>The grains' own services: the silo announces its region and places grains by theirs.</summary>
    public static ISiloBuilder AddBashuGrains(this ISiloBuilder silo, Region region)
    {
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRegion.MetadataKey] = region.Code() });
        silo.AddPlacementDirector<RegionalPlacement, RegionalPlacementDirector>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        return silo;
    }

    /// <summary>The change-log projection into the read model (needs an NpgsqlDataSource and ProjectionOptions).</summary>
    public static IServiceCollection AddReadModelProjection(this IServiceCollection services) =>
        services.AddHostedService<ChangeLogProjector>();
}
