namespace BashuCloud.Storage;

public static class StorageNames
{
    /// <summary>The PostgreSQL grain storage that also feeds the change log.</summary>
    public const string Main = "main";
}

internal static class GrainStateStore
{
    /// <summary>
    /// Stores an accepted decision and only then answers: what the caller hears as done is in PostgreSQL.
    /// When the write fails the grain forgets the unwritten state and deactivates, so the next call reloads
    /// whatever the database really holds. A decision that keeps the state as it is writes nothing.
    /// </summary>
    public static async Task<Outcome<TView>> Commit<TState, TView>(
        this IPersistentState<TState> store, Decision<TState, TView> decision, Grain grain)
    {
        if (!decision.Outcome.Succeeded || ReferenceEquals(decision.Next, store.State)) return decision.Outcome;
        var previous = store.State;
        store.State = decision.Next;
        try
        {
            await store.WriteStateAsync();
        }
        catch
        {
            store.State = previous;
            grain.DeactivateOnIdle();
            throw;
        }
        return decision.Outcome;
    }
}
