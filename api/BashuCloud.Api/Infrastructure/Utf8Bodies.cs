using System.Text.Unicode;
using BashuCloud.Text;

namespace BashuCloud.Api.Infrastructure;

/// <summary>
/// A JSON body must be UTF-8 (RFC 8259). System.Text.Json checks only the strings it reads, so invalid bytes in a
/// field it skips (one the request type does not have) would pass, and a withdrawal sent with such a body would
/// be carried out. Each JSON body of an authorized request is checked whole before binding; an invalid one is a 400 problem.
/// Then every string and number in it, by <see cref="TextRules.CheckJson"/>: a refused character (a NUL, a control
/// character, a bidirectional override) or a number past decimal's range is a 422 naming each field by its JSON path,
/// so no such text reaches a grain, a batch of other callers' writes, or a table.
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
                var body = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
                if (!Utf8.IsValid(body))
                {
                    await Invalid().ExecuteAsync(context);
                    return;
                }
                if (TextRules.CheckJson(body) is { Count: > 0 } errors)
                {
                    await Problems.Unprocessable(errors).ExecuteAsync(context);
                    return;
                }
            }
            await next(context);
        });
        return app;
    }

    public static IResult Invalid() => Problems.Invalid("body", "请求体不是有效的 UTF-8 (the body is not valid UTF-8)");
}
