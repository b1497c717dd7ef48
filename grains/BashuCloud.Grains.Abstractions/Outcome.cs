namespace BashuCloud;

/// <summary>Why a grain refused a request. Expected failures are values, not exceptions.</summary>
[GenerateSerializer, Alias("bashu.Refusal")]
public enum Refusal
{
    None = 0,
    NotFound = 1,
    /// <summary>The content breaks a rule; <see cref="Outcome{T}.Errors"/> says which fields.</summary>
    Invalid = 2,
    /// <summary>The entity exists already (a create with an id that is taken).</summary>
    AlreadyExists = 3,
    /// <summary>The lifecycle does not allow this step from the current status.</summary>
    WrongStatus = 4,
    /// <summary>The caller's expected version is not the current one.</summary>
    VersionMismatch = 5,
    /// <summary>The caller may not do this to this entity.</summary>
    Forbidden = 6,
}

/// <summary>The result of a grain call: the entity after the call, or the reason it was refused.</summary>
[GenerateSerializer, Immutable, Alias("bashu.Outcome`1")]
public sealed record Outcome<T>(
    [property: Id(0)] Refusal Refusal,
    [property: Id(1)] T? Value = default,
    [property: Id(2)] string? Detail = null,
    [property: Id(3)] IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public bool Succeeded => Refusal is Refusal.None;

    public static Outcome<T> Ok(T value) => new(Refusal.None, value);

    public static Outcome<T> Refused(Refusal refusal, string detail) => new(refusal, default, detail);

    public static Outcome<T> Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(Refusal.Invalid, default, "内容不符合要求 (the content is invalid)", errors);
}
