namespace BashuCloud.Api.Infrastructure;

/// <summary>
/// A step on one grain: If-Match optional (checked when given), an id that cannot exist is 404 without asking the
/// cluster, a refusal is its problem, a success is 200 with the new ETag.
/// </summary>
internal static class GrainSteps
{
    public static Task<IResult> RunAsync<TView>(
        string id, HttpRequest request, Func<int?, Task<Outcome<TView>>> step, Func<TView, int> version, Func<string, IResult> notFound) =>
        RunAsync(id, request, step, version, notFound, view => view);

    /// <summary>The same, answering with <paramref name="respond"/>'s shape of the grain's view.</summary>
    public static async Task<IResult> RunAsync<TView, TResponse>(
        string id, HttpRequest request, Func<int?, Task<Outcome<TView>>> step, Func<TView, int> version, Func<string, IResult> notFound,
        Func<TView, TResponse> respond)
    {
        var precondition = Versions.IfMatch(request);
        if (precondition.Malformed) return Problems.Invalid("If-Match", "应为 ETag，如 \"3\" (an ETag such as \"3\")");
        if (!BashuId.IsValid(id)) return notFound(id);
        var outcome = await step(precondition.Version);
        if (!outcome.Succeeded) return Problems.From(outcome);
        Versions.SetETag(request.HttpContext.Response, version(outcome.Value!));
        return TypedResults.Ok(respond(outcome.Value!));
    }
}
