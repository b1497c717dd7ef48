using BashuCloud.Api.Audit;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Storage;
using BashuCloud.Listings;
using BashuCloud.Schema;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Storage;

namespace BashuCloud.Tests.Storage;

/// <summary>
/// The audit trail as PostgreSQL keeps it: written by the silos' state writes in their transaction, one entry per
/// version, and refused to anyone who would rewrite it.
/// </summary>
public sealed class AuditTrailStorageTests : SiloStorageTests
{
    private const string Key = "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0C";
    private const string ServiceId = "bashucloud-tests";
    private const string Trail = "SELECT string_agg(concat_ws('|', version_before, version_after, action, actor_id, actor_role, at, detail), ';' ORDER BY version_after) FROM audit_event";
    [Fact]
    public async Task Each_version_written_adds_one_entry_and_writing_a_version_again_adds_none()
    {
        var state = await WrittenListingAsync();
        Assert.Equal(
            "0|1|listing.created|sichuan-owner|Researcher;1|2|listing.submitted|sichuan-owner|Researcher;2|3|listing.rejected|sichuan-admin|Administrator|材料不全",
            await Db.ScalarAsync<string>(Trail.Replace(" at,", "", StringComparison.Ordinal)));
        Assert.Equal(Samples.Now.AddMinutes(2).UtcDateTime, await Db.ScalarAsync<DateTime>("SELECT at FROM audit_event WHERE version_after = 3"));

        // The same version stored again (the row's version moves on, the listing's does not), even with another entry.
        state.State = state.State! with { LastChange = state.State.LastChange! with { Detail = "改写" } };
        await Store.WriteStateAsync("listing", GrainId.Create("listing", Key), state);
        Assert.Equal("4", state.ETag);
        Assert.Equal(3L, await Db.ScalarAsync<long>("SELECT count(*) FROM audit_event"));
        Assert.Equal("材料不全", await Db.ScalarAsync<string>("SELECT detail FROM audit_event WHERE version_after = 3"));

        // A stale write stores nothing, so it records nothing.
        var stale = new GrainState<ListingState> { State = state.State!.Withdraw(null, null, Samples.Owner(), Samples.Now.AddMinutes(3)).Next, ETag = "1" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Store.WriteStateAsync("listing", GrainId.Create("listing", Key), stale));
        Assert.Equal(3L, await Db.ScalarAsync<long>("SELECT count(*) FROM audit_event"));
    }

    [Theory]
    [InlineData("UPDATE audit_event SET detail = '无' WHERE version_after = 2")]
    [InlineData("UPDATE audit_event SET entity_key = 'sichuan-other'")]
    [InlineData("DELETE FROM audit_event WHERE version_after = 1")]
    [InlineData("DELETE FROM audit_event")]
    [InlineData("TRUNCATE audit_event")]
    public async Task The_trail_cannot_be_rewritten_in_the_database(string rewrite)
    {
        await WrittenListingAsync();
        var before = await Db.ScalarAsync<string>(Trail);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(rewrite));
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(before, await Db.ScalarAsync<string>(Trail));
        Assert.Equal(3L, await Db.ScalarAsync<long>("SELECT count(*) FROM audit_event"));
    }

    /// <summary>
    /// As in production: a services' role that is no superuser ran the migrations (holding CREATEROLE for them, as
    /// docs/production.md says) and lost CREATEROLE after. Its own writes and reads of the trail work; it cannot
    /// rewrite the trail, switch off the triggers or replace their function, nor take the owner's role.
    /// </summary>
    [Theory]
    [InlineData("UPDATE audit_event SET detail = '无' WHERE version_after = 2", "permission denied for table audit_event")]
    [InlineData("DELETE FROM audit_event", "permission denied for table audit_event")]
    [InlineData("TRUNCATE audit_event", "permission denied for table audit_event")]
    [InlineData("ALTER TABLE audit_event DISABLE TRIGGER USER", "must be owner of table audit_event")]
    [InlineData("DROP TRIGGER audit_event_append_only ON audit_event", "must be owner of")]
    [InlineData("CREATE OR REPLACE FUNCTION bashu_refuse_audit_rewrite() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END'", "must be owner of function")]
    [InlineData("SET ROLE bashu_audit_owner", "permission denied to set role")]
    [InlineData("GRANT bashu_audit_owner TO CURRENT_USER", "must have admin option on role")]
    public async Task The_services_role_writes_and_reads_the_trail_but_cannot_rewrite_it(string rewrite, string refusal)
    {
        var role = $"bashu_service_{Guid.NewGuid():N}"[..24];
        await Db.ExecuteAsync($"CREATE ROLE {role} LOGIN CREATEROLE");
        var database = await TestDatabase.CreateAsync(migrate: false);
        try
        {
            await database.ExecuteAsync($"ALTER DATABASE {database.Name} OWNER TO {role}");
            var asService = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role }.ConnectionString;
            await Migrator.MigrateAsync(asService);
            await database.ExecuteAsync($"ALTER ROLE {role} NOCREATEROLE");

            await using var service = NpgsqlDataSource.Create(asService);
            await using (var commit = new GroupCommit(service, ServiceId, writers: 1, maxBatch: 8))
            {
                await WrittenListingAsync(new PostgresGrainStorage(service, ServiceId, commit));
            }
            var trail = new AuditTrail(service, Options.Create(new ApiSettings { ServiceId = ServiceId }));
            Assert.Equal(["listing.created", "listing.submitted", "listing.rejected"], (await trail.ReadAsync("listing", Key, default)).Select(e => e.Action));

            await using (var command = service.CreateCommand(rewrite))
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
                Assert.Contains(refusal, refused.MessageText, StringComparison.Ordinal);
            }
            Assert.Equal(3, (await trail.ReadAsync("listing", Key, default)).Count);
            Assert.Equal("O", await database.ScalarAsync<string>("SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'audit_event_append_only'"));
        }
        finally
        {
            await database.DisposeAsync();
            await Db.ExecuteAsync($"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task Orleans_own_provider_leaves_the_same_entries()
    {
        await WrittenListingAsync(await OrleansProviders.GrainStorageAsync(Db.ConnectionString));
        Assert.Equal(
            "0|1|listing.created;1|2|listing.submitted;2|3|listing.rejected",
            await Db.ScalarAsync<string>("SELECT string_agg(concat_ws('|', version_before, version_after, action), ';' ORDER BY version_after) FROM audit_event"));
    }

    /// <summary>A listing created and submitted by its owner and sent back by an administrator, stored through the silos' storage (or another).</summary>
    private async Task<GrainState<ListingState>> WrittenListingAsync(IGrainStorage? storage = null)
    {
        var grain = GrainId.Create("listing", Key);
        var owner = Samples.Owner();
        var created = new ListingState().Create(Key, new ListingCreation(Samples.Draft(), owner.PrincipalId), owner, Samples.Now).Next;
        var submitted = created.Submit(1, owner, Samples.Now.AddMinutes(1)).Next;
        var rejected = submitted.Reject("材料不全", 2, Samples.Administrator(Region.Sichuan), Samples.Now.AddMinutes(2)).Next;
        var state = new GrainState<ListingState>();
        foreach (var version in new[] { created, submitted, rejected })
        {
            state.State = version;
            await (storage ?? Store).WriteStateAsync("listing", grain, state);
        }
        return state;
    }
}
