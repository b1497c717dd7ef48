using System.ComponentModel.DataAnnotations;

namespace BashuCloud.Projections;

public sealed class ProjectionOptions
{
    public const string Section = "Bashu:Projection";

    /// <summary>Whether this silo may run the read-model projection (one silo in the cluster runs it at a time).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long to wait before looking again when the change log has nothing new.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;
}
