using System.ComponentModel.DataAnnotations;
using System.Net;

namespace BashuCloud.Api.Telemetry;

/// <summary>Who may read the API's /metrics, under "Bashu:Metrics".</summary>
public sealed class MetricsSettings : IValidatableObject
{
    public const string Section = "Bashu:Metrics";

    /// <summary>
    /// Loopback only: a scraper on the same machine. Not the private ranges, where the deployment's own proxy or load
    /// balancer lives: through it every client on the internet would seem to come from inside. A scraper elsewhere in the
    /// deployment's network is named in <see cref="AllowedNetworks"/>.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultNetworks = ["127.0.0.0/8", "::1/128"];

    /// <summary>
    /// Networks (CIDR) whose clients may read /metrics; any other client gets 404, as if there were no such page.
    /// Unset: <see cref="DefaultNetworks"/>. The client's address counts: the connection's, or the one forwarded by a
    /// proxy named in Bashu:ForwardedHeaders:KnownProxies (from anyone else X-Forwarded-For is ignored).
    /// </summary>
    public string[]? AllowedNetworks { get; set; }

    /// <summary>The allowed networks, parsed (call after validation).</summary>
    public IReadOnlyList<IPNetwork> Networks() => [.. (AllowedNetworks ?? DefaultNetworks).Select(n => IPNetwork.Parse(n))];

    /// <summary>Whether a client at this address may read the metrics (an address not known, as over a Unix socket, may not).</summary>
    public static bool Admits(IPAddress? client, IReadOnlyList<IPNetwork> networks)
    {
        if (client is null) return false;
        if (client.IsIPv4MappedToIPv6) client = client.MapToIPv4();
        return networks.Any(network => network.Contains(client));
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var network in AllowedNetworks ?? [])
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                yield return new ValidationResult(
                    $"{Section}:AllowedNetworks 中的 “{network}” 不是网段 (not a network in CIDR notation, e.g. 10.0.0.0/8)",
                    [nameof(AllowedNetworks)]);
            }
        }
    }
}
