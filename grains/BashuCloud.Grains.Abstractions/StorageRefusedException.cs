namespace BashuCloud;

/// <summary>
/// PostgreSQL refused one grain's write: the statement failed, so nothing of it was stored, and the writes that shared
/// its batch were written on their own. A data exception (SQLSTATE class 22, such as a NUL in a JSON string or a value
/// out of range) is the caller's content: the API answers 422. Anything else is ours and passing: 503 with Retry-After.
/// Carries the SQLSTATE and message only: database exceptions do not cross silos.
/// </summary>
[GenerateSerializer, Alias("bashu.StorageRefused")]
public sealed class StorageRefusedException : OrleansException
{
    public StorageRefusedException()
    {
    }

    public StorageRefusedException(string sqlState, string message) : base(message) => SqlState = sqlState;

    /// <summary>PostgreSQL's SQLSTATE for the refusal ("22P05": untranslatable character).</summary>
    [Id(0)] public string SqlState { get; init; } = "";

    /// <summary>Whether the write's own content was refused (SQLSTATE class 22, data exception).</summary>
    public bool IsCallersData => SqlState.StartsWith("22", StringComparison.Ordinal);
}
