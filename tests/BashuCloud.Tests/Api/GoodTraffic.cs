using System.Collections.Concurrent;
using BashuCloud.Listings;

namespace BashuCloud.Tests.Api;

/// <summary>
/// Other tenants' well-formed writes, sent while a test sends bad ones (issue #18: one caller's NUL failed the
/// group-commit batch it shared with 20 others' creates): a Chongqing researcher's new listings and a partner
/// platform's pushes, with texts the rule must not refuse (4-byte characters, combining marks, right-to-left
/// script, lines in a summary). Every write must be acknowledged, and stored as sent.
/// </summary>
public sealed class GoodTraffic
{
    /// <summary>Legitimate text: it must be accepted and read back exactly.</summary>
    public static readonly string[] Titles =
    [
        "𠀀𪚥 锂电池回收工艺 😀", "Cafe\u0301 e\u0301\u0302\u0303\u0304 地铁巡检", "合成生物学平台 👩\u200d🔬", "ابتكار 巴蜀 עברית", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 数学 🇨🇳",
    ];

    private readonly PlatformFixture platform;
    private readonly string partnerId;
    private readonly string partnerKey;
    private readonly ConcurrentDictionary<string, string> acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> keys = new();
    private readonly ConcurrentQueue<string> failures = new();
    private int sent;

    private GoodTraffic(PlatformFixture platform, string partnerId, string partnerKey) =>
        (this.platform, this.partnerId, this.partnerKey) = (platform, partnerId, partnerKey);

    /// <summary>Registers the partner platform (a tenant of its own, in Chongqing) whose key pushes listings.</summary>
    public static async Task<GoodTraffic> StartAsync(PlatformFixture platform)
    {
        var partnerId = $"gt-{Guid.NewGuid():N}"[..20];
        using (var registered = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{partnerId}", new { name = "良好流量合作平台", kind = "Partner", homeRegion = "chongqing" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        var (_, key) = await platform.IssueKeyAsync(partnerId, PlatformFixture.ReadWrite);
        return new GoodTraffic(platform, partnerId, key);
    }

    /// <summary>Every grain key these writes may have touched (listings and external listings), acknowledged or not.</summary>
    public IReadOnlyCollection<string> Keys => [.. keys];

    public int Acknowledged => acknowledged.Count;

    /// <summary>Sends <paramref name="count"/> writes at once, alternately the researcher's and the partner's.</summary>
    public Task SendAsync(int count) => Task.WhenAll(Enumerable.Range(0, count).Select(_ => WriteOneAsync()));

    private async Task WriteOneAsync()
    {
        var n = Interlocked.Increment(ref sent);
        var title = $"{Titles[n % Titles.Length]} {n}";
        var draft = Samples.Draft(Region.Chongqing) with { Title = title, Summary = "良好流量：第一行\n\t第二行 e\u0301", Keywords = ["𠀀𪚥", "e\u0301", "巡检"] };
        var researcherKey = platform.Researchers[Region.Chongqing].Key;
        var externalId = $"gt-{n}";
        if (n % 2 == 1) keys.Enqueue(ExternalIds.Key(partnerId, externalId));
        using var response = n % 2 == 0
            ? await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", draft, researcherKey)
            : await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/{partnerId}/listings/{externalId}", draft with { PlatformId = null }, partnerKey);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            failures.Enqueue($"{(int)response.StatusCode} for the good write \"{title}\": {body}");
            return;
        }
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        keys.Enqueue(id);
        acknowledged[id] = title;
    }

    /// <summary>Every write was acknowledged (201), and each reads back with the text it was sent with.</summary>
    public async Task AssertEveryWriteAcknowledgedAndStoredAsync()
    {
        Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} good writes failed:\n{string.Join("\n", failures.Take(20))}");
        Assert.Equal(sent, acknowledged.Count);
        // Read as the region's administrator: a user's key, outside the partner's request budget.
        await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (written, cancellation) =>
        {
            using var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{written.Key}", key: platform.AdministratorKeys[Region.Chongqing]);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            var listing = await read.Content.ReadFromJsonAsync<JsonElement>(cancellation);
            Assert.Equal((written.Value, "良好流量：第一行\n\t第二行 e\u0301"), (listing.GetProperty("title").GetString(), listing.GetProperty("summary").GetString()));
        });
    }
}
