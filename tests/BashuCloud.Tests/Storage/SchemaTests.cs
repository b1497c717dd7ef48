using BashuCloud.Schema;
using Npgsql;
using Orleans.Storage;

namespace BashuCloud.Tests.Storage;

/// <summary>
/// Our own PostgreSQL schema against the query contract of Orleans' ADO.NET providers: every query they ask
/// for is there, and each does what the provider relies on, exercised through the providers themselves.
/// </summary>
public sealed class SchemaTests : IAsyncLifetime
{
    private static readonly string[] ProviderQueries =
    [
        // clustering
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey",
        // grain storage
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        // reminders
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Every_query_the_providers_ask_for_is_in_the_catalogue()
    {
        var keys = new List<string>();
        await using (var command = _db.DataSource.CreateCommand("SELECT QueryKey FROM OrleansQuery"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) keys.Add(reader.GetString(0));
        }
        Assert.Empty(ProviderQueries.Except(keys));
    }

    [Fact]
    public async Task Migrating_again_changes_nothing()
    {
        Assert.Empty(await Migrator.MigrateAsync(_db.ConnectionString));
        Assert.Equal(Migrator.All.Count, (int)await _db.ScalarAsync<long>("SELECT count(*) FROM schema_migration"));
    }

    [Fact]
    public async Task A_database_without_a_utf8_character_locale_is_refused()
    {
        var name = $"bashu_c_{Guid.NewGuid():N}"[..20];
        await using var server = new NpgsqlConnection(TestDatabase.Server);
        await server.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0", server))
        {
            await create.ExecuteNonQueryAsync();
        }
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(TestDatabase.Server) { Database = name, Pooling = false }.ConnectionString;
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator.MigrateAsync(connection));
            Assert.Contains("C.UTF-8", refused.Message);
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE)", server);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Membership_changes_only_from_the_current_table_version()
    {
        var table = await OrleansProviders.MembershipAsync(_db.ConnectionString, "schema-membership");
        var empty = await table.ReadAllAsync();
        Assert.Empty(empty.Members);

        var silo = Member(11111, SiloStatus.Joining);
        Assert.True(await table.InsertRowAsync(silo, empty.Version.Next()));
        Assert.False(await table.InsertRowAsync(silo, empty.Version.Next()));   // stale version
        var afterInsert = await table.ReadAllAsync();
        Assert.Single(afterInsert.Members);
        Assert.Equal(empty.Version.Version + 1, afterInsert.Version.Version);

        var again = await table.ReadAllAsync();
        Assert.False(await table.InsertRowAsync(silo, again.Version.Next()));   // same silo twice
        Assert.Equal(again.Version.Version, (await table.ReadAllAsync()).Version.Version);

        silo.Status = SiloStatus.Active;
        silo.SuspectTimes = [Tuple.Create(Member(22222, SiloStatus.Active).SiloAddress, DateTime.UtcNow)];
        var current = await table.ReadAllAsync();
        var etag = current.Members.Single().Item2;   // as the membership protocol does: the row's etag from the last read
        Assert.True(await table.UpdateRowAsync(silo, etag, current.Version.Next()));
        Assert.False(await table.UpdateRowAsync(silo, etag, current.Version.Next()));
        var row = await table.ReadRowAsync(silo.SiloAddress);
        var (entry, _) = Assert.Single(row.Members);
        Assert.Equal(SiloStatus.Active, entry.Status);
        Assert.Single(entry.SuspectTimes!);
        Assert.Equal("sichuan-11111", entry.SiloName);

        var alive = DateTime.UtcNow.AddMinutes(1);
        silo.IAmAliveTime = alive;
        await table.UpdateIAmAliveAsync(silo);
        var (refreshed, _) = Assert.Single((await table.ReadRowAsync(silo.SiloAddress)).Members);
        Assert.Equal(alive, refreshed.IAmAliveTime, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Gateways_are_the_active_silos_and_defunct_silos_are_cleaned_up()
    {
        const string cluster = "schema-gateways";
        var table = await OrleansProviders.MembershipAsync(_db.ConnectionString, cluster);
        var active = Member(11111, SiloStatus.Active);
        var dead = Member(11112, SiloStatus.Dead, aliveAt: DateTime.UtcNow.AddDays(-3));
        Assert.True(await table.InsertRowAsync(active, (await table.ReadAllAsync()).Version.Next()));
        Assert.True(await table.InsertRowAsync(dead, (await table.ReadAllAsync()).Version.Next()));

        var gateways = await (await OrleansProviders.GatewaysAsync(_db.ConnectionString, cluster)).GetGateways();
        Assert.Equal([SiloAddress.New(IPAddress.Loopback, active.ProxyPort, 1).ToGatewayUri()], gateways);

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Equal([active.SiloAddress], (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress));

        await table.DeleteMembershipTableEntriesAsync(cluster);
        Assert.Equal(0L, await _db.ScalarAsync<long>("SELECT count(*) FROM cluster_version WHERE deployment_id = $1", cluster));
    }

    [Fact]
    public async Task Reminders_are_kept_read_by_grain_and_by_hash_range_and_removed_by_version()
    {
        var table = await OrleansProviders.RemindersAsync(_db.ConnectionString, "schema-reminders");
        var grain = GrainId.Create("listing", "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A");
        var entry = new ReminderEntry { GrainId = grain, ReminderName = "expiry", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(5) };
        var first = await table.UpsertRow(entry);
        var second = await table.UpsertRow(entry);
        Assert.NotEqual(first, second);

        var read = await table.ReadRow(grain, "expiry");
        Assert.Equal((TimeSpan.FromMinutes(5), second), (read!.Period, read.ETag));
        Assert.Single((await table.ReadRows(grain)).Reminders);

        var hash = grain.GetUniformHashCode();
        Assert.Single((await table.ReadRows(hash - 1, hash)).Reminders);        // (begin, end] without wrapping
        Assert.Empty((await table.ReadRows(hash, hash + 1)).Reminders);
        Assert.Single((await table.ReadRows(hash - 1, hash - 2)).Reminders);    // wrapping round the ring
        Assert.Null(await table.ReadRow(grain, "renewal"));

        Assert.False(await table.RemoveRow(grain, "expiry", first!));          // stale version
        Assert.True(await table.RemoveRow(grain, "expiry", second!));
        await table.UpsertRow(entry);
        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(grain)).Reminders);
    }

