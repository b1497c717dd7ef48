using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Listings;
using BashuCloud.Api.Platforms;
using BashuCloud.Api.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace BashuCloud.Api.Partners;

/// <summary>One item of a batch: an upsert of a listing under the platform's id, or its withdrawal.</summary>
public sealed record SyncItem(string? Op, string? ExternalId, ListingDraft? Listing, string? Reason);

public sealed record SyncBatchRequest(string? PartnerId, IReadOnlyList<SyncItem>? Items);

/// <summary>What happened to one item: the status it would have had alone, and the listing or the reason.</summary>
public sealed record SyncItemResult(
    int Index, string? ExternalId, int Status, string? ListingId, int? Version, string? Error, IReadOnlyDictionary<string, string[]>? Errors);

public sealed record SyncBatchResponse(int Applied, int Rejected, IReadOnlyList<SyncItemResult> Results);

/// <summary>
/// POST /api/v1/sync/batch: up to 1,000 upserts and withdrawals of one platform's listings in one request. Each item
/// is applied on its own (one bad item is rejected with its reason, the others apply); items of one external id
/// apply in their order. With an Idempotency-Key, a retry gets the first answer again.
/// </summary>
public static class SyncBatchEndpoints
{
    public const int MaxItems = 1000;
    public const string IdempotencyHeader = "Idempotency-Key";
    // 1,000 full listings are a few MiB; every other endpoint keeps the 1 MiB limit.
    private const long MaxBodyBytes = 16 * 1024 * 1024;
    private const int Parallelism = 64;

    /// <summary>Items per call of the import grain: one transaction each, well inside the grain call's timeout.</summary>
    private const int ImportChunk = 250;

    /// <summary>
    /// Import calls this API process has in flight, whatever the number of batches: more only queue in the silo,
    /// where the wait counts against the grain call's 5 s timeout (measured: 16 chunks of 4 concurrent batches
    /// timed out there as 503s); queued here, a batch just takes longer.
    /// </summary>
    private static readonly SemaphoreSlim ImportCalls = new(4);

    /// <summary>The batch endpoint's path (it reads and checks its own body, up to <see cref="MaxBodyBytes"/>).</summary>
    public const string Path = "/api/v1/sync/batch";

    public static WebApplicationBuilder AddSyncBatches(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IdempotencyKeys>();
        builder.Services.AddSingleton<SyncBatchSlots>();
        return builder;
    }

