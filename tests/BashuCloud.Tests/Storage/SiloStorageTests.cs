using BashuCloud.Storage;

namespace BashuCloud.Tests.Storage;

/// <summary>Tests of the silos' grain storage (group commit) as a silo builds it, each class on a fresh, migrated database.</summary>
public abstract class SiloStorageTests : IAsyncLifetime, IAsyncDisposable
{
    private const string ServiceId = "bashucloud-tests";
    private GroupCommit _commit = null!;

    private protected TestDatabase Db { get; private set; } = null!;

    private protected PostgresGrainStorage Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Db = await TestDatabase.CreateAsync();
        _commit = new GroupCommit(Db.DataSource, ServiceId, writers: 2, maxBatch: 64);
        Store = new PostgresGrainStorage(Db.DataSource, ServiceId, _commit);
    }

    public async Task DisposeAsync()
    {
        await _commit.DisposeAsync();
        await Db.DisposeAsync();
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
