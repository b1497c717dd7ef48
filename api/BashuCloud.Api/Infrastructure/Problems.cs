namespace BashuCloud.Api.Infrastructure;

/// <summary>Maps a grain's refusal to the HTTP answer a caller expects.</summary>
public static class Problems
{
    /// <summary>The HTTP status of a grain's refusal.</summary>
    public static int StatusOf(Refusal refusal) => refusal switch
    {
        Refusal.NotFound => StatusCodes.Status404NotFound,
        Refusal.Invalid => StatusCodes.Status422UnprocessableEntity,
        Refusal.AlreadyExists or Refusal.WrongStatus => StatusCodes.Status409Conflict,
        Refusal.VersionMismatch => StatusCodes.Status412PreconditionFailed,
        Refusal.Forbidden => StatusCodes.Status403Forbidden,
        _ => throw new InvalidOperationException($"Outcome {refusal} is not a refusal."),
    };

    public static IResult From<T>(Outcome<T> outcome)
    {
        var status = StatusOf(outcome.Refusal);
        if (outcome.Errors is { Count: > 0 } errors)
        {
            return Validation(errors, status, outcome.Detail);
        }
        return TypedResults.Problem(outcome.Detail, statusCode: status, title: Errors.TitleFor(status));
    }

    /// <summary>Documents the errors every endpoint of a group may answer with, as problem+json.</summary>
    public static RouteGroupBuilder ProducesCommonProblems(this RouteGroupBuilder group)
    {
        foreach (var status in new[] { 400, 401, 403, 404, 409, 413, 422 }) group.ProducesProblem(status);
        return group;
    }

    public static IResult Status(int status, string detail) => TypedResults.Problem(detail, statusCode: status, title: Errors.TitleFor(status));

    /// <summary>
    /// A new entity's id carries its home region, so a body without one is refused (422, as the grain would)
    /// before an id can be made.
    /// </summary>
    public static IResult RegionRequired() =>
        Validation(new Dictionary<string, string[]> { ["region"] = ["必填：sichuan 或 chongqing (required)"] },
            StatusCodes.Status422UnprocessableEntity, "内容不符合要求 (the content is invalid)");

    /// <summary>A body that reads but breaks a rule: 422 with the fields that are wrong.</summary>
    public static IResult Unprocessable(IReadOnlyDictionary<string, string[]> errors) =>
        Validation(errors, StatusCodes.Status422UnprocessableEntity, "内容不符合要求 (the content is invalid)");

    /// <summary>A query or header the caller got wrong: 400 with the field that is wrong.</summary>
    public static IResult Invalid(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] }, StatusCodes.Status400BadRequest, message);

    private static IResult Validation(IReadOnlyDictionary<string, string[]> errors, int status, string? detail) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary())
        {
            Status = status,
            Title = Errors.TitleFor(status),
            Detail = detail,
        });
}
