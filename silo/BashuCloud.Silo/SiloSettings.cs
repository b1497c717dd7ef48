using System.ComponentModel.DataAnnotations;
using BashuCloud.Regions;
using BashuCloud.Settings;

namespace BashuCloud.Silo;

/// <summary>
/// The silo's own settings, under "Bashu" (never under "Orleans", which Orleans reads as provider configuration).
/// Read before the host is built because they shape the Orleans configuration itself.
/// </summary>
public sealed class SiloSettings
{
    public const string Section = "Bashu";

    /// <summary>sichuan or chongqing: where this silo runs; grains homed there prefer it.</summary>
    [Required, RegularExpression("^(sichuan|chongqing)$", ErrorMessage = "Bashu:Region 应为 sichuan 或 chongqing (must be sichuan or chongqing)")]
    public string Region { get; set; } = "";

    [Required] public string ClusterId { get; set; } = "bashu";

    [Required] public string ServiceId { get; set; } = "bashucloud";

    [Range(1, 65535)] public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)] public int GatewayPort { get; set; } = 30000;

    /// <summary>A port for Prometheus to scrape this silo's metrics at (/metrics, on every address); 0: none.</summary>
    [Range(0, 65535, ErrorMessage = "Bashu:MetricsPort 应为 0（关闭）或 1–65535 的端口 (0 = off, or a port from 1 to 65535)")]
    public int MetricsPort { get; set; }

    /// <summary>The address other silos and clients reach this silo at.</summary>
    [Required] public string AdvertisedAddress { get; set; } = "127.0.0.1";

    public Region HomeRegion => Regions.Regions.TryParse(Region, out var region) ? region : throw new InvalidOperationException("Bashu:Region is not validated.");

    public static SiloSettings Load(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<SiloSettings>() ?? new SiloSettings();
        if (ValidatedSettings.Failures(settings, Section) is { Count: > 0 } failures) throw new InvalidOperationException(string.Join("; ", failures));
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("Bashu")))
        {
            throw new InvalidOperationException("缺少数据库连接串 ConnectionStrings:Bashu (missing the PostgreSQL connection string)");
        }
        return settings;
    }
}
