using System.Diagnostics;
using OpenTelemetry.Trace;

namespace BashuCloud.Telemetry;

/// <summary>
/// Traces start where work starts: a request or grain call received, a batch of grain writes. An outgoing call made
/// outside any of them (the read-model projection and the webhook dispatcher polling PostgreSQL, Orleans reading its
/// membership table) would be a one-span trace several times a second per process: it is not recorded. A span inside
/// a trace follows its parent's decision. (Compiled into the API and the silo.)
/// </summary>
internal sealed class WorkRootedSampler : Sampler
{
    public static Sampler Instance { get; } = new ParentBasedSampler(new WorkRootedSampler());

    private WorkRootedSampler() => Description = nameof(WorkRootedSampler);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        new(IsWorkStart(samplingParameters.Kind) ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);

    /// <summary>Whether a span with no parent begins work worth a trace (an outgoing call does not).</summary>
    public static bool IsWorkStart(ActivityKind kind) => kind is not (ActivityKind.Client or ActivityKind.Producer);
}
