using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using BashuCloud.Api.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Auth;

/// <summary>
/// Every request spends from a budget; over it, 429 with Retry-After (never 503), before any work is done.
/// <list type="bullet">
/// <item>A platform's keys share Bashu:PlatformRequestsPerMinute per one-minute window, counted in PostgreSQL so that
/// it holds across API processes (a partner's quota is part of its agreement); those answers carry RateLimit-Limit,
/// RateLimit-Remaining and RateLimit-Reset.</item>
/// <item>A user's or administrator's own key spends Bashu:UserRequestsPerMinute, and an anonymous caller (or one
/// sending a wrong key) Bashu:AnonymousRequestsPerMinute per client address, from token buckets in this process: no
/// PostgreSQL round trip on a public read (docs/decisions.md, "Budgets per caller"); behind N API processes a caller
/// may get up to N times the budget.</item>
/// </list>
/// Health probes and /metrics spend nothing: a refused probe would read as a dead process.
/// </summary>
public static class RateLimits
{
    public const string PlatformClaim = "platform";

    public static WebApplication UseRateLimits(this WebApplication app)
    {
        app.UseMiddleware<Middleware>();
        return app;
    }

    /// <summary>A token bucket holding a minute's budget, refilled every second (or one token at a time below 60 a minute).</summary>
    private static TokenBucketRateLimiterOptions PerMinute(int requests) => new()
    {
        TokenLimit = requests,
        QueueLimit = 0,
        ReplenishmentPeriod = requests >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / requests),
        TokensPerPeriod = Math.Max(1, requests / 60),
        // The partitioned limiter replenishes its buckets on one timer and drops the idle ones.
        AutoReplenishment = false,
    };

    private sealed class Middleware : IDisposable
    {
        private const string AddressPrefix = "address:";
        private readonly RequestDelegate _next;
        private readonly NpgsqlDataSource _database;
        private readonly ApiSettings _settings;
        private readonly IProblemDetailsService _problems;
        private readonly PartitionedRateLimiter<string> _callers;

        public Middleware(RequestDelegate next, NpgsqlDataSource database, IOptions<ApiSettings> settings, IProblemDetailsService problems)
        {
            (_next, _database, _settings, _problems) = (next, database, settings.Value, problems);
            var anonymous = PerMinute(_settings.AnonymousRequestsPerMinute);
            var user = PerMinute(_settings.UserRequestsPerMinute);
            _callers = PartitionedRateLimiter.Create<string, string>(caller =>
                RateLimitPartition.GetTokenBucketLimiter(caller, c => c.StartsWith(AddressPrefix, StringComparison.Ordinal) ? anonymous : user));
        }

        public async Task InvokeAsync(HttpContext context)
        {
            if (context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics"))
            {
                await _next(context);
                return;
            }
            // The authentication middleware after this one gets the same result again: a handler authenticates once a request.
            var authenticated = await context.AuthenticateAsync();
            var user = authenticated.Succeeded ? authenticated.Principal : null;
            if (user?.FindFirstValue(PlatformClaim) is { } platform)
            {
                await PlatformAsync(context, platform);
                return;
            }
            var caller = user?.FindFirstValue(ClaimTypes.NameIdentifier) is { } principal ? principal : AddressPrefix + context.Connection.RemoteIpAddress;
            using var lease = _callers.AttemptAcquire(caller);
            if (lease.IsAcquired)
            {
                await _next(context);
                return;
            }
            var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
            var detail = caller.StartsWith(AddressPrefix, StringComparison.Ordinal)
                ? $"同一地址每分钟最多 {_settings.AnonymousRequestsPerMinute} 次匿名请求，请 {retry} 秒后重试 (at most {_settings.AnonymousRequestsPerMinute} anonymous requests a minute from one address; retry in {retry} s)"
                : $"此密钥每分钟最多 {_settings.UserRequestsPerMinute} 次请求，请 {retry} 秒后重试 (at most {_settings.UserRequestsPerMinute} requests a minute for this key; retry in {retry} s)";
            await RefuseAsync(context, retry, detail);
        }

        private async Task PlatformAsync(HttpContext context, string platform)
        {
            var limit = _settings.PlatformRequestsPerMinute;
            var (requests, resetSeconds) = await CountAsync(platform, context.RequestAborted);
            var headers = context.Response.Headers;
            headers["RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
            headers["RateLimit-Remaining"] = Math.Max(0, limit - requests).ToString(CultureInfo.InvariantCulture);
            headers["RateLimit-Reset"] = resetSeconds.ToString(CultureInfo.InvariantCulture);
            if (requests <= limit)
            {
                await _next(context);
                return;
            }
            await RefuseAsync(context, resetSeconds,
                $"平台 {platform} 每分钟最多 {limit} 次请求，请 {resetSeconds} 秒后重试 (at most {limit} requests a minute; retry in {resetSeconds} s)");
        }

        private async Task RefuseAsync(HttpContext context, int retryAfterSeconds, string detail)
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await _problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = Errors.TitleFor(StatusCodes.Status429TooManyRequests),
                    Detail = detail,
                },
            });
        }

        /// <summary>Counts this request in the platform's current window; returns the count and the seconds until the window ends.</summary>
        private async Task<(int Requests, int ResetSeconds)> CountAsync(string platform, CancellationToken cancellationToken)
        {
            await using var command = _database.CreateCommand("""
                INSERT INTO rate_window AS w (principal_id, window_start, requests) VALUES ($1, date_trunc('minute', now()), 1)
                ON CONFLICT (principal_id) DO UPDATE
                   SET requests = CASE WHEN w.window_start = EXCLUDED.window_start THEN w.requests + 1 ELSE 1 END,
                       window_start = EXCLUDED.window_start
                RETURNING requests, ceil(extract(epoch FROM window_start + interval '1 minute' - now()))::int
                """);
            command.Parameters.Add(new() { Value = platform });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return (reader.GetInt32(0), Math.Max(1, reader.GetInt32(1)));
        }

        public void Dispose() => _callers.Dispose();
    }
}
