using BashuCloud.Regions;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace BashuCloud.Placement;

/// <summary>
/// Places a grain on a silo of the region its key carries ("sichuan-…" on a Sichuan silo) while one is alive,
/// otherwise on any live silo so that a region's failure never makes its grains unavailable.
/// </summary>
[GenerateSerializer, Immutable, Alias("bashu.RegionalPlacement")]
public sealed class RegionalPlacement : PlacementStrategy
{
    public static RegionalPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RegionalPlacementAttribute() : PlacementAttribute(RegionalPlacement.Instance);

/// <summary>Each silo announces its region in silo metadata under this key.</summary>
public static class SiloRegion
{
    public const string MetadataKey = "region";
}

internal sealed class RegionalPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var home = Regions.Regions.OfKey(target.GrainIdentity.Key.ToString()!);
        var candidates = home is { } region ? InRegion(compatible, region.Code()) : [];
        if (candidates.Length == 0) candidates = compatible;

        // Prefer the local silo among equals: the call is already here.
        var chosen = Array.IndexOf(candidates, context.LocalSilo) >= 0
            ? context.LocalSilo
            : candidates[Random.Shared.Next(candidates.Length)];
        return Task.FromResult(chosen);
    }

    private SiloAddress[] InRegion(SiloAddress[] silos, string region) =>
        [.. silos.Where(silo => metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRegion.MetadataKey, out var value) && value == region)];
}
