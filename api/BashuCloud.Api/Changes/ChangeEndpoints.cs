using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;

namespace BashuCloud.Api.Changes;

/// <summary>/api/v1/changes: the listings' change feed, for platforms that mirror BashuCloud (scope changes:read).</summary>
public static class ChangeEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int MaxWaitSeconds = 30;

    /// <summary>Woken polls reading the feed at once: a wake-up of many waiters must not open a connection for each.</summary>
    private static readonly SemaphoreSlim WokenReads = new(8);

    public static WebApplicationBuilder AddChangeFeed(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ChangeFeed>();
        builder.Services.AddSingleton<ChangeSignal>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ChangeSignal>());
        return builder;
    }

    public static RouteGroupBuilder MapChangeEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/changes").WithTags("Changes").ProducesCommonProblems();
        group.MapGet("/", Read).RequireAuthorization(Scopes.Policy(Scopes.ChangesRead)).Produces<ChangePage>()
            .WithSummary("变更流 (the listings' changes in a stable order, from a cursor)")
            .WithDescription("Resume with nextCursor; every change after it comes at least once. wait=N (≤ 30) holds an empty answer up to N seconds until a change arrives.");
        return group;
    }

    private static async Task<IResult> Read(
        string? cursor, int? limit, int? wait, ClaimsPrincipal user, ChangeFeed feed, ChangeSignal signal, CancellationToken cancellationToken)
    {
        var after = ChangePosition.Start;
        if (cursor is not null && !ChangePosition.TryParse(cursor, out after)) return Problems.Invalid("cursor", "无效的变更游标 (not a cursor this API issued)");
        if (limit is < 1 or > MaxLimit) return Problems.Invalid("limit", $"应在 1–{MaxLimit} 之间 (1 to {MaxLimit})");
        if (wait is < 0 or > MaxWaitSeconds) return Problems.Invalid("wait", $"应在 0–{MaxWaitSeconds} 秒之间 (0 to {MaxWaitSeconds} seconds)");

        var reader = user.ToReader();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(wait ?? 0);
        // Taken before each read, so a change committed during the read still wakes the wait after it.
        var next = signal.Next;
        var page = await feed.ReadAsync(after, limit ?? DefaultLimit, reader, cancellationToken);
        // Waiting holds no connection and runs no query: the next read is after a change was notified.
        while (page.Items.Count == 0 && await WakesBeforeAsync(next, deadline, cancellationToken))
        {
            next = signal.Next;
            await WokenReads.WaitAsync(cancellationToken);
            try
            {
                page = await feed.ReadAsync(after, limit ?? DefaultLimit, reader, cancellationToken);
            }
            finally
            {
                WokenReads.Release();
            }
        }
        return TypedResults.Ok(page);
    }

    private static async Task<bool> WakesBeforeAsync(Task wake, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var remaining = deadline - DateTimeOffset.UtcNow;
        if (remaining <= TimeSpan.Zero) return false;
        try
        {
            await wake.WaitAsync(remaining, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
