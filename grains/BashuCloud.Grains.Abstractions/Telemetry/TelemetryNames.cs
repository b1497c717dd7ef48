namespace BashuCloud.Telemetry;

/// <summary>
/// The names operators find our telemetry by, the same in every process (API and silos): dashboards and alerts are
/// written against them, so they change only with a note in the README.
/// </summary>
public static class TelemetryNames
{
    /// <summary>Our own metrics (bashu.*), beside Orleans', ASP.NET Core's, Npgsql's and the runtime's.</summary>
    public const string Meter = "BashuCloud";

    /// <summary>Spans of grain storage: a group-commit batch, under which its database statement runs.</summary>
    public const string StorageActivitySource = "BashuCloud.Storage";

    /// <summary>Orleans' spans of application grain calls and of its own runtime calls.</summary>
    public static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>Meters every process exports: Orleans', Npgsql's, the .NET runtime's (built into .NET 9+) and ours.</summary>
    public static readonly string[] CommonMeters = ["Microsoft.Orleans", "Npgsql", "System.Runtime", Meter];
}
