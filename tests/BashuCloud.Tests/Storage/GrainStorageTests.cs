using Orleans.Storage;

namespace BashuCloud.Tests.Storage;

/// <summary>
/// The silos' grain storage (group commit) on a real PostgreSQL: what a grain hears as written is stored, with
/// its change-log row; what it hears as refused or failed is not.
/// </summary>
public sealed class GrainStorageTests : SiloStorageTests
{
    [Fact]
    public async Task State_is_versioned_a_stale_write_is_refused_and_every_write_reaches_the_change_log()
    {
        var grain = GrainId.Create("probe", "sichuan-state");
        var state = new GrainState<Probe> { State = new Probe("第一版") };
        await Store.WriteStateAsync("probe", grain, state);
        state.State = new Probe("第二版");
        await Store.WriteStateAsync("probe", grain, state);
        Assert.Equal(("2", true), (state.ETag, state.RecordExists));

        var stale = new GrainState<Probe> { State = new Probe("过期"), ETag = "1" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Store.WriteStateAsync("probe", grain, stale));
        var twice = new GrainState<Probe> { State = new Probe("重复创建") };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Store.WriteStateAsync("probe", grain, twice));

        var read = await ReadAsync("probe", grain);
        Assert.Equal(("第二版", "2", true), (read.State!.Text, read.ETag, read.RecordExists));

        await Store.ClearStateAsync("probe", grain, read);
        var cleared = await ReadAsync("probe", grain);
        Assert.Equal(((string?)null, "3", false), (cleared.State!.Text, cleared.ETag, cleared.RecordExists));

