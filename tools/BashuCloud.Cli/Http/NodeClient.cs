using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace BashuCloud.Cli.Http;

/// <summary>A failure that ends the run: a side cannot be reached, or refuses the key.</summary>
public sealed class RunStoppedException(string message) : Exception(message);

/// <summary>A request the API refused for good (not a transient failure): the caller reports it, and skips the entry or stops.</summary>
public sealed class EntryRefusedException(string message) : Exception(message);

/// <summary>
/// One deployment's API as the CLI uses it (mirror, import): its key on every request, and transient failures (a fail-over's 503,
/// a rate limit's 429, a lost connection) retried with backoff, honouring Retry-After.
/// </summary>
public sealed class NodeClient : IDisposable
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly string[] ProblemFields = ["title", "detail", "errors"];
    private readonly HttpClient _http;
    private readonly string _name;
    private readonly string _englishName;
    private readonly int? _maxAttempts;
    private readonly TextWriter _log;

    /// <summary>maxAttempts null: retry until stopped (a mirror that follows the feed outlives an outage).</summary>
    public NodeClient(Uri baseAddress, string key, (string Chinese, string English) name, int? maxAttempts, TextWriter log)
    {
        // Above the feed's longest long-poll (30 s).
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Add("X-Api-Key", key);
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("bashu-cli/1");
        (_name, _englishName) = name;
        _maxAttempts = maxAttempts;
        _log = log;
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, object? body = null, int? ifMatch = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null) request.Content = JsonContent.Create(body, options: BashuJson.Options);
        if (ifMatch is { } version) request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        return request;
    }

    /// <summary>The answer to the request (built anew for each attempt), once it is not a transient failure; 401 ends the run.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            var wait = delay;
            try
            {
                using var message = request();
                var response = await _http.SendAsync(message, cancellationToken);
                if (response.StatusCode is HttpStatusCode.Unauthorized)
                {
                    response.Dispose();
                    throw new RunStoppedException($"{_name}拒绝了密钥 (the {_englishName} refused the key: 401); 请检查密钥是否正确、未撤销、未过期 (check that it is right, not revoked, not expired)");
                }
                if (!IsTransient(response.StatusCode)) return response;
                problem = $"HTTP {(int)response.StatusCode}";
                wait = RetryAfter(response) ?? delay;
                response.Dispose();
            }
            catch (HttpRequestException exception)
            {
                problem = exception.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = "超时 (timed out)";
            }
            if (attempt == _maxAttempts)
            {
                throw new RunStoppedException($"{_name}无法访问，已试 {attempt} 次 (the {_englishName} cannot be reached after {attempt} attempts): {problem}");
            }
            _log.WriteLine($"{wait.TotalSeconds:0.#} 秒后重试{_name} (retrying the {_englishName} in {wait.TotalSeconds:0.#} s): {problem}");
            await Task.Delay(wait, cancellationToken);
            delay = delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
        }
    }

    /// <summary>The body of a successful answer; any other answer is refused with what the API said about it.</summary>
    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode) throw new EntryRefusedException($"{what}: {await DescribeAsync(response, cancellationToken)}");
        return await response.Content.ReadFromJsonAsync<T>(BashuJson.Options, cancellationToken)
            ?? throw new EntryRefusedException($"{what}: 空响应 (empty answer)");
    }

    /// <summary>"HTTP 422 title: detail {errors}", short enough for one log line.</summary>
    public static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            body = string.Join(" ", ProblemFields.Select(name => root.TryGetProperty(name, out var value) ? value.ToString() : null).OfType<string>());
        }
        catch (JsonException)
        {
        }
        return $"HTTP {(int)response.StatusCode} {(body.Length > 300 ? body[..300] + "…" : body)}";
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout;

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta < MaxDelay ? delta : MaxDelay,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var until && until > TimeSpan.Zero ? (until < MaxDelay ? until : MaxDelay) : TimeSpan.Zero,
        _ => null,
    };

    public void Dispose() => _http.Dispose();
}