    [Fact]
    public async Task Grain_state_is_versioned_and_every_acknowledged_write_reaches_the_change_log()
    {
        var storage = await OrleansProviders.GrainStorageAsync(_db.ConnectionString);
        var grain = GrainId.Create("probe", "sichuan-state");
        var state = new GrainState<Probe> { State = new Probe("第一版") };
        await storage.WriteStateAsync("probe", grain, state);
        state.State = new Probe("第二版");
        await storage.WriteStateAsync("probe", grain, state);
        Assert.Equal("2", state.ETag);

        var stale = new GrainState<Probe> { State = new Probe("过期"), ETag = "1" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", grain, stale));

        var read = new GrainState<Probe>();
        await storage.ReadStateAsync("probe", grain, read);
        Assert.Equal(("第二版", "2", true), (read.State!.Text, read.ETag, read.RecordExists));

        await storage.ClearStateAsync("probe", grain, read);
        var cleared = new GrainState<Probe>();
        await storage.ReadStateAsync("probe", grain, cleared);
        Assert.Null(cleared.State?.Text);
        Assert.Equal("3", cleared.ETag);

        Assert.Equal(
            "1:false,2:false,3:true",
            await _db.ScalarAsync<string>("SELECT string_agg(version || ':' || deleted, ',' ORDER BY seq) FROM change_log WHERE grain_key = 'sichuan-state'"));
    }

    [Fact]
    public async Task Deleting_on_clear_removes_the_row_and_leaves_a_tombstone()
    {
        var storage = await OrleansProviders.GrainStorageAsync(_db.ConnectionString, deleteStateOnClear: true);
        var grain = GrainId.Create("probe", "sichuan-deleted");
        var state = new GrainState<Probe> { State = new Probe("将被删除") };
        await storage.WriteStateAsync("probe", grain, state);
        await storage.ClearStateAsync("probe", grain, state);
        Assert.Equal(0L, await _db.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = 'sichuan-deleted'"));
        Assert.True(await _db.ScalarAsync<bool>("SELECT deleted FROM change_log WHERE grain_key = 'sichuan-deleted' ORDER BY seq DESC LIMIT 1"));
    }

    [Fact]
    public async Task Two_grain_types_with_one_key_never_share_a_row()
    {
        var storage = await OrleansProviders.GrainStorageAsync(_db.ConnectionString);
        var key = "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A";
        await storage.WriteStateAsync("user", GrainId.Create("user", key), new GrainState<Probe> { State = new Probe("用户") });
        await storage.WriteStateAsync("listing", GrainId.Create("listing", key), new GrainState<Probe> { State = new Probe("项目") });

        var user = new GrainState<Probe>();
        var listing = new GrainState<Probe>();
        await storage.ReadStateAsync("user", GrainId.Create("user", key), user);
        await storage.ReadStateAsync("listing", GrainId.Create("listing", key), listing);
        Assert.Equal(("用户", "项目"), (user.State!.Text, listing.State!.Text));
        Assert.Equal(2L, await _db.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = $1", key));
    }

    [Fact]
    public async Task A_state_write_and_its_change_log_row_commit_together_or_not_at_all()
    {
        var storage = await OrleansProviders.GrainStorageAsync(_db.ConnectionString);
        // Make the change-log insert fail for one key: the state write must fail with it.
        await _db.ExecuteAsync("ALTER TABLE change_log ADD CONSTRAINT refuse_poison CHECK (grain_key <> 'sichuan-poison')");
        try
        {
            await Assert.ThrowsAsync<PostgresException>(() =>
                storage.WriteStateAsync("probe", GrainId.Create("probe", "sichuan-poison"), new GrainState<Probe> { State = new Probe("毒") }));
            Assert.Equal(0L, await _db.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = 'sichuan-poison'"));
        }
        finally
        {
            await _db.ExecuteAsync("ALTER TABLE change_log DROP CONSTRAINT refuse_poison");
        }
    }

    private static MembershipEntry Member(int port, SiloStatus status, DateTime? aliveAt = null) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 1),
        SiloName = $"sichuan-{port}",
        HostName = "localhost",
        Status = status,
        ProxyPort = port + 1000,
        StartTime = DateTime.UtcNow.AddMinutes(-5),
        IAmAliveTime = aliveAt ?? DateTime.UtcNow,
    };

    public sealed record Probe(string? Text)
    {
        public Probe() : this((string?)null)
        {
        }
    }
}
