using System.Security.Cryptography;
using System.Text;
using static BashuCloud.Tests.Api.ListingApiTests;

namespace BashuCloud.Tests.Api;

/// <summary>POST /api/v1/sync/batch: many upserts and withdrawals of one platform's listings, each on its own, with idempotent retries.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SyncBatchApiTests(PlatformFixture platform)
{
    [Fact]
    public async Task Good_items_apply_in_order_and_each_bad_one_is_rejected_with_its_reason()
    {
        var key = (await platform.IssueKeyAsync("kczg", PlatformFixture.ReadWrite)).Key;
        var (a, b, c) = (NewExternalId(), NewExternalId(), NewExternalId());
        var draft = Samples.Draft(Region.Sichuan) with { PlatformId = null };
        using var response = await SendAsync(Body("kczg",
            new { op = "upsert", externalId = a, listing = draft },
            new { op = "upsert", externalId = b, listing = draft with { Title = "" } },
            new { op = "upsert", externalId = c, listing = draft with { Title = "锂电池回收梯次利用技术" } },
            new { op = "withdraw", externalId = a, reason = "已转让" },
            new { op = "delete", externalId = c },
            new { op = "upsert", externalId = "not valid!", listing = draft }), key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var statuses = body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetInt32()).ToArray();
        Assert.Equal([201, 422, 201, 200, 400, 400], statuses);
        Assert.Equal(3, body.GetProperty("applied").GetInt32());
        Assert.Equal(3, body.GetProperty("rejected").GetInt32());
        var second = body.GetProperty("results")[1];
        Assert.True(second.GetProperty("errors").TryGetProperty("title", out _), second.ToString());

        // The withdrawal came after the upsert of the same external id, so it applied to it.
        var withdrawn = body.GetProperty("results")[3];
        Assert.Equal(body.GetProperty("results")[0].GetProperty("listingId").GetString(), withdrawn.GetProperty("listingId").GetString());
        using (var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/partners/kczg/listings/{a}", key: key))
        {
            Assert.Equal("Withdrawn", (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE state_name = 'external-listing' AND grain_key = $1", $"kczg/{b}"));
    }

    [Fact]
    public async Task An_idempotency_key_replays_the_first_answer_and_refuses_another_body_or_a_concurrent_use()
    {
        var key = (await platform.IssueKeyAsync("kczg", PlatformFixture.ReadWrite)).Key;
        var externalId = NewExternalId();
        var body = Body("kczg", new { op = "upsert", externalId, listing = Samples.Draft(Region.Sichuan) with { PlatformId = null } });
        var idempotencyKey = Guid.NewGuid().ToString();

        using var first = await SendAsync(body, key, idempotencyKey);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstText = await first.Content.ReadAsStringAsync();
        var id = JsonDocument.Parse(firstText).RootElement.GetProperty("results")[0].GetProperty("listingId").GetString()!;
        using (var again = await SendAsync(body, key, idempotencyKey))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(firstText, await again.Content.ReadAsStringAsync());
            Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        }
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM change_log WHERE state_name = 'listing' AND grain_key = $1", id));
        using (var other = await SendAsync(body.Replace("upsert", "withdraw", StringComparison.Ordinal), key, idempotencyKey))
        {
            await AssertProblem(other, HttpStatusCode.UnprocessableEntity, "same key, other body");
        }

        // A key that another request is running right now (its row is there, unfinished): 409.
        var running = Guid.NewGuid().ToString();
        await platform.Database.ExecuteAsync("INSERT INTO idempotency_key (principal_id, key, request_hash) VALUES ('kczg', $1, $2)", running, SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        using (var concurrent = await SendAsync(body, key, running)) await AssertProblem(concurrent, HttpStatusCode.Conflict, "same key running");
        // Still unfinished long after: its process died; the next request takes it over.
        await platform.Database.ExecuteAsync("UPDATE idempotency_key SET started_at = now() - interval '10 minutes' WHERE key = $1", running);
        using var takenOver = await SendAsync(body, key, running);
        Assert.Equal(HttpStatusCode.OK, takenOver.StatusCode);
    }

    [Fact]
    public async Task Refused_batches_change_nothing()
    {
        var key = (await platform.IssueKeyAsync("kczg", PlatformFixture.ReadWrite)).Key;
        var reader = (await platform.IssueKeyAsync("kczg", ["listings:read"])).Key;
        var externalId = NewExternalId();
        var item = new { op = "upsert", externalId, listing = Samples.Draft(Region.Sichuan) with { PlatformId = null } };

        using (var tooMany = await SendAsync(Body("kczg", [.. Enumerable.Repeat<object>(item, 1001)]), key)) await AssertProblem(tooMany, HttpStatusCode.RequestEntityTooLarge, "1,001 items");
        using (var nowhere = await SendAsync(Body("nowhere", item), key)) await AssertProblem(nowhere, HttpStatusCode.NotFound, "unknown partner");
        using (var malformed = await SendAsync("{\"partnerId\": \"kczg\", \"items\": [", key)) await AssertProblem(malformed, HttpStatusCode.BadRequest, "malformed JSON");
        using (var noItems = await SendAsync("{\"partnerId\": \"kczg\"}", key)) await AssertProblem(noItems, HttpStatusCode.BadRequest, "no items");
        using (var anonymous = await SendAsync(Body("kczg", item), null)) await AssertProblem(anonymous, HttpStatusCode.Unauthorized);
        using (var readOnly = await SendAsync(Body("kczg", item), reader)) await AssertProblem(readOnly, HttpStatusCode.Forbidden, "no listings:write");
        using (var badKey = await SendAsync(Body("kczg", item), key, "two words")) await AssertProblem(badKey, HttpStatusCode.BadRequest, "idempotency key with a space");
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE state_name = 'external-listing' AND grain_key = $1", $"kczg/{externalId}"));
    }

    [Fact]
    public async Task New_external_ids_are_created_together_and_every_other_path_sees_them()
    {
        var key = (await platform.IssueKeyAsync("kczg", PlatformFixture.ReadWrite)).Key;
        var ids = Enumerable.Range(0, 300).Select(_ => NewExternalId()).ToArray();
        var draft = Samples.Draft(Region.Chongqing) with { PlatformId = null };
        // Asked for before it exists: this external id's grain is active, knowing no listing, when the batch creates it.
        using (var before = await platform.SendAsync(HttpMethod.Get, $"/api/v1/partners/kczg/listings/{ids[0]}", key: key))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        }
        using (var pushedBefore = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/kczg/listings/{ids[1]}", draft, key))
        {
            Assert.Equal(HttpStatusCode.Created, pushedBefore.StatusCode);
        }

        using var response = await SendAsync(Body("kczg", [.. ids.Select((id, i) => new { op = "upsert", externalId = id, listing = draft with { Title = $"批量新建 {i}" } })]), key);
        var results = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(201, results[0].GetProperty("status").GetInt32());
        Assert.Equal(200, results[1].GetProperty("status").GetInt32());
        Assert.All(results.Skip(2), r => Assert.Equal(201, r.GetProperty("status").GetInt32()));
        Assert.All(results.Where((_, i) => i != 1), r => Assert.Equal(1, r.GetProperty("version").GetInt32()));

        // Each is one listing with its mapping and one change each, in the region it names; its grains read it.
        Assert.Equal(299L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM change_log c JOIN grain_state s ON s.grain_key = c.grain_key AND s.state_name = c.state_name WHERE c.state_name = 'listing' AND s.payload->'content'->>'title' LIKE '批量新建 %' AND s.payload->'content'->>'platformId' = 'kczg' AND c.grain_key = ANY($1)",
            (object)results.Where((_, i) => i != 1).Select(r => r.GetProperty("listingId").GetString()!).ToArray()));
        using (var after = await platform.SendAsync(HttpMethod.Get, $"/api/v1/partners/kczg/listings/{ids[0]}", key: key))
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            Assert.Equal(results[0].GetProperty("listingId").GetString(), (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        }
        using (var edited = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/kczg/listings/{ids[2]}", draft with { Title = "批量新建后修改" }, key))
        {
            Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
            Assert.Equal(2, (await edited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        }
        Assert.StartsWith("chongqing-", results[5].GetProperty("listingId").GetString(), StringComparison.Ordinal);
    }

    private static string Body(string partnerId, params object[] items) =>
        JsonSerializer.Serialize(new { partnerId, items }, BashuJson.Options);

    private async Task<HttpResponseMessage> SendAsync(string body, string? key, string? idempotencyKey = null)
    {
        using var request = platform.Request(HttpMethod.Post, "/api/v1/sync/batch", body, key);
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        return await platform.Http.SendAsync(request);
    }

    private static string NewExternalId() => $"B-{Guid.NewGuid():N}"[..14];
}
