using System.ComponentModel.DataAnnotations;

namespace BashuCloud.Deals;

public sealed class DealOptions
{
    public const string Section = "Bashu:Deals";

    /// <summary>
    /// The technology broker's (技术经纪人) commission, as a share of the contract amount, credited when a deal they
    /// introduced completes.
    /// </summary>
    [Range(0.0, 0.5)]
    public decimal BrokerCommissionRate { get; set; } = 0.03m;
}
