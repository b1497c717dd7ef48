namespace BashuCloud.Operations;

/// <summary>
/// Bashu:Dashboard, the Orleans Dashboard that the API serves to the joint administrator at /admin/orleans. Both
/// kinds of process read it, so it lives here: the silos gather the dashboard's figures and profile grain calls, the
/// API serves the pages and asks the silos. Set it alike everywhere: an API that serves the dashboard while the
/// silos lack it answers 500 on the dashboard's data (the rest of the platform is unaffected).
/// </summary>
public sealed class ClusterDashboardOptions
{
    public const string Section = "Bashu:Dashboard";

    public bool Enabled { get; set; } = true;

    public GrainCallProfiling Profiling { get; set; } = GrainCallProfiling.OnDemand;

    /// <summary>
    /// The dashboard's log page, off by default: it streams only the one API process that the browser reached (not the
    /// silos, nor the other API processes), holds the connection for up to an hour, and the logs are kept by the
    /// host's journal or the OTLP collector anyway.
    /// </summary>
    public bool LiveLog { get; set; }
}

/// <summary>
/// The dashboard's grain-call profiler times every grain call on every silo (a stopwatch, a formatted name and a
/// shared dictionary update per call) while it is on.
/// </summary>
public enum GrainCallProfiling
{
    /// <summary>On while someone has the dashboard open, and for a minute or two after: the cost is paid while an operator looks.</summary>
    OnDemand,

    /// <summary>Always on: per-method history from the moment a silo starts, at a cost on every call, all the time.</summary>
    Always,

    /// <summary>Never: the profiler is not installed at all; the dashboard still shows silos, activations and reminders, without per-method figures.</summary>
    Off,
}
