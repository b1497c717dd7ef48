using BashuCloud.Placement;
using BashuCloud.Storage;

namespace BashuCloud.Users;

[GrainType("user"), RegionalPlacement]
internal sealed class UserGrain(
    [PersistentState("user", StorageNames.Main)] IPersistentState<UserState> state,
    TimeProvider clock,
    SiloRegions regions) : Grain, IUserGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.ReturnHomeWhenPossible(regions);
        return Task.CompletedTask;
    }

    public Task<Outcome<UserView>> RegisterAsync(UserRegistration registration, Actor actor) =>
        state.Commit(state.State.Register(this.GetPrimaryKeyString(), registration, actor, clock.GetUtcNow()), this);

    public Task<UserView?> GetAsync() => Task.FromResult(state.State.Exists ? state.State.ToView() : null);
}
