using System.Diagnostics.Metrics;
using BashuCloud.Regions;
using BashuCloud.Telemetry;

namespace BashuCloud.Deals;

/// <summary>
/// bashu.deals.transitions: deals entering a stage, counted where the step is stored, by the stage entered and the
/// deal's region. The rate per stage is the funnel operators watch; the read model's figures tell how many are in each.
/// </summary>
internal sealed class DealMetrics
{
    private readonly Counter<long> _transitions;

    public DealMetrics(IMeterFactory meters)
    {
        _transitions = meters.Create(TelemetryNames.Meter).CreateCounter<long>(
            "bashu.deals.transitions", "{transition}", "交易进入某一阶段的次数，按阶段和区域 (deals entering a stage, by stage and region)");
    }

    public void Entered(DealStage stage, string dealId) => _transitions.Add(1,
        new KeyValuePair<string, object?>("bashu.deal.stage", stage.ToString()),
        new KeyValuePair<string, object?>("bashu.region", BashuId.RegionOf(dealId)?.Code()));
}
