using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BashuCloud.Tests.Support;

/// <summary>One request a receiver got: the webhook headers, the body, and the status it answered.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body, int Answered, DateTimeOffset At);

/// <summary>
/// A partner's webhook endpoint on loopback, on real HTTP (Kestrel). <see cref="Answer"/> decides each reply from the
/// delivery's id and how many times that id came before, so a test can make it fail on purpose.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _seen = new();

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>(webhook id, earlier requests with that id) → the status to answer; 200 unless set.</summary>
    public Func<string, int, int> Answer { get; set; } = (_, _) => 200;

    /// <summary>Sent as the Location header of every 3xx answer (a receiver trying to redirect a delivery).</summary>
    public string? RedirectTo { get; set; }

    public string Url { get; }

    private WebhookReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var port = PlatformProcesses.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, $"http://127.0.0.1:{port}/hooks/bashu");
        app.MapPost("/hooks/bashu", receiver.ReceiveAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var id = request.Headers["webhook-id"].ToString();
        var status = Answer(id, _seen.AddOrUpdate(id, 0, (_, n) => n + 1));
        if (status is >= 300 and < 400 && RedirectTo is { } location) request.HttpContext.Response.Headers.Location = location;
        Received.Enqueue(new(id, request.Headers["webhook-timestamp"].ToString(), request.Headers["webhook-signature"].ToString(), body, status, DateTimeOffset.UtcNow));
        return Results.StatusCode(status);
    }

    /// <summary>Checks a request's signature as a partner's receiver does, from the secret it was given.</summary>
    public static bool IsSigned(ReceivedWebhook webhook, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{webhook.Id}.{webhook.Timestamp}.{webhook.Body}")));
        return webhook.Signature.Split(' ').Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
