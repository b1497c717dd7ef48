using Microsoft.Extensions.Configuration;

namespace BashuCloud.Settings;

/// <summary>
/// Every setting under "Bashu:" that some BashuCloud process reads: the one list the README's configuration table
/// and the options classes are checked against (tests), and that each process checks its configuration against at
/// start. Configuration binding ignores a key nobody reads, so a misspelt setting (Bashu__Regoin in an env file)
/// would silently leave the default in force; instead the process refuses to start and names the nearest setting.
/// The list is shared by all processes because deployments hand one environment to several of them (./bashu does):
/// a silo must not refuse an API setting.
/// </summary>
public static class KnownSettings
{
    public const string Root = "Bashu";

    public static IReadOnlyList<string> Names { get; } =
    [
        "Bashu:Region",
        "Bashu:ClusterId",
        "Bashu:ServiceId",
        "Bashu:SiloPort",
        "Bashu:GatewayPort",
        "Bashu:AdvertisedAddress",
        "Bashu:Storage:Writers",
        "Bashu:Storage:MaxBatch",
        "Bashu:ReadLeases:Duration",
        "Bashu:Listings:ExpiryCheckPeriod",
        "Bashu:Listings:ExpiryBatch",
        "Bashu:Deals:BrokerCommissionRate",
        "Bashu:Projection:Enabled",
        "Bashu:Projection:PollInterval",
        "Bashu:Projection:BatchSize",
        "Bashu:MaxRequestBodyBytes",
        "Bashu:PlatformRequestsPerMinute",
        "Bashu:AnonymousRequestsPerMinute",
        "Bashu:UserRequestsPerMinute",
        "Bashu:MaxConcurrentSyncBatches",
        "Bashu:StatementTimeout",
        "Bashu:IdleInTransactionTimeout",
        "Bashu:Webhooks:Dispatch",
        "Bashu:Webhooks:RetryBaseSeconds",
        "Bashu:Webhooks:MaxRetryDelaySeconds",
        "Bashu:Webhooks:MaxAttempts",
        "Bashu:Webhooks:TimeoutSeconds",
        "Bashu:Webhooks:AllowLocalTargets",
        "Bashu:Webhooks:MaxSubscriptionsPerPlatform",
        "Bashu:Webhooks:PollMilliseconds",
        "Bashu:Webhooks:RetentionDays",
        "Bashu:IdempotencyKeyRetentionHours",
        "Bashu:HousekeepingIntervalSeconds",
        "Bashu:AdminSessionHours",
        "Bashu:AdminKey",
        "Bashu:Dashboard:Enabled",
        "Bashu:Dashboard:Profiling",
        "Bashu:Dashboard:LiveLog",
        "Bashu:Metrics:AllowedNetworks",
        "Bashu:ForwardedHeaders:KnownProxies",
        "Bashu:MetricsPort",
        "Bashu:Tls:CertificatePath",
        "Bashu:Tls:KeyPath",
        "Bashu:Tls:CertificatePassword",
        "Bashu:Tls:CaPath",
        "Bashu:Tls:HandshakeTimeout",
        "Bashu:Kubernetes:Enabled",
    ];

    private static readonly HashSet<string> Known = new(Names, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The configuration keys under "Bashu:" that no process reads. <paramref name="keys"/> are full keys with values
    /// (sections without a value of their own are not settings); list items ("…:AllowedNetworks:0") count as their list.
    /// </summary>
    public static IReadOnlyList<string> Unknown(IEnumerable<string> keys) =>
    [
        .. keys.Where(key => key.StartsWith(Root + ":", StringComparison.OrdinalIgnoreCase))
            .Select(WithoutListIndex)
            .Where(key => !Known.Contains(key))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Stops the process at start when its configuration holds a setting no process reads.</summary>
    public static void RejectUnknown(IConfiguration configuration)
    {
        var keys = configuration.AsEnumerable().Where(pair => pair.Value is not null).Select(pair => pair.Key).ToList();
        // Some configuration sources give a section an empty value of its own beside its children's ("Bashu:Webhooks"
        // next to "Bashu:Webhooks:Dispatch"): a section is not a setting.
        var sections = keys.SelectMany(Ancestors).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = Unknown(keys.Where(key => !sections.Contains(key)));
        if (unknown.Count > 0) throw new InvalidOperationException(Refusal(unknown));
    }

    /// <summary>Why the process will not start, naming each unknown setting and the known one it most resembles.</summary>
    public static string Refusal(IReadOnlyList<string> unknown) =>
        "未知配置项，请检查拼写 (unknown settings, check the spelling): "
        + string.Join("; ", unknown.Select(key => Nearest(key) is { } near ? $"{key} (是否指 {near}? did you mean {near}?)" : key))
        + "。所有配置项见 README 的配置表 (every setting is listed in the README's configuration table).";

    private static IEnumerable<string> Ancestors(string key)
    {
        for (var end = key.LastIndexOf(':'); end > 0; end = key.LastIndexOf(':', end - 1)) yield return key[..end];
    }

    private static string WithoutListIndex(string key)
    {
        var last = key.LastIndexOf(':');
        return last > 0 && key[(last + 1)..].All(char.IsAsciiDigit) ? key[..last] : key;
    }

    private static string? Nearest(string key)
    {
        var best = Names.MinBy(name => Distance(key.ToLowerInvariant(), name.ToLowerInvariant()))!;
        // A name that differs in more than a third of its letters is no suggestion.
        return Distance(key.ToLowerInvariant(), best.ToLowerInvariant()) <= Math.Max(2, best.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance: edits (insert, delete, replace) from one string to the other.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
