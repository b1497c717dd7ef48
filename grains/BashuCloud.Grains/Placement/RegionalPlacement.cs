using BashuCloud.Regions;
using Orleans.Placement;
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

/// <remarks>
/// A silo learns the other silos' metadata shortly after they join. Until then their region is unknown, and a
/// grain of a region with no known silo goes to a silo of unknown region rather than to one known to be of the
/// wrong region: with two regions that is almost always right, and it is never worse than random.
/// </remarks>
internal sealed class RegionalPlacementDirector(SiloRegions regions) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var candidates = compatible;
        if (Regions.Regions.OfKey(target.GrainIdentity.Key.ToString()!) is { } home)
        {
            var known = compatible.Select(regions.RegionOf).ToArray();
            var inRegion = compatible.Where((_, i) => known[i] == home.Code()).ToArray();
            var unknown = compatible.Where((_, i) => known[i] is null).ToArray();
            candidates = inRegion.Length > 0 ? inRegion : unknown.Length > 0 ? unknown : compatible;
        }

        // Prefer the local silo among equals: the call is already here.
        var chosen = Array.IndexOf(candidates, context.LocalSilo) >= 0
            ? context.LocalSilo
            : candidates[Random.Shared.Next(candidates.Length)];
        return Task.FromResult(chosen);
    }
}
