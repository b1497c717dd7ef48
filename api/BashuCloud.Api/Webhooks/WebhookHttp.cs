using System.Net;
using System.Net.Sockets;

namespace BashuCloud.Api.Webhooks;

/// <summary>Looks up a host's addresses; DNS unless a test says otherwise.</summary>
public delegate Task<IPAddress[]> HostResolver(string host, CancellationToken cancellationToken);

/// <summary>
/// The one HTTP client deliveries go out through. It connects only where a webhook URL may reach: no proxy (a proxy
/// would make the connection, to an address nobody checked), no redirects (a receiver cannot bounce a delivery
/// into our network), no cookies carried from one receiver to the next, and, unless local targets are allowed,
/// every connection checked against the addresses it actually dials, resolved at that moment (a name that pointed
/// at a public address when subscribed may point at a private one now).
/// </summary>
public static class WebhookHttp
{
    public static HttpClient CreateClient(WebhookSettings settings, HostResolver? resolve = null)
    {
        var http = new HttpClient(CreateHandler(settings, resolve)) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("BashuCloud-Webhooks/1");
        return http;
    }

    public static SocketsHttpHandler CreateHandler(WebhookSettings settings, HostResolver? resolve = null)
    {
        resolve ??= Dns.GetHostAddressesAsync;
        var checkAddresses = !settings.AllowLocalTargets;
        return new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var host = context.DnsEndPoint.Host;
                var addresses = await resolve(host, cancellationToken);
                var allowed = checkAddresses ? addresses.Where(WebhookTargets.IsPublic).ToArray() : addresses;
                if (allowed.Length == 0) throw new HttpRequestException($"{host} 不是公网地址 (resolves to no public address)");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}
