namespace BashuCloud;

/// <summary>
/// What a pure state method decided: the next state (the same one when refused) and what to tell the caller.
/// </summary>
internal sealed record Decision<TState, TView>(TState Next, Outcome<TView> Outcome)
{
    public static Decision<TState, TView> Refuse(TState current, Refusal refusal, string detail) =>
        new(current, Outcome<TView>.Refused(refusal, detail));

    public static Decision<TState, TView> Invalid(TState current, IReadOnlyDictionary<string, string[]> errors) =>
        new(current, Outcome<TView>.Invalid(errors));
}
