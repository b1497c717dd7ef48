using System.Text;
using BashuCloud.Deals;
using BashuCloud.Users;

namespace BashuCloud.Tests.Api;

/// <summary>
/// Every endpoint of the OpenAPI document × every kind of caller, with the status each must get. Mutating cases get
/// fresh objects for every caller, so one caller's success cannot change what the next one meets. The test fails
/// when an endpoint declares no authorization (x-bashu-access "none"), when an endpoint has no row here, and on any
/// status other than the expected one: above all, on any unexpected success.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AuthorizationMatrixTests(PlatformFixture platform)
{
    /// <summary>The callers, in the order of each row's expected statuses.</summary>
    private enum Who
    {
        Anonymous, WrongKey, Owner, OtherResearcher, Admin, OtherAdmin, JointAdmin, Partner, PartnerReadOnly, OtherPartner,
    }

    /// <summary>What one call sends: the path, a body, an If-Match.</summary>
    private sealed record Target(string Path, object? Body = null, string? IfMatch = null);

    private sealed record Case(string Operation, Func<Fixtures, ValueTask<Target>> Target, int[] Expected, bool ItemStatus = false);

    private static readonly Case[] Cases =
    [
        //                                                                                   anon wrong owner oRes admin oAdm joint part pRO oPart
        new("GET /api/v1/listings", _ => Path("/api/v1/listings"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET /api/v1/listings/{id}", async f => new Target($"/api/v1/listings/{(await f.DraftAsync()).Id}"), [404, 401, 200, 404, 200, 404, 200, 404, 404, 404]),
        new("GET /api/v1/listings/search", _ => Path("/api/v1/listings/search?q=地铁"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET /api/v1/listings/{id}/matches", async f => new Target($"/api/v1/listings/{(await f.DraftAsync()).Id}/matches"), [404, 401, 200, 404, 200, 404, 200, 404, 404, 404]),
        new("GET /api/v1/listings/{id}/history", async f => new Target($"/api/v1/listings/{(await f.DraftAsync()).Id}/history"), [401, 401, 200, 404, 200, 404, 200, 404, 404, 404]),
        new("POST /api/v1/listings", _ => Body("/api/v1/listings", Samples.Draft(Region.Sichuan)), [401, 401, 201, 201, 201, 201, 201, 403, 403, 403]),
        new("PUT /api/v1/listings/{id}", f => f.EditAsync(), [401, 401, 200, 403, 200, 403, 200, 403, 403, 403]),
        new("POST /api/v1/listings/{id}/submit", async f => new Target($"/api/v1/listings/{(await f.DraftAsync()).Id}/submit"), [401, 401, 200, 403, 200, 403, 200, 403, 403, 403]),
        new("POST /api/v1/listings/{id}/approve", async f => new Target($"/api/v1/listings/{await f.SubmittedAsync()}/approve"), [401, 401, 403, 403, 200, 403, 200, 403, 403, 403]),
        new("POST /api/v1/listings/{id}/reject", async f => new Target($"/api/v1/listings/{await f.SubmittedAsync()}/reject", new { reason = "材料不全" }), [401, 401, 403, 403, 200, 403, 200, 403, 403, 403]),
        new("POST /api/v1/listings/{id}/renew", async f => new Target($"/api/v1/listings/{await f.PublishedAsync()}/renew", new { expiresOn = "2029-12-31" }),
            [401, 401, 200, 403, 200, 403, 200, 403, 403, 403]),
        new("POST /api/v1/listings/{id}/withdraw", async f => new Target($"/api/v1/listings/{(await f.DraftAsync()).Id}/withdraw"), [401, 401, 200, 403, 200, 403, 200, 403, 403, 403]),
        new("POST /api/v1/users", _ => Body("/api/v1/users", new UserRegistration("矩阵用户", UserRole.Researcher, Region.Sichuan, null, null)), [401, 401, 403, 403, 201, 403, 201, 403, 403, 403]),
        new("GET /api/v1/users/{id}", f => Path($"/api/v1/users/{f.OwnerId}"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET /api/v1/platforms", _ => Path("/api/v1/platforms"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET /api/v1/platforms/{id}", _ => Path("/api/v1/platforms/kczg"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("PUT /api/v1/platforms/{id}", _ => Body($"/api/v1/platforms/m-{Guid.NewGuid():N}"[..24], new { name = "矩阵平台", kind = "Partner", homeRegion = "sichuan" }),
            [401, 401, 403, 403, 201, 403, 201, 403, 403, 403]),
        new("POST /api/v1/platforms/{id}/keys", _ => Body("/api/v1/platforms/kczg/keys", new { scopes = PlatformFixture.ReadWrite }), [401, 401, 403, 403, 403, 403, 201, 403, 403, 403]),
        new("GET /api/v1/platforms/{id}/keys", _ => Path("/api/v1/platforms/kczg/keys"), [401, 401, 403, 403, 403, 403, 200, 403, 403, 403]),
        new("POST /api/v1/platforms/{id}/keys/{keyId}/rotate", async f => new Target($"/api/v1/platforms/kczg/keys/{await f.KeyIdAsync()}/rotate", new { overlapSeconds = 0 }),
            [401, 401, 403, 403, 403, 403, 201, 403, 403, 403]),
        new("DELETE /api/v1/platforms/{id}/keys/{keyId}", async f => new Target($"/api/v1/platforms/kczg/keys/{await f.KeyIdAsync()}"), [401, 401, 403, 403, 403, 403, 204, 403, 403, 403]),
        // Keys across regions: every platform's keys are minted by the joint administrator only (a platform's key reaches both provinces); administrators are registered by the joint one only; a key is revoked by its holder's region's administrator or the joint one.
        new("POST /api/v1/platforms/{id}/keys", _ => Body("/api/v1/platforms/chongqing/keys", new { scopes = PlatformFixture.ReadWrite }), [401, 401, 403, 403, 403, 403, 201, 403, 403, 403]),
        new("POST /api/v1/users", _ => Body("/api/v1/users", new UserRegistration("矩阵管理员", UserRole.Administrator, Region.Sichuan, null, null)), [401, 401, 403, 403, 403, 403, 201, 403, 403, 403]),
        new("DELETE /api/v1/keys/{keyId}", async f => new Target($"/api/v1/keys/{await f.KeyIdAsync()}"), [401, 401, 403, 403, 204, 403, 204, 403, 403, 403]),
        new("DELETE /api/v1/keys/{keyId}", async f => new Target($"/api/v1/keys/{await f.UserKeyIdAsync(Region.Chongqing)}"), [401, 401, 403, 403, 403, 204, 204, 403, 403, 403]),
        new("PUT /api/v1/partners/{partnerId}/listings/{externalId}", _ => Body($"/api/v1/partners/kczg/listings/m-{Guid.NewGuid():N}", Samples.Draft(Region.Sichuan) with { PlatformId = null }),
            [401, 401, 403, 403, 201, 403, 201, 201, 403, 403]),
        new("GET /api/v1/partners/{partnerId}/listings/{externalId}", async f => new Target($"/api/v1/partners/kczg/listings/{await f.PartnerDraftAsync()}"),
            [404, 401, 404, 404, 200, 404, 200, 200, 200, 404]),
        new("POST /api/v1/sync/batch", _ => Body("/api/v1/sync/batch", new { partnerId = "kczg", items = new[] { new { op = "upsert", externalId = $"m-{Guid.NewGuid():N}", listing = Samples.Draft(Region.Sichuan) with { PlatformId = null } } } }),
            [401, 401, 403, 403, 201, 403, 201, 201, 403, 403], ItemStatus: true),
        new("GET /api/v1/changes", _ => Path("/api/v1/changes?limit=1"), [401, 401, 200, 200, 200, 200, 200, 200, 403, 200]),
        new("POST /api/v1/platforms/{id}/webhooks", _ => Body("/api/v1/platforms/kczg/webhooks", new { url = "http://127.0.0.1:9/hooks", events = Fixtures.RemovedOnly }),
            [401, 401, 403, 403, 403, 403, 201, 201, 403, 403]),
        new("GET /api/v1/platforms/{id}/webhooks", _ => Path("/api/v1/platforms/kczg/webhooks"), [401, 401, 403, 403, 403, 403, 200, 200, 403, 403]),
        new("GET /api/v1/platforms/{id}/webhooks/{subscriptionId}", f => Path($"/api/v1/platforms/kczg/webhooks/{f.Subscription}"), [401, 401, 403, 403, 403, 403, 200, 200, 403, 403]),
        new("DELETE /api/v1/platforms/{id}/webhooks/{subscriptionId}", async f => new Target($"/api/v1/platforms/kczg/webhooks/{await f.SubscribeAsync()}"),
            [401, 401, 403, 403, 403, 403, 204, 204, 403, 403]),
        new("GET /api/v1/platforms/{id}/webhooks/{subscriptionId}/deliveries", f => Path($"/api/v1/platforms/kczg/webhooks/{f.Subscription}/deliveries"),
            [401, 401, 403, 403, 403, 403, 200, 200, 403, 403]),
        new("POST /api/v1/platforms/{id}/webhooks/{subscriptionId}/deliveries/{deliveryId}/redeliver", f => Path($"/api/v1/platforms/kczg/webhooks/{f.Subscription}/deliveries/{f.Delivery}/redeliver"),
            [401, 401, 403, 403, 403, 403, 202, 202, 403, 403]),
        new("GET /api/v1/stats/joint", _ => Path("/api/v1/stats/joint"), [401, 401, 200, 200, 200, 200, 200, 403, 403, 403]),
        new("GET /api/v1/stats/joint.csv", _ => Path("/api/v1/stats/joint.csv"), [401, 401, 200, 200, 200, 200, 200, 403, 403, 403]),
        new("GET /api/v1/stats/read-model", _ => Path("/api/v1/stats/read-model"), [401, 401, 200, 200, 200, 200, 200, 403, 403, 403]),
        new("GET /api/v1/registry/lists", _ => Path("/api/v1/registry/lists?year=2020"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET /api/v1/registry/societies", _ => Path("/api/v1/registry/societies?year=2020"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET /api/v1/registry/activities", _ => Path("/api/v1/registry/activities?region=sichuan"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET /api/v1/registry/papers", _ => Path("/api/v1/registry/papers?limit=5"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST /api/v1/registry/societies", _ => Body("/api/v1/registry/societies", Fixtures.Member()), [401, 401, 403, 403, 201, 403, 201, 403, 403, 403]),
        new("POST /api/v1/registry/activities", _ => Body("/api/v1/registry/activities", Fixtures.Member()), [401, 401, 403, 403, 201, 403, 201, 403, 403, 403]),
        new("POST /api/v1/registry/papers", _ => Body("/api/v1/registry/papers", Fixtures.Member()), [401, 401, 403, 403, 201, 403, 201, 403, 403, 403]),
        new("POST /api/v1/listings/{id}/inquiries", async f => new Target($"/api/v1/listings/{await f.OnOfferAsync()}/inquiries", DealScript.Inquiry),
            [401, 401, 403, 201, 403, 403, 403, 403, 403, 403]),
        // Deals: the owner sells, the other region's researcher buys; either region's administrators may look.
        new("GET /api/v1/deals/{id}", async f => new Target($"/api/v1/deals/{await f.InquiryAsync()}"), [401, 401, 200, 200, 200, 200, 200, 404, 404, 404]),
        new("GET /api/v1/deals/{id}/history", async f => new Target($"/api/v1/deals/{await f.InquiryAsync()}/history"), [401, 401, 200, 200, 200, 200, 200, 404, 404, 404]),
        new("POST /api/v1/deals/{id}/engage", async f => new Target($"/api/v1/deals/{await f.DealAsync(DealStage.Inquiry)}/engage"),
            [401, 401, 200, 403, 403, 403, 403, 404, 403, 404]),
        new("POST /api/v1/deals/{id}/offers", async f => new Target($"/api/v1/deals/{await f.DealAsync(DealStage.Negotiating)}/offers", DealScript.SellerOffer),
            [401, 401, 200, 200, 403, 403, 403, 404, 403, 404]),
        new("POST /api/v1/deals/{id}/accept", async f => new Target($"/api/v1/deals/{await f.DealAsync(DealStage.Negotiating, offered: true)}/accept", new { offer = 1 }),
            [401, 401, 403, 200, 403, 403, 403, 404, 403, 404]),
        new("POST /api/v1/deals/{id}/decline", async f => new Target($"/api/v1/deals/{await f.DealAsync(DealStage.Inquiry)}/decline", new { reason = "Price" }),
            [401, 401, 200, 200, 403, 403, 403, 404, 403, 404]),
        new("POST /api/v1/deals/{id}/cancel", async f => new Target($"/api/v1/deals/{await f.DealAsync(DealStage.Inquiry)}/cancel", new { note = "矩阵" }),
            [401, 401, 200, 200, 403, 403, 403, 404, 403, 404]),
        new("POST /api/v1/deals/{id}/contract", async f => new Target($"/api/v1/deals/{await f.DealAsync(DealStage.Agreed)}/contract", DealScript.Contract),
            [401, 401, 200, 200, 403, 403, 403, 404, 403, 404]),
        new("POST /api/v1/deals/{id}/registration", async f => new Target($"/api/v1/deals/{await f.DealAsync(DealStage.Contracted)}/registration"),
            [401, 401, 200, 403, 200, 403, 200, 404, 403, 404]),
        // Completing trades the listing: a fresh one each time, so the next caller's deal can still be opened.
        new("POST /api/v1/deals/{id}/complete", async f => new Target($"/api/v1/deals/{await f.DealAsync(DealStage.Registered, freshListing: true)}/complete"),
            [401, 401, 200, 403, 200, 403, 200, 404, 403, 404]),
        new("POST /api/v1/deals/{id}/legal-review", async f => new Target($"/api/v1/deals/{await f.DealAsync(DealStage.Agreed)}/legal-review", new { reviewerId = await f.LawyerAsync() }),
            [401, 401, 200, 200, 403, 403, 403, 404, 403, 404]),
        // Only the reviewer asked may give the opinion, and no caller here is that reviewer.
        new("POST /api/v1/deals/{id}/legal-review/opinion", async f => new Target($"/api/v1/deals/{await f.UnderLegalReviewAsync()}/legal-review/opinion", new { opinion = "NoObjection" }),
            [401, 401, 403, 403, 403, 403, 403, 404, 403, 404]),
        // Rights (确权): the owner claims; an administrator of the listing's region (or a legal service provider, not among
        // these callers) reviews, never the owner. A draft's claim is hidden like the draft.
        new("GET /api/v1/listings/{id}/rights", async f => new Target($"/api/v1/listings/{await f.ClaimedDraftAsync()}/rights"), [401, 401, 200, 404, 200, 404, 200, 404, 404, 404]),
        new("PUT /api/v1/listings/{id}/rights", async f => new Target($"/api/v1/listings/{await f.Rights.PatentAsync()}/rights", RightsScript.Claim),
            [401, 401, 200, 403, 200, 403, 200, 403, 403, 403]),
        new("POST /api/v1/listings/{id}/rights/confirm", async f => new Target($"/api/v1/listings/{await f.Rights.ClaimedAsync()}/rights/confirm"),
            [401, 401, 403, 403, 200, 403, 200, 403, 403, 403]),
        new("POST /api/v1/listings/{id}/rights/reject", async f => new Target($"/api/v1/listings/{await f.Rights.ClaimedAsync()}/rights/reject", new { reason = "矩阵" }),
            [401, 401, 403, 403, 200, 403, 200, 403, 403, 403]),
        // Valuations (评估): only valuers write them (none of these callers is one); the owner and the region's administrators read them.
        new("POST /api/v1/listings/{id}/valuations", async f => new Target($"/api/v1/listings/{await f.OnOfferAsync()}/valuations", RightsScript.Valuation),
            [401, 401, 403, 403, 403, 403, 403, 403, 403, 403]),
        new("GET /api/v1/listings/{id}/valuations", async f => new Target($"/api/v1/listings/{await f.OnOfferAsync()}/valuations"), [401, 401, 200, 403, 200, 403, 200, 403, 403, 403]),
        new("GET /health/live", _ => Path("/health/live"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET /health/ready", _ => Path("/health/ready"), [200, 401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ];

    [Fact]
    public async Task Every_endpoint_answers_every_caller_as_expected_with_no_unexpected_success()
    {
        using var openApi = await platform.SendAsync(HttpMethod.Get, "/openapi/v1.json", key: null);
        var document = await openApi.Content.ReadFromJsonAsync<JsonElement>();
        var operations = new Dictionary<string, string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                operations[$"{operation.Name.ToUpperInvariant()} {path.Name}"] =
                    operation.Value.TryGetProperty("x-bashu-access", out var access) ? access.GetString()! : "none";
            }
        }
        Assert.Empty(operations.Where(o => o.Value == "none").Select(o => o.Key));
        // The matrix covers exactly the API: a new endpoint needs its row here.
        Assert.Empty(operations.Keys.Where(o => !o.StartsWith("GET /health", StringComparison.Ordinal)).Except(Cases.Select(c => c.Operation)));
        Assert.Empty(Cases.Select(c => c.Operation).Where(o => !o.StartsWith("GET /health", StringComparison.Ordinal)).Except(operations.Keys));

        var fixtures = await Fixtures.CreateAsync(platform);
        var mismatches = new StringBuilder();
        var unexpectedSuccesses = 0;
        foreach (var row in Cases)
        {
            foreach (var who in Enum.GetValues<Who>())
            {
                var expected = row.Expected[(int)who];
                var (path, body, ifMatch) = await row.Target(fixtures);
                var method = new HttpMethod(row.Operation[..row.Operation.IndexOf(' ', StringComparison.Ordinal)]);
                using var response = await platform.SendAsync(method, path, body, fixtures.KeyOf(who), ifMatch);
                var actual = (int)response.StatusCode;
                if (row.ItemStatus && actual == 200)
                {
                    actual = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("status").GetInt32();
                }
                if (actual == expected) continue;
                mismatches.AppendLine($"{row.Operation} as {who}: expected {expected}, got {actual}");
                if (actual is >= 200 and < 300) unexpectedSuccesses++;
            }
        }
        Assert.True(mismatches.Length == 0, $"{unexpectedSuccesses} unexpected successes\n{mismatches}");
    }

    private static ValueTask<Target> Path(string path) => ValueTask.FromResult(new Target(path));

    private static ValueTask<Target> Body(string path, object body) => ValueTask.FromResult(new Target(path, body));

    /// <summary>The callers' keys, and fresh objects for the cases that change them.</summary>
    private sealed class Fixtures(PlatformFixture platform, Dictionary<Who, string?> keys)
    {
        public string OwnerId => platform.Researchers[Region.Sichuan].Id;

        public static async Task<Fixtures> CreateAsync(PlatformFixture platform)
        {
            var otherPartner = $"mo-{Guid.NewGuid():N}"[..14];
            using (var registered = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{otherPartner}", new { name = "矩阵另一平台", kind = "Partner", homeRegion = "chongqing" }))
            {
                Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
            }
            var other = (await platform.IssueKeyAsync(otherPartner, PartnerScopes)).Key;
            var keys = new Dictionary<Who, string?>
            {
                [Who.Anonymous] = null,
                [Who.WrongKey] = "bk_not_a_key_anybody_was_given_0000",
                [Who.Owner] = platform.Researchers[Region.Sichuan].Key,
                [Who.OtherResearcher] = platform.Researchers[Region.Chongqing].Key,
                [Who.Admin] = platform.AdministratorKeys[Region.Sichuan],
                [Who.OtherAdmin] = platform.AdministratorKeys[Region.Chongqing],
                [Who.JointAdmin] = PlatformProcesses.AdminKey,
                [Who.Partner] = (await platform.IssueKeyAsync("kczg", PartnerScopes)).Key,
                [Who.PartnerReadOnly] = (await platform.IssueKeyAsync("kczg", ["listings:read"])).Key,
                [Who.OtherPartner] = other,
            };
            var fixtures = new Fixtures(platform, keys);
            await fixtures.StartDeliveriesAsync();
            return fixtures;
        }

        /// <summary>What a partner's sync system holds: listings read and write, and the change feed (also its webhooks).</summary>
        private static readonly string[] PartnerScopes = ["listings:read", "listings:write", "changes:read"];

        /// <summary>Subscriptions here listen to listing.removed only: few deliveries to a receiver that is not there.</summary>
        public static readonly string[] RemovedOnly = ["listing.removed"];

        /// <summary>A subscription of 科创中国 with one delivery in its log.</summary>
        public string Subscription { get; private set; } = "";

        public string Delivery { get; private set; } = "";

        /// <summary>A new subscription of 科创中国 (made by the joint administrator); returns its id.</summary>
        public async Task<string> SubscribeAsync()
        {
            using var response = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/webhooks", new { url = "http://127.0.0.1:9/hooks", events = RemovedOnly });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscription").GetProperty("id").GetString()!;
        }

        /// <summary>Subscribes, and keeps the delivery that a published, then withdrawn listing makes.</summary>
        private async Task StartDeliveriesAsync()
        {
            Subscription = await SubscribeAsync();
            var id = await platform.PublishListingAsync(Samples.Draft(Region.Sichuan));
            using (var withdrawn = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/withdraw", new { reason = "矩阵" }, keys[Who.Owner]))
            {
                Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
            }
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Delivery.Length == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the withdrawal made a delivery");
                await Task.Delay(100);
                using var log = await platform.SendAsync(HttpMethod.Get, $"/api/v1/platforms/kczg/webhooks/{Subscription}/deliveries?limit=1");
                var items = (await log.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items");
                if (items.GetArrayLength() > 0) Delivery = items[0].GetProperty("id").GetString()!;
            }
        }

        public string? KeyOf(Who who) => keys[who];

        public RightsScript Rights { get; } = new(platform);

        private string? _claimedDraft;

        /// <summary>A draft patent of the owner's with a claim nobody changes, for reading.</summary>
        public async Task<string> ClaimedDraftAsync() => _claimedDraft ??= await Rights.ClaimedAsync(published: false);

        private string? _onOffer;
        private string? _inquiry;

        /// <summary>A published listing of the owner's that takes inquiries (shared: an inquiry does not change it).</summary>
        public async Task<string> OnOfferAsync() => _onOffer ??= await new DealScript(platform).ListingAsync();

        /// <summary>A deal in Inquiry that nobody changes, for reading.</summary>
        public async Task<string> InquiryAsync() => _inquiry ??= await DealAsync(DealStage.Inquiry);

        private string? _lawyer;

        /// <summary>A legal service provider, registered once.</summary>
        public async Task<string> LawyerAsync() => _lawyer ??= (await platform.RegisterAsync("矩阵律师事务所", UserRole.ServiceProvider, Region.Sichuan)).Id;

        /// <summary>A fresh agreed deal whose seller asked the legal service provider for a review.</summary>
        public async Task<string> UnderLegalReviewAsync()
        {
            var id = await DealAsync(DealStage.Agreed);
            var script = new DealScript(platform);
            await script.SendAsync(HttpMethod.Post, $"/api/v1/deals/{id}/legal-review", new { reviewerId = await LawyerAsync() }, script.SellerKey);
            return id;
        }

        /// <summary>A fresh deal at a stage: the owner sells, the other region's researcher buys.</summary>
        public async Task<string> DealAsync(DealStage stage, bool offered = false, bool freshListing = false) =>
            await new DealScript(platform).AtAsync(stage, freshListing ? null : await OnOfferAsync(), offered);

        /// <summary>A new member of a Sichuan 2020 list, a fresh name each time (a name appears once on a list).</summary>
        public static object Member() => new { year = 2020, region = "sichuan", name = $"矩阵成员 {Guid.NewGuid():N}" };

        /// <summary>A draft of the Sichuan researcher (the owner) on Sichuan's platform.</summary>
        public Task<(string Id, string ETag)> DraftAsync() => platform.CreateListingAsync(Samples.Draft(Region.Sichuan));

        /// <summary>An edit of a fresh draft, with its ETag.</summary>
        public async ValueTask<Target> EditAsync()
        {
            var (id, etag) = await DraftAsync();
            return new Target($"/api/v1/listings/{id}", Samples.Draft(Region.Sichuan) with { Title = "矩阵改写" }, etag);
        }

        /// <summary>A fresh published listing of the owner's.</summary>
        public Task<string> PublishedAsync() => platform.PublishListingAsync(Samples.Draft(Region.Sichuan));

        public async Task<string> SubmittedAsync()
        {
            var (id, _) = await DraftAsync();
            using var submitted = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/submit", key: keys[Who.Owner]);
            Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
            return id;
        }

        public async Task<string> KeyIdAsync() => (await platform.IssueKeyAsync("kczg", PlatformFixture.ReadWrite)).KeyId;

        /// <summary>The key id of a new researcher of the region.</summary>
        public async Task<string> UserKeyIdAsync(Region region) =>
            await platform.Database.ScalarAsync<string>("SELECT key_id FROM api_key WHERE principal_id = $1", (await platform.RegisterAsync("矩阵密钥用户", UserRole.Researcher, region)).Id);

        /// <summary>A draft 科创中国 pushed under an external id; returns the external id.</summary>
        public async Task<string> PartnerDraftAsync()
        {
            var externalId = $"m-{Guid.NewGuid():N}";
            using var pushed = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/kczg/listings/{externalId}", Samples.Draft(Region.Sichuan) with { PlatformId = null }, keys[Who.Partner]);
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
            return externalId;
        }
    }
}