    public static RouteGroupBuilder MapSyncBatchEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/sync").WithTags("Partner sync").ProducesCommonProblems();
        group.MapPost("/batch", Run).RequireAuthorization(Scopes.Policy(Scopes.ListingsWrite))
            .Accepts<SyncBatchRequest>("application/json").Produces<SyncBatchResponse>()
            .WithSummary("批量同步 (up to 1,000 upserts and withdrawals; a result per item; Idempotency-Key for safe retries)");
        return group;
    }

    private static async Task<IResult> Run(
        HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IdempotencyKeys keys, SyncBatchSlots slots, ApiMetrics metrics, CancellationToken cancellationToken)
    {
        // A user's own key cannot apply a batch (every item would be refused): it keeps the 1 MiB of every other endpoint.
        if (MayBatch(user) && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        if (!slots.TryEnter())
        {
            context.Response.Headers.RetryAfter = "1";
            return Problems.Status(StatusCodes.Status503ServiceUnavailable, $"同时处理的批量同步已达上限 {slots.Limit}，请稍后重试 (this API process is applying {slots.Limit} batches already; retry shortly)");
        }
        try
        {
            return await RunAsync(context, user, grains, keys, metrics, cancellationToken);
        }
        finally
        {
            slots.Exit();
        }
    }

    private static bool MayBatch(ClaimsPrincipal user) => user.HasClaim(c => c.Type == RateLimits.PlatformClaim) || user.IsInRole(nameof(BashuCloud.Users.UserRole.Administrator));

    private static async Task<IResult> RunAsync(
        HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IdempotencyKeys keys, ApiMetrics metrics, CancellationToken cancellationToken)
    {
        var read = await BatchBody.ReadAsync(context.Request, MaxItems, cancellationToken);
        if (read.TooMany) return TooManyItems($"超过 {MaxItems} 项 (more than {MaxItems})");
        var body = read.Bytes;
        if (!System.Text.Unicode.Utf8.IsValid(body)) return Utf8Bodies.Invalid();
        // Numbers past decimal's range make the whole batch unreadable; texts are refused item by item (Reject, ListingRules).
        if (BashuCloud.Text.TextRules.CheckJson(body, strings: false) is { Count: > 0 } unreadable) return Problems.Unprocessable(unreadable);
        SyncBatchRequest? batch;
        try
        {
            batch = JsonSerializer.Deserialize<SyncBatchRequest>(body, BashuJson.Options);
        }
        catch (JsonException exception)
        {
            return Problems.Invalid("body", $"JSON 无法读取 (unreadable JSON): {exception.Message}");
        }
        if (batch?.Items is not { } items) return Problems.Invalid("items", "必填 (required)");
        if (items.Count > MaxItems) return TooManyItems(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (await grains.FindPlatformAsync(batch.PartnerId) is not { Id: var partnerId }) return PlatformEndpoints.NoSuchPlatform(batch.PartnerId);

        var actor = user.RequireActor();
        var idempotencyKey = context.Request.Headers[IdempotencyHeader].ToString();
        if (idempotencyKey.Length == 0) return Json(await ApplyAsync(grains, partnerId, items, actor, metrics, cancellationToken));
        if (!IdempotencyKeys.IsValid(idempotencyKey)) return Problems.Invalid(IdempotencyHeader, $"应为 1–{IdempotencyKeys.MaxLength} 个可见 ASCII 字符 (1 to {IdempotencyKeys.MaxLength} visible ASCII characters)");

        switch (await keys.StartAsync(actor.PrincipalId, idempotencyKey, SHA256.HashData(read.Bytes), cancellationToken))
        {
            case IdempotentStart.Replay replay:
                context.Response.Headers["Idempotent-Replayed"] = "true";
                return Results.Text(replay.Body, "application/json; charset=utf-8", statusCode: replay.Status);
            case IdempotentStart.Running:
                return Problems.Status(StatusCodes.Status409Conflict, "同一 Idempotency-Key 的请求正在处理 (a request with this key is running)");
            case IdempotentStart.OtherBody:
                return Problems.Status(StatusCodes.Status422UnprocessableEntity, "此 Idempotency-Key 已用于另一请求体 (the key was used with another body)");
        }
        try
        {
            var response = Json(await ApplyAsync(grains, partnerId, items, actor, metrics, cancellationToken));
            await keys.FinishAsync(actor.PrincipalId, idempotencyKey, StatusCodes.Status200OK, response.ResponseContent, cancellationToken);
            return response;
        }
        catch
        {
            await keys.ForgetAsync(actor.PrincipalId, idempotencyKey);
            throw;
        }
    }

    private static IResult TooManyItems(string received) =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, $"每批最多 {MaxItems} 项，收到 {received} 项 (at most {MaxItems} items)");

    /// <summary>Applies every item: the external ids in parallel, each one's items in order.</summary>
    private static async Task<SyncBatchResponse> ApplyAsync(
        IGrainFactory grains, string partnerId, IReadOnlyList<SyncItem> items, Actor actor, ApiMetrics metrics, CancellationToken cancellationToken)
    {
        var results = new SyncItemResult?[items.Count];
        var runs = new List<List<int>>();
        var byExternalId = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (Reject(i, items[i]) is { } rejected)
            {
                results[i] = rejected;
                continue;
            }
            if (!byExternalId.TryGetValue(items[i].ExternalId!, out var run)) runs.Add(byExternalId[items[i].ExternalId!] = run = []);
            run.Add(i);
        }
        await CreateNewAsync(grains, partnerId, items, [.. runs.Where(r => r is [var only] && items[only].Op == "upsert").Select(r => r[0])], actor, results, cancellationToken);
        await Parallel.ForEachAsync(runs.Where(r => results[r[0]] is null), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (run, _) =>
        {
            foreach (var i in run) results[i] = await ApplyAsync(grains.GetGrain<IExternalListingGrain>(ExternalIds.Key(partnerId, items[i].ExternalId!)), i, items[i], actor);
        });
        SyncItemResult[] answered = [.. results.Select(r => r!)];
        var applied = answered.Count(r => r.Status is >= 200 and < 300);
        metrics.SyncBatchApplied(applied, answered.Length - applied);
        return new SyncBatchResponse(applied, answered.Length - applied, answered);
    }

    /// <summary>
    /// The fast path: the single upserts of the batch go to the import grain in chunks, which creates those whose
    /// external id is new in one transaction a chunk; what it hands back (ids pushed before) takes the grain path.
    /// </summary>
    private static async Task CreateNewAsync(
        IGrainFactory grains, string partnerId, IReadOnlyList<SyncItem> items, int[] upserts, Actor actor, SyncItemResult?[] results, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(upserts.Chunk(ImportChunk), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (chunk, _) =>
        {
            IReadOnlyList<Outcome<ListingView>?> outcomes;
            await ImportCalls.WaitAsync(cancellationToken);
            try
            {
                outcomes = await grains.GetGrain<IListingImportGrain>(0).CreateNewAsync(partnerId, [.. chunk.Select(i => new NewExternalListing(items[i].ExternalId!, items[i].Listing!))], actor);
            }
            finally
            {
                ImportCalls.Release();
            }
            for (var k = 0; k < chunk.Length; k++)
            {
                if (outcomes[k] is { } outcome) results[chunk[k]] = Result(chunk[k], items[chunk[k]], outcome, StatusCodes.Status201Created);
            }
        });
    }

    private static SyncItemResult? Reject(int index, SyncItem item)
    {
        if (!ExternalIds.IsValid(item.ExternalId)) return Refused(index, item, StatusCodes.Status400BadRequest, "externalId", "外部编号应为 1–128 个字母、数字或 . _ : - (1 to 128 letters, digits, . _ : -)");
        if (BashuCloud.Text.TextRules.Check(("op", item.Op), ("reason", item.Reason)).FirstOrDefault() is (var field and not null, var problem)) return Refused(index, item, StatusCodes.Status422UnprocessableEntity, field, problem);
        return item.Op switch
        {
            "upsert" when item.Listing is null => Refused(index, item, StatusCodes.Status400BadRequest, "listing", "upsert 需要 listing (an upsert needs the listing)"),
            "upsert" or "withdraw" => null,
            _ => Refused(index, item, StatusCodes.Status400BadRequest, "op", "应为 upsert 或 withdraw (upsert or withdraw)"),
        };
    }

    private static async Task<SyncItemResult> ApplyAsync(IExternalListingGrain grain, int index, SyncItem item, Actor actor)
    {
        var (outcome, success) = item.Op == "withdraw"
            ? (await grain.WithdrawAsync(item.Reason, actor), StatusCodes.Status200OK)
            : Unwrap(await grain.UpsertAsync(item.Listing!, actor));
        return Result(index, item, outcome, success);
    }

    private static SyncItemResult Result(int index, SyncItem item, Outcome<ListingView> outcome, int success) => outcome.Succeeded
        ? new SyncItemResult(index, item.ExternalId, success, outcome.Value!.Id, outcome.Value.Version, null, null)
        : new SyncItemResult(index, item.ExternalId, Problems.StatusOf(outcome.Refusal), null, null, outcome.Detail, outcome.Errors);

    private static (Outcome<ListingView> Outcome, int Success) Unwrap(Outcome<ExternalUpsert> upsert) => upsert.Succeeded
        ? (Outcome<ListingView>.Ok(upsert.Value!.Listing), upsert.Value.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK)
        : (new Outcome<ListingView>(upsert.Refusal, null, upsert.Detail, upsert.Errors), 0);

    private static SyncItemResult Refused(int index, SyncItem item, int status, string field, string message) =>
        new(index, item.ExternalId, status, null, null, message, new Dictionary<string, string[]> { [field] = [message] });

    private static JsonText Json(SyncBatchResponse response) => new(JsonSerializer.Serialize(response, BashuJson.Options));

    /// <summary>The answer as the exact text that is stored for replays.</summary>
    private sealed class JsonText(string content) : IResult
    {
        public string ResponseContent => content;

        public Task ExecuteAsync(HttpContext httpContext) =>
            Results.Text(content, "application/json; charset=utf-8").ExecuteAsync(httpContext);
    }
}

/// <summary>The batches this API process applies at once (Bashu:MaxConcurrentSyncBatches): each holds up to 16 MiB and 1,000 grain calls.</summary>
public sealed class SyncBatchSlots(IOptions<ApiSettings> settings) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(settings.Value.MaxConcurrentSyncBatches);

    public int Limit { get; } = settings.Value.MaxConcurrentSyncBatches;

    /// <summary>Takes a slot if one is free; never waits (a waiting batch would hold its connection and body).</summary>
    public bool TryEnter() => _slots.Wait(0);

    public void Exit() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
