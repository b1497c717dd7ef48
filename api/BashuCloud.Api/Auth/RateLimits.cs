using System.Globalization;
using System.Security.Claims;
using BashuCloud.Api.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Auth;

/// <summary>
/// Each platform's keys share a budget of Bashu:PlatformRequestsPerMinute requests per one-minute window, counted in
/// PostgreSQL so that it holds across API processes. Over it: 429 with Retry-After (never 503). Every answer to a
/// platform's key carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset. Users' and administrators' own
/// keys are not limited here.
/// </summary>
public static class RateLimits
{
    public const string PlatformClaim = "platform";

    public static WebApplication UseRateLimits(this WebApplication app)
    {
        app.UseMiddleware<Middleware>();
        return app;
    }

    private sealed class Middleware(RequestDelegate next, NpgsqlDataSource database, IOptions<ApiSettings> settings, IProblemDetailsService problems)
    {
        public async Task InvokeAsync(HttpContext context)
        {
            if (context.User.FindFirstValue(PlatformClaim) is not { } platform)
            {
                await next(context);
                return;
            }
            var limit = settings.Value.PlatformRequestsPerMinute;
            var (requests, resetSeconds) = await CountAsync(platform, context.RequestAborted);
            var headers = context.Response.Headers;
            headers["RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
            headers["RateLimit-Remaining"] = Math.Max(0, limit - requests).ToString(CultureInfo.InvariantCulture);
            headers["RateLimit-Reset"] = resetSeconds.ToString(CultureInfo.InvariantCulture);
            if (requests <= limit)
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            headers.RetryAfter = resetSeconds.ToString(CultureInfo.InvariantCulture);
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = Errors.TitleFor(StatusCodes.Status429TooManyRequests),
                    Detail = $"平台 {platform} 每分钟最多 {limit} 次请求，请 {resetSeconds} 秒后重试 (at most {limit} requests a minute; retry in {resetSeconds} s)",
                },
            });
        }

        /// <summary>Counts this request in the platform's current window; returns the count and the seconds until the window ends.</summary>
        private async Task<(int Requests, int ResetSeconds)> CountAsync(string platform, CancellationToken cancellationToken)
        {
            await using var command = database.CreateCommand("""
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
    }
}
