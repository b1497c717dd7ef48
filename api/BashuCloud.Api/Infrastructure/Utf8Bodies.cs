using System.Text.Unicode;

namespace BashuCloud.Api.Infrastructure;

/// <summary>
/// A JSON body must be UTF-8 (RFC 8259). System.Text.Json checks only the strings it reads, so invalid bytes in a
/// field it skips (one the request type does not have) would pass, and a withdrawal sent with such a body would
/// be carried out. Each JSON body of an authorized request is checked whole before binding; an invalid one is a 400 problem.
/// </summary>
public static class Utf8Bodies
{
    public static WebApplication UseUtf8Bodies(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            // Sync batches raise their own body limit and check the bytes they read (SyncBatchEndpoints).
            if (request.HasJsonContentType() && request.ContentLength is null or > 0 && !request.Path.StartsWithSegments(Partners.SyncBatchEndpoints.Path))
            {
                request.EnableBuffering();
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer, context.RequestAborted);
                request.Body.Position = 0;
                if (!Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
                {
                    await Invalid().ExecuteAsync(context);
                    return;
                }
            }
            await next(context);
        });
        return app;
    }

    public static IResult Invalid() => Problems.Invalid("body", "请求体不是有效的 UTF-8 (the body is not valid UTF-8)");
}
