using static BashuCloud.Tests.Api.ListingApiTests;

namespace BashuCloud.Tests.Api;

/// <summary>A platform's keys share one budget of requests per minute, across API processes; over it, 429.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RateLimitApiTests(PlatformFixture platform)
{
    // The API's default Bashu:PlatformRequestsPerMinute.
    private const int Limit = 600;

    [Fact]
    public async Task A_platforms_requests_through_two_api_processes_count_against_one_limit_and_then_get_429()
    {
        var partner = $"rl-{Guid.NewGuid():N}"[..12];
        using (var registered = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{partner}", new { name = "限流测试平台", kind = "Partner", homeRegion = "sichuan" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        var key = (await platform.IssueKeyAsync(partner, ["listings:read"])).Key;
        using var second = await platform.StartApiAsync();
        HttpClient[] apis = [platform.Http, second];

        var inWindow = 0;
        int? last = null;
        for (var i = 0; i < (2 * Limit) + 10; i++)
        {
            using var request = platform.Request(HttpMethod.Get, "/api/v1/platforms", key: key);
            using var response = await apis[i % 2].SendAsync(request);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // The budget was shared: both processes together answered exactly the limit in this window.
                Assert.Equal(Limit, inWindow);
                Assert.InRange(int.Parse(response.Headers.RetryAfter!.ToString()), 1, 60);
                await AssertProblem(response, HttpStatusCode.TooManyRequests);
                return;
            }
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var remaining = int.Parse(response.Headers.GetValues("RateLimit-Remaining").Single());
            Assert.Equal(Limit.ToString(), response.Headers.GetValues("RateLimit-Limit").Single());
            // Within a window every request takes one, so the remaining budget only falls; a new minute began if it
            // did not (also when the minute turned right after the first request: 599 twice).
            if (remaining >= last) inWindow = 0;
            inWindow++;
            // Each request, whichever process answered it, took one from the same budget.
            Assert.Equal(Limit - inWindow, remaining);
            last = remaining;
        }
        Assert.Fail($"no 429 after {(2 * Limit) + 10} requests");
    }

    [Fact]
    public async Task A_users_own_key_is_not_limited_per_platform()
    {
        using var response = await platform.SendAsync(HttpMethod.Get, "/api/v1/platforms", key: platform.Researchers[Region.Sichuan].Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("RateLimit-Limit"));
    }
}
