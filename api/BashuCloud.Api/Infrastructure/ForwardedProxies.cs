using System.ComponentModel.DataAnnotations;
using System.Net;
using BashuCloud.Settings;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace BashuCloud.Api.Infrastructure;

/// <summary>The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto the API believes, under "Bashu:ForwardedHeaders".</summary>
public sealed class ForwardedHeadersSettings : IValidatableObject
{
    public const string Section = "Bashu:ForwardedHeaders";

    /// <summary>
    /// Addresses or networks (CIDR) of the proxies in front of the API. Unset: none, and the headers are ignored from
    /// everyone (loopback included), since anyone can send them: a client's own X-Forwarded-For would pass for its address.
    /// </summary>
    public string[]? KnownProxies { get; set; }

    /// <summary>The proxies as networks (call after validation); a bare address is a network of one.</summary>
    public IReadOnlyList<IPNetwork> Networks() => [.. (KnownProxies ?? []).Select(Parse)];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies ?? [])
        {
            if (!IPAddress.TryParse(proxy, out _) && !IPNetwork.TryParse(proxy, out _))
            {
                yield return new ValidationResult(
                    $"{Section}:KnownProxies 中的 “{proxy}” 不是地址或网段 (not an address or a network in CIDR notation, e.g. 10.0.0.5 or 10.0.0.0/24)",
                    [nameof(KnownProxies)]);
            }
        }
    }

    private static IPNetwork Parse(string proxy) =>
        IPAddress.TryParse(proxy, out var address) ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128) : IPNetwork.Parse(proxy);
}

/// <summary>
/// What the API believes about the connection: the client's address and scheme from the configured proxies only, and
/// HSTS outside Development (sent on https requests, including those a proxy says came in over https).
/// </summary>
public static class ForwardedProxies
{
    public static WebApplicationBuilder AddForwardedProxies(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedSettings<ForwardedHeadersSettings>(ForwardedHeadersSettings.Section);
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((options, settings) =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default; here only what the deployment names.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in settings.Value.Networks()) options.KnownIPNetworks.Add(network);
        });
        builder.Services.AddHsts(options => options.MaxAge = TimeSpan.FromDays(365));
        return builder;
    }

    public static WebApplication UseForwardedProxies(this WebApplication app)
    {
        // With no known proxy at all, ASP.NET Core's middleware believes everyone: without one, no middleware.
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.Networks().Count > 0) app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        return app;
    }
}
