using BashuCloud.Placement;
using BashuCloud.Storage;

namespace BashuCloud.Platforms;

[GrainType("platform"), RegionalPlacement]
internal sealed class PlatformGrain(
    [PersistentState("platform", StorageNames.Main)] IPersistentState<PlatformState> state,
    TimeProvider clock,
    SiloRegions regions) : Grain, IPlatformGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.ReturnHomeWhenPossible(regions);
        return Task.CompletedTask;
    }

    public Task<Outcome<PlatformView>> RegisterAsync(PlatformRegistration registration, Actor actor) =>
        state.Commit(state.State.Register(this.GetPrimaryKeyString(), registration, actor, clock.GetUtcNow()), this);

    public Task<PlatformView?> GetAsync() => Task.FromResult(state.State.Exists ? state.State.ToView() : null);
}
