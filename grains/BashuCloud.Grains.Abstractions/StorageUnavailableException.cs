namespace BashuCloud;

/// <summary>
/// PostgreSQL could not be reached (down, restarting, recovering) while a grain read or wrote its state. Not the
/// caller's fault and usually brief: the API answers 503 with Retry-After. A write's outcome is unknown (the commit
/// may have landed just before the connection broke); the grain has dropped its activation, so a retry with the same
/// If-Match reads what the database really holds. Carries no database exception inside: those do not cross silos.
/// </summary>
[GenerateSerializer, Alias("bashu.StorageUnavailable")]
public sealed class StorageUnavailableException : OrleansException
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message) : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
