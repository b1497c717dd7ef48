using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace BashuCloud.Api.Infrastructure;

/// <summary>
/// Every error is application/problem+json with a Chinese title (English in brackets for partners), and
/// never a 500 for something the caller sent: unreadable JSON, unknown enum values and oversized bodies are
/// the caller's 400 or 413.
/// </summary>
public static partial class Errors
{
    public static WebApplicationBuilder AddBashuErrors(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Title = TitleFor(context.ProblemDetails.Status ?? 500);
            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        });
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddExceptionHandler<RefusedDataHandler>();
        builder.Services.AddExceptionHandler<ClusterUnavailableHandler>();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            BashuJson.Configure(o.SerializerOptions);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });
        // Let binding failures reach the handler above instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, RequestLimits>();
        return builder;
    }

    public static WebApplication UseBashuErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    public static string TitleFor(int status) => status switch
    {
        400 => "请求格式错误 (bad request)",
        401 => "未认证：缺少或无效的 X-Api-Key (unauthenticated)",
        403 => "无权执行此操作 (forbidden)",
        404 => "未找到 (not found)",
        405 => "不支持的请求方法 (method not allowed)",
        409 => "与当前状态冲突 (conflict)",
        412 => "版本已变化 (precondition failed)",
        413 => "请求体过大 (payload too large)",
        415 => "不支持的内容类型 (unsupported media type)",
        422 => "内容不符合要求 (unprocessable content)",
        428 => "缺少 If-Match 版本条件 (precondition required)",
        429 => "请求过于频繁 (too many requests)",
        503 => "服务暂不可用 (service unavailable)",
        _ => "服务器内部错误 (internal error)",
    };

    private sealed class RequestLimits(IOptions<ApiSettings> settings) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions options)
        {
            options.Limits.MaxRequestBodySize = settings.Value.MaxRequestBodyBytes;
            // Kestrel's 8 KiB request line would answer an over-long search query with a bare 414; with room for
            // 10,000 URL-encoded Chinese characters the endpoint itself refuses it with a 400 that says why.
            options.Limits.MaxRequestLineSize = 128 * 1024;
        }
    }

    /// <summary>
    /// A grain that could not be reached in time (its silo died, the cluster is failing over, the call timed out)
    /// is a 503 with Retry-After, not a 500: the caller may retry. A write's outcome is then unknown; a retry with
    /// the same If-Match is safe, since it gets 412 if the first attempt did land. So is a write refused because
    /// another activation of the grain wrote first (InconsistentStateException: a silo cut off by a partition and
    /// its replacement, for a moment); the stale activation is dropped and the retry reads the stored state. And so
    /// is PostgreSQL out of reach (restarting, recovering from a crash), from a grain or from this process.
    /// </summary>
    private sealed partial class ClusterUnavailableHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            // A statement PostgreSQL cancelled at Bashu:StatementTimeout: the request's work is bounded, retry later.
            var timedOut = exception is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.QueryCanceled };
            var database = timedOut || exception is StorageUnavailableException or StorageRefusedException or Npgsql.NpgsqlException { IsTransient: true };
            if (!database && exception is not (OrleansMessageRejectionException or TimeoutException or ClientNotAvailableException
                or GatewayTooBusyException or Orleans.Runtime.Messaging.ConnectionFailedException or Orleans.Storage.InconsistentStateException))
            {
                return false;
            }
            // One line, no stack: during a failover there are many, and the type and message say what happened.
            LogUnavailable(logger, context.Request.Method, context.Request.Path, exception.GetType().Name, exception.Message);
            context.Response.Headers.RetryAfter = "1";
            return await WriteAsync(problems, context, exception, StatusCodes.Status503ServiceUnavailable, timedOut
                ? "查询超时，请稍后重试 (the query took longer than this API allows: retry shortly)"
                : database
                ? "数据库暂不可用，请稍后重试；写操作的结果未知，请用相同的 If-Match 重试 (the database is unavailable: retry shortly; a write's outcome is unknown, retry it with the same If-Match)"
                : "集群正在切换，请稍后重试；写操作的结果未知，请用相同的 If-Match 重试 (the cluster is failing over: retry shortly; a write's outcome is unknown, retry it with the same If-Match)");
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "503 for {Method} {Path}: {Exception}: {Message}")]
        private static partial void LogUnavailable(ILogger logger, string method, string path, string exception, string message);
    }

    /// <summary>
    /// Content PostgreSQL refused as data (SQLSTATE class 22: a character or value it cannot store) is the caller's:
    /// 422, whether a grain's write was refused (only that write: its batch's other writes are stored) or this
    /// process's own statement. The validators refuse such content first; this is the net under them.
    /// </summary>
    private sealed class RefusedDataHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            var callers = exception is StorageRefusedException { IsCallersData: true }
                || exception is Npgsql.PostgresException { SqlState: ['2', '2', ..] };
            return callers && await WriteAsync(problems, context, exception, StatusCodes.Status422UnprocessableEntity,
                "内容含有数据库无法保存的字符或数值，未保存 (the content holds a character or value the database cannot store; nothing was stored)");
        }
    }

    /// <summary>Turns what the caller got wrong into a 4xx problem; everything else stays a 500.</summary>
    private sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not Microsoft.AspNetCore.Http.BadHttpRequestException bad) return false;
            var status = bad.StatusCode;
            var detail = bad.InnerException is JsonException json
                ? $"JSON 无法解析 (unreadable JSON){(json.Path is { } path ? $" at {path}" : "")}: {json.Message.Split(" Path:")[0]}"
                : bad.Message;
            return await WriteAsync(problems, context, exception, status, detail);
        }
    }

    /// <summary>An exception's answer: the status and a problem with its title and the detail.</summary>
    private static async ValueTask<bool> WriteAsync(IProblemDetailsService problems, HttpContext context, Exception exception, int status, string detail)
    {
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = TitleFor(status), Detail = detail },
        });
    }
}
