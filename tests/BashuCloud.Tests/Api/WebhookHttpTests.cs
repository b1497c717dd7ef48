using System.Net.Sockets;
using System.Text;
using BashuCloud.Api.Webhooks;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The client deliveries go out through, over real HTTP to a receiver on loopback. The receiver's host name is
/// resolved by the test (here to 127.0.0.1), as a partner's DNS could answer at the moment of delivery, whatever
/// it answered when the URL was subscribed.
/// </summary>
public sealed class WebhookHttpTests
{
    private const string PartnerHost = "hooks.partner.example.cn";

    [Fact]
    public async Task A_name_that_resolves_to_a_private_address_when_delivering_is_refused_at_connect_time()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var url = OnPartnerHost(receiver.Url);
        Assert.Null(WebhookTargets.Refuse(url.Replace("http:", "https:", StringComparison.Ordinal), allowLocal: false));

        using var guarded = WebhookHttp.CreateClient(new WebhookSettings(), ResolvePartnerHostTo(IPAddress.Loopback));
        await AssertRefusedAsync(guarded, url);

        // The same name and receiver with the check lifted: it was the check, not the name, that stopped it.
        using var unguarded = WebhookHttp.CreateClient(new WebhookSettings { AllowLocalTargets = true }, ResolvePartnerHostTo(IPAddress.Loopback));
        using var delivered = await PostAsync(unguarded, url);
        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task A_name_with_public_and_private_addresses_is_dialled_at_the_public_ones_only()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = WebhookHttp.CreateClient(new WebhookSettings { TimeoutSeconds = 1 }, (_, _) =>
            Task.FromResult<IPAddress[]>([IPAddress.Loopback, IPAddress.Parse("64:ff9b::7f00:1"), IPAddress.Parse("203.0.113.10")]));

        // 203.0.113.10 is a documentation address, so nothing public is left to dial.
        await AssertRefusedAsync(client, OnPartnerHost(receiver.Url));
        Assert.Empty(receiver.Received);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_an_answer_recorded_as_it_is_never_followed(int status)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var inside = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, _) => status;
        receiver.RedirectTo = inside.Url;
        using var client = WebhookHttp.CreateClient(new WebhookSettings { AllowLocalTargets = true });

        using var response = await PostAsync(client, receiver.Url);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(inside.Url, response.Headers.Location?.ToString());
        Assert.Empty(inside.Received);
    }

    /// <summary>Refused by the address check itself (not a connection that failed for another reason).</summary>
    private static async Task AssertRefusedAsync(HttpClient client, string url)
    {
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, url));
        Assert.Contains("不是公网地址", refused.Message + refused.InnerException?.Message, StringComparison.Ordinal);
    }

    internal static HostResolver ResolvePartnerHostTo(IPAddress address) => (host, cancellationToken) =>
        host == PartnerHost ? Task.FromResult<IPAddress[]>([address]) : Dns.GetHostAddressesAsync(host, cancellationToken);

    /// <summary>The receiver's URL with the partner's host name in place of 127.0.0.1.</summary>
    internal static string OnPartnerHost(string url) => url.Replace("127.0.0.1", PartnerHost, StringComparison.Ordinal);

    /// <summary>A delivery-like POST, given up after 20 s (a client waiting on a proxy that never answers would wait for ever).</summary>
    internal static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await client.PostAsync(url, new StringContent("{}", Encoding.UTF8, "application/json"), timeout.Token);
    }
}

/// <summary>The process's default proxy is process-wide: the test that sets one runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessProxyCollection
{
    public const string Name = "process-wide proxy";
}

[Collection(ProcessProxyCollection.Name)]
public sealed class WebhookProxyTests
{
    [Fact]
    public async Task Deliveries_never_go_through_a_proxy_even_when_the_process_has_one()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var proxy = new TcpListener(IPAddress.Loopback, 0);
        proxy.Start();
        var previous = HttpClient.DefaultProxy;
        HttpClient.DefaultProxy = new WebProxy($"http://127.0.0.1:{((IPEndPoint)proxy.LocalEndpoint).Port}");
        try
        {
            // A host name, not 127.0.0.1: a proxy is never used for loopback literals, so it would not show.
            using var client = WebhookHttp.CreateClient(new WebhookSettings { AllowLocalTargets = true }, WebhookHttpTests.ResolvePartnerHostTo(IPAddress.Loopback));
            using var response = await WebhookHttpTests.PostAsync(client, WebhookHttpTests.OnPartnerHost(receiver.Url));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Single(receiver.Received);
            Assert.False(proxy.Pending(), "nothing connected to the proxy");
        }
        finally
        {
            HttpClient.DefaultProxy = previous;
        }
    }
}
