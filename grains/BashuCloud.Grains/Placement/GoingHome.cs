using BashuCloud.Regions;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace BashuCloud.Placement;

/// <summary>Which region this silo and the live silos are in, as they announce it in their metadata.</summary>
public sealed class SiloRegions(ISiloMetadataCache metadata, IOptions<SiloMetadata> local, IClusterMembershipService membership, ILocalSiloDetails localSilo)
{
    public string? Local => RegionOf(localSilo.SiloAddress);

    public string? RegionOf(SiloAddress silo)
    {
        var known = silo.Equals(localSilo.SiloAddress) ? local.Value.Metadata : metadata.GetSiloMetadata(silo).Metadata;
        return known.TryGetValue(SiloRegion.MetadataKey, out var region) ? region : null;
    }

    /// <summary>Whether a silo of <paramref name="region"/> is active in the cluster.</summary>
    public bool IsUp(Region region) =>
        membership.CurrentSnapshot.Members.Values.Any(m => m.Status == SiloStatus.Active && RegionOf(m.SiloAddress) == region.Code());
}

/// <summary>
/// A grain that had to live away from its region (its region's silos were gone when it was activated) moves
/// back once a silo of its region is up again: placement then puts it at home. Migration carries its state and
/// waits until the grain is idle, so no call is lost or refused on the way.
/// </summary>
internal static class GoingHome
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);

    public static void ReturnHomeWhenPossible(this Grain grain, SiloRegions regions)
    {
        if (Regions.Regions.OfKey(grain.GetPrimaryKeyString()) is not { } home || regions.Local == home.Code()) return;
        grain.RegisterGrainTimer(static (state, _) =>
        {
            if (state.Regions.IsUp(state.Home)) state.Grain.MigrateOnIdle();
            return Task.CompletedTask;
        }, (Grain: grain, Regions: regions, Home: home), new GrainTimerCreationOptions(CheckEvery, CheckEvery) { Interleave = true });
    }
}
