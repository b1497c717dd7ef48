using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BashuCloud.Regions;
using BashuCloud.Users;

namespace BashuCloud.Bench;

/// <summary>
/// Issue #6's numbers: deals run through the whole workflow over HTTP as their users run them (a Chongqing buyer's
/// inquiry on a Sichuan listing, the seller taking it up, an offer, its acceptance, the contract, 技术合同登记 and
/// completion), many at once; the latency of every step and the throughput of whole deals and of steps. Each step is
/// a durable write of the deal's grain (some also of the listing's), so the baseline is the durable listing write
/// through the grain measured earlier in the same run.
/// </summary>
public static class DealBenchmark
{
    private const int Concurrency = 16;

    private static readonly string[] Steps = ["inquiry", "engage", "offer", "accept", "contract", "registration", "complete"];

    public sealed record StepLatency(string Step, double P50Ms, double P99Ms);

    public sealed record Result(int Deals, double Seconds, IReadOnlyList<StepLatency> Latencies)
    {
        public double DealsPerSecond => Deals / Seconds;

        public double StepsPerSecond => Deals * Steps.Length / Seconds;
    }

    public static async Task<Result> RunAsync(HttpClient api, string adminKey, int deals)
    {
        var seller = await RegisterAsync(api, adminKey, Region.Sichuan);
        var buyer = await RegisterAsync(api, adminKey, Region.Chongqing);
        // Every deal completes, which trades its listing: one published listing each, made before the clock starts.
        var listings = new string[deals];
        await Parallel.ForEachAsync(Enumerable.Range(0, deals), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, _) =>
        {
            var id = (await SendAsync(api, HttpMethod.Post, "/api/v1/listings", Benchmark.Draft(Region.Sichuan) with { Title = $"交易基准成果 {i}" }, seller)).GetProperty("id").GetString()!;
            await SendAsync(api, HttpMethod.Post, $"/api/v1/listings/{id}/submit", null, seller);
            await SendAsync(api, HttpMethod.Post, $"/api/v1/listings/{id}/approve", null, adminKey);
            listings[i] = id;
        });

        var latencies = Steps.ToDictionary(s => s, _ => new List<double>());
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(listings, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (listing, _) =>
        {
            async Task<JsonElement> Step(string step, HttpMethod method, string path, object? body, string key)
            {
                var started = Stopwatch.GetTimestamp();
                var answer = await SendAsync(api, method, path, body, key);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies) latencies[step].Add(elapsed);
                return answer;
            }
            var deal = (await Step("inquiry", HttpMethod.Post, $"/api/v1/listings/{listing}/inquiries", new { message = "请报转让条件", contact = "138 0000 0000" }, buyer))
                .GetProperty("id").GetString()!;
            await Step("engage", HttpMethod.Post, $"/api/v1/deals/{deal}/engage", null, seller);
            await Step("offer", HttpMethod.Post, $"/api/v1/deals/{deal}/offers", new { amountCny = 500_000m, dealType = "Transfer" }, seller);
            await Step("accept", HttpMethod.Post, $"/api/v1/deals/{deal}/accept", new { offer = 1 }, buyer);
            await Step("contract", HttpMethod.Post, $"/api/v1/deals/{deal}/contract",
                new { amountCny = 500_000m, terms = "转让及技术指导", signedOn = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }, seller);
            await Step("registration", HttpMethod.Post, $"/api/v1/deals/{deal}/registration", null, seller);
            await Step("complete", HttpMethod.Post, $"/api/v1/deals/{deal}/complete", null, seller);
        });
        var seconds = clock.Elapsed.TotalSeconds;
        var result = new Result(deals, seconds, [.. Steps.Select(s => new StepLatency(s, Percentile(latencies[s], 0.50), Percentile(latencies[s], 0.99)))]);
        Console.WriteLine($"deals: {deals} through 7 steps in {seconds:F1} s ({result.DealsPerSecond:F0} deals/s, {result.StepsPerSecond:F0} steps/s); "
            + string.Join(", ", result.Latencies.Select(l => $"{l.Step} p99 {l.P99Ms:F1} ms")));
        return result;
    }

    /// <summary>The report's section.</summary>
    public static void Report(StringBuilder text, Result deals, double grainWritesPerSecond)
    {
        text.AppendLine("## Issue #6: deal workflow");
        text.AppendLine();
        text.AppendLine($"{deals.Deals} deals run from a Chongqing buyer's inquiry on a Sichuan listing to completion over HTTP, {Concurrency} at once, each through 7 steps "
            + "(inquiry, engage, offer, accept, contract, 技术合同登记, complete), each step one request and a durable write of the deal's grain (inquiry, engage and complete also write the listing's, "
            + "whose status follows). The baseline is the durable listing write through the grain measured above in the same run.");
        text.AppendLine();
        text.AppendLine("| measurement | result | baseline (same run) | ratio |");
        text.AppendLine("|---|---|---|---|");
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"| deal steps through HTTP | {deals.StepsPerSecond:F0} steps/s ({deals.DealsPerSecond:F0} whole deals/s; {deals.Deals} deals in {deals.Seconds:F1} s) | durable listing writes through the grain: {grainWritesPerSecond:F0}/s | **{deals.StepsPerSecond / grainWritesPerSecond:F2}** |"));
        text.AppendLine();
        text.AppendLine("| step | p50 | p99 |");
        text.AppendLine("|---|---|---|");
        foreach (var l in deals.Latencies) text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {l.Step} | {l.P50Ms:F1} ms | {l.P99Ms:F1} ms |"));
        text.AppendLine();
    }

    private static async Task<string> RegisterAsync(HttpClient api, string adminKey, Region region)
    {
        var user = await SendAsync(api, HttpMethod.Post, "/api/v1/users", new UserRegistration($"交易基准用户 {region.Code()}", UserRole.Enterprise, region, "基准企业", null), adminKey);
        return user.GetProperty("apiKey").GetString()!;
    }

    private static async Task<JsonElement> SendAsync(HttpClient api, HttpMethod method, string path, object? body, string key)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", key);
        if (body is not null) request.Content = JsonContent.Create(body, options: BashuJson.Options);
        using var response = await api.SendAsync(request);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Created))
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }
}