        Assert.Equal(
            "1:false,2:false,3:true",
            await Db.ScalarAsync<string>("SELECT string_agg(version || ':' || deleted, ',' ORDER BY seq) FROM change_log WHERE grain_key = 'sichuan-state'"));
    }

    [Fact]
    public async Task A_grain_never_written_reads_as_absent()
    {
        var read = await ReadAsync("probe", GrainId.Create("probe", "sichuan-never"));
        Assert.Equal(((string?)null, (string?)null, false), (read.State!.Text, read.ETag, read.RecordExists));
    }

    [Fact]
    public async Task Two_grain_types_with_one_key_never_share_a_row()
    {
        var key = "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A";
        await Store.WriteStateAsync("user", GrainId.Create("user", key), new GrainState<Probe> { State = new Probe("用户") });
        await Store.WriteStateAsync("listing", GrainId.Create("listing", key), new GrainState<Probe> { State = new Probe("项目") });

        Assert.Equal("用户", (await ReadAsync("user", GrainId.Create("user", key))).State!.Text);
        Assert.Equal("项目", (await ReadAsync("listing", GrainId.Create("listing", key))).State!.Text);
        Assert.Equal(2L, await Db.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = $1", key));
    }

    [Fact]
    public async Task Concurrent_writes_of_many_grains_each_get_their_own_outcome()
    {
        // 200 grains write at once (so batches form), and 20 of them with a stale version.
        var grains = Enumerable.Range(0, 200).Select(i => GrainId.Create("probe", $"sichuan-many-{i:D3}")).ToArray();
        foreach (var grain in grains) await Store.WriteStateAsync("probe", grain, new GrainState<Probe> { State = new Probe("v1") });

        var outcomes = await Task.WhenAll(grains.Select(async (grain, i) =>
        {
            var state = new GrainState<Probe> { State = new Probe("v2"), ETag = i % 10 == 0 ? "7" : "1" };
            try
            {
                await Store.WriteStateAsync("probe", grain, state);
                return state.ETag;
            }
            catch (InconsistentStateException)
            {
                return "refused";
            }
        }));

        Assert.Equal(20, outcomes.Count(o => o == "refused"));
        Assert.Equal(180, outcomes.Count(o => o == "2"));
        Assert.Equal(180L, await Db.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key LIKE 'sichuan-many-%' AND version = 2 AND payload->>'text' = 'v2'"));
        Assert.Equal(380L, await Db.ScalarAsync<long>("SELECT count(*) FROM change_log WHERE grain_key LIKE 'sichuan-many-%'"));
    }

    [Fact]
    public async Task A_payload_postgresql_refuses_fails_only_its_own_write_and_every_other_write_of_its_batch_is_stored()
    {
        // jsonb refuses \u0000 (22P05): one such state in a batch fails the whole statement, so the batch is written
        // again change by change. 200 writes queued at once share batches of up to 64.
        var keys = Enumerable.Range(0, 200).Select(i => i % 10 == 3 ? $"sichuan-nul-{i:D3}" : $"sichuan-good-{i:D3}").ToArray();
        var outcomes = await Task.WhenAll(keys.Select(async key =>
        {
            var state = new GrainState<Probe> { State = new Probe(key.Contains("nul", StringComparison.Ordinal) ? $"毒\u0000{key}" : $"好{key}") };
            try
            {
                await Store.WriteStateAsync("probe", GrainId.Create("probe", key), state);
                return state.ETag;
            }
            catch (StorageRefusedException refused)
            {
                return refused.IsCallersData ? "refused as the caller's data" : $"refused {refused.SqlState}";
            }
        }));

        var expected = keys.Select(k => k.Contains("nul", StringComparison.Ordinal) ? "refused as the caller's data" : "1");
        Assert.Equal(expected, outcomes);
        foreach (var key in keys.Where(k => k.Contains("good", StringComparison.Ordinal)))
        {
            var read = await ReadAsync("probe", GrainId.Create("probe", key));
            Assert.Equal(($"好{key}", "1"), (read.State!.Text, read.ETag));
        }
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key LIKE 'sichuan-nul-%'"));
        Assert.Equal(180L, await Db.ScalarAsync<long>("SELECT count(*) FROM change_log WHERE grain_key LIKE 'sichuan-good-%'"));
    }

    [Fact]
    public async Task A_write_is_acknowledged_exactly_when_it_is_stored()
    {
        // A change PostgreSQL refuses for a reason not in its content (here a constraint of the change log) fails
        // alone too: the batches it shared are written change by change. Nothing acknowledged may be missing.
        await Db.ExecuteAsync("ALTER TABLE change_log ADD CONSTRAINT refuse_poison CHECK (grain_key NOT LIKE 'sichuan-poison%')");
        try
        {
            var keys = Enumerable.Range(0, 100).Select(i => i % 7 == 0 ? $"sichuan-poison-{i:D3}" : $"sichuan-mixed-{i:D3}").ToArray();
            var acknowledged = await Task.WhenAll(keys.Select(async key =>
            {
                try
                {
                    await Store.WriteStateAsync("probe", GrainId.Create("probe", key), new GrainState<Probe> { State = new Probe(key) });
                    return true;
                }
                catch (StorageRefusedException refused) when (!refused.IsCallersData)
                {
                    return false;
                }
            }));

            var stored = new HashSet<string>();
            await using (var command = Db.DataSource.CreateCommand("SELECT grain_key FROM grain_state WHERE grain_key LIKE 'sichuan-%-0%'"))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) stored.Add(reader.GetString(0));
            }
            Assert.All(keys.Where(k => k.Contains("poison", StringComparison.Ordinal)), key => Assert.DoesNotContain(key, stored));
            Assert.Equal(keys.Where((_, i) => acknowledged[i]).Order(), stored.Order());
            Assert.Equal(keys.Where(k => !k.Contains("poison", StringComparison.Ordinal)).Order(), stored.Order());
        }
        finally
        {
            await Db.ExecuteAsync("ALTER TABLE change_log DROP CONSTRAINT refuse_poison");
        }
    }

    private async Task<GrainState<Probe>> ReadAsync(string stateName, GrainId grain)
    {
        var state = new GrainState<Probe>();
        await Store.ReadStateAsync(stateName, grain, state);
        return state;
    }

    public sealed record Probe(string? Text)
    {
        public Probe() : this((string?)null)
        {
        }
    }
}
