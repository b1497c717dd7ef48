using System.Globalization;
using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Listings;
using BashuCloud.Api.Platforms;
using Microsoft.Extensions.Options;
using BashuCloud.Settings;

namespace BashuCloud.Api.Webhooks;

/// <summary>A URL to call and the event types to call it for (listing.changed, listing.removed, listing.expired).</summary>
public sealed record WebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description);

/// <summary>
/// /api/v1/platforms/{id}/webhooks: the push form of the change feed. A platform's key (changes:read) or the joint
/// administrator subscribes URLs, reads the delivery log and sends a delivery again.
/// </summary>
public static class WebhookEndpoints
{
    public const int DescriptionMax = 200;
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedSettings<WebhookSettings>(WebhookSettings.Section);
        builder.Services.AddSingleton<WebhookStore>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        return builder;
    }

    public static RouteGroupBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/platforms/{id}/webhooks").WithTags("Webhooks").ProducesCommonProblems()
            .RequireAuthorization(Scopes.Policy(Scopes.ChangesRead));
        group.MapPost("/", Subscribe).Produces<NewWebhookSubscription>(StatusCodes.Status201Created)
            .WithSummary("订阅 Webhook (subscribe a URL to event types; the signing secret is shown once)")
            .WithDescription("Deliveries are POSTed with headers webhook-id, webhook-timestamp and webhook-signature: \"v1,\" + base64(HMAC-SHA256(secret without \"whsec_\", base64-decoded; \"{id}.{timestamp}.{body}\")). At least once, retried with backoff; de-duplicate by webhook-id.");
        group.MapGet("/", List).Produces<IReadOnlyList<WebhookSubscription>>().WithSummary("列出订阅 (the platform's subscriptions)");
        group.MapGet("/{subscriptionId}", Get).Produces<WebhookSubscription>().WithSummary("查看订阅 (one subscription)");
        group.MapDelete("/{subscriptionId}", Unsubscribe).Produces(StatusCodes.Status204NoContent)
            .WithSummary("取消订阅 (stop a subscription; its delivery log stays readable)");
        group.MapGet("/{subscriptionId}/deliveries", Deliveries).Produces<Page<WebhookDelivery>>()
            .WithSummary("投递记录 (the delivery log, newest first: every attempt and the receiver's answer)");
        group.MapPost("/{subscriptionId}/deliveries/{deliveryId}/redeliver", Redeliver).Produces(StatusCodes.Status202Accepted)
            .WithSummary("重新投递 (send a delivery again now, with a fresh count of attempts)");
        return group;
    }

    private static async Task<IResult> Subscribe(
        string id, WebhookRequest request, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, IOptions<WebhookSettings> settings, CancellationToken cancellationToken)
    {
        if (await ManagedPlatformAsync(id, user, grains) is { } problem) return problem;
        var errors = Validate(request, settings.Value.AllowLocalTargets);
        if (errors.Count > 0) return Problems.Unprocessable(errors);
        if (await store.CountActiveAsync(id, cancellationToken) >= settings.Value.MaxSubscriptionsPerPlatform)
        {
            return Problems.Status(StatusCodes.Status409Conflict,
                $"每个平台最多 {settings.Value.MaxSubscriptionsPerPlatform} 个订阅；请先取消不用的 (at most {settings.Value.MaxSubscriptionsPerPlatform} subscriptions a platform)");
        }
        var description = request.Description?.Trim() is { Length: > 0 } text ? text : null;
        var created = await store.SubscribeAsync(id, request.Url!, [.. request.Events!.Distinct()], description, cancellationToken);
        return TypedResults.Created($"/api/v1/platforms/{id}/webhooks/{created.Subscription.Id}", created);
    }

    private static async Task<IResult> List(string id, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken cancellationToken) =>
        await ManagedPlatformAsync(id, user, grains) ?? TypedResults.Ok(await store.ListAsync(id, cancellationToken));

    private static async Task<IResult> Get(string id, string subscriptionId, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken cancellationToken)
    {
        if (await ManagedPlatformAsync(id, user, grains) is { } problem) return problem;
        return await store.FindAsync(id, subscriptionId, cancellationToken) is { } subscription ? TypedResults.Ok(subscription) : NoSuchSubscription(subscriptionId);
    }

    private static async Task<IResult> Unsubscribe(string id, string subscriptionId, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken cancellationToken)
    {
        if (await ManagedPlatformAsync(id, user, grains) is { } problem) return problem;
        return await store.UnsubscribeAsync(id, subscriptionId, cancellationToken) ? TypedResults.NoContent() : NoSuchSubscription(subscriptionId);
    }

    private static async Task<IResult> Deliveries(
        string id, string subscriptionId, string? status, string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken cancellationToken)
    {
        if (await ManagedPlatformAsync(id, user, grains) is { } problem) return problem;
        if (status is not null && !DeliveryStatus.All.Contains(status)) return Problems.Invalid("status", "应为 " + string.Join(", ", DeliveryStatus.All) + " 之一 (one of these)");
        long? before = null;
        if (cursor is not null)
        {
            if (!Cursor.TryDecodeText(cursor, out var text) || !text.StartsWith("d1:", StringComparison.Ordinal)
                || !long.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                return Problems.Invalid("cursor", "无效的游标 (not a cursor this API issued)");
            }
            before = seq;
        }
        if (limit is < 1 or > MaxLimit) return Problems.Invalid("limit", $"应在 1–{MaxLimit} 之间 (1 to {MaxLimit})");
        if (await store.FindAsync(id, subscriptionId, cancellationToken) is null) return NoSuchSubscription(subscriptionId);
        var (items, next) = await store.DeliveriesAsync(subscriptionId, status, before, limit ?? DefaultLimit, cancellationToken);
        return TypedResults.Ok(new Page<WebhookDelivery>(items, next is { } n ? Cursor.Encode(string.Create(CultureInfo.InvariantCulture, $"d1:{n}")) : null));
    }

    private static async Task<IResult> Redeliver(
        string id, string subscriptionId, string deliveryId, ClaimsPrincipal user, IGrainFactory grains, WebhookStore store, CancellationToken cancellationToken)
    {
        if (await ManagedPlatformAsync(id, user, grains) is { } problem) return problem;
        if (await store.FindAsync(id, subscriptionId, cancellationToken) is not { RevokedAt: null }) return NoSuchSubscription(subscriptionId);
        return await store.RedeliverAsync(subscriptionId, deliveryId, cancellationToken)
            ? TypedResults.Accepted($"/api/v1/platforms/{id}/webhooks/{subscriptionId}/deliveries")
            : Problems.Status(StatusCodes.Status404NotFound, $"没有投递 {deliveryId} (no such delivery)");
    }

    /// <summary>Null when the platform exists and the caller manages it (<see cref="Actor.ManagesPlatform"/>); otherwise the problem to answer.</summary>
    private static async Task<IResult?> ManagedPlatformAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (await grains.FindPlatformAsync(id) is null) return PlatformEndpoints.NoSuchPlatform(id);
        return user.RequireActor().ManagesPlatform(id)
            ? null
            : Problems.Status(StatusCodes.Status403Forbidden,
                "只有该平台的密钥或川渝联合管理员可以管理其 Webhook：订阅会收到该平台在两地的全部项目 (only the platform's keys or the joint administrator: a subscription receives the platform's listings in both provinces)");
    }

    public static Dictionary<string, string[]> Validate(WebhookRequest request, bool allowLocalTargets)
    {
        var errors = new Dictionary<string, string[]>();
        if (WebhookTargets.Refuse(request.Url, allowLocalTargets) is { } refused) errors["url"] = [refused];
        if (request.Events is not { Count: > 0 } events)
        {
            errors["events"] = ["至少一项：" + string.Join(", ", WebhookEvents.All) + " (at least one)"];
        }
        else if (events.FirstOrDefault(e => !WebhookEvents.All.Contains(e)) is { } unknown)
        {
            errors["events"] = [$"未知事件 {unknown}；可选 " + string.Join(", ", WebhookEvents.All) + " (unknown event type)"];
        }
        if (request.Description is { Length: > DescriptionMax }) errors["description"] = [$"不能超过 {DescriptionMax} 字 (at most {DescriptionMax} characters)"];
        return errors;
    }

    private static IResult NoSuchSubscription(string subscriptionId) =>
        Problems.Status(StatusCodes.Status404NotFound, $"没有订阅 {subscriptionId} (no such subscription)");
}
