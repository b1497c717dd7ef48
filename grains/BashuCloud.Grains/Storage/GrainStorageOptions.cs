using System.ComponentModel.DataAnnotations;

namespace BashuCloud.Storage;

public sealed class GrainStorageOptions
{
    public const string Section = "Bashu:Storage";

    /// <summary>
    /// How many batches of grain writes may be committing at once, each on its own connection. Fewer writers make
    /// bigger batches; more suit a PostgreSQL with more cores (2 measured best with 2 cores for everything).
    /// </summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 2;

    /// <summary>The most grain writes committed in one transaction.</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 256;
}
