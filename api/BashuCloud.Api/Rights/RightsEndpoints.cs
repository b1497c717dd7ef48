using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Listings;
using BashuCloud.Rights;

namespace BashuCloud.Api.Rights;

/// <summary>
/// /api/v1/listings/{id}/rights and /valuations: 确权 and 评估, the IP services on a listing. The owner claims who
/// owns what share with evidence; an administrator of the listing's region or a legal service provider confirms or
/// rejects; valuers attach valuations. Each handler calls the listing's rights grain once and maps its outcome.
/// </summary>
public static class RightsEndpoints
{
    public sealed record OwnerRequest(string? Name, decimal? Share);

    public sealed record EvidenceRequest(string? PatentNumber, IReadOnlyList<string>? Documents);

    public sealed record RightsRequest(IReadOnlyList<OwnerRequest>? Owners, EvidenceRequest? Evidence);

    public sealed record ValuationRequest(ValuationMethod? Method, decimal? LowCny, decimal? HighCny, DateOnly? ValuedOn, DateOnly? ValidUntil, string? Note);

    public static RouteGroupBuilder MapRightsEndpoints(this IEndpointRouteBuilder app)
    {
        var read = Scopes.Policy(Scopes.ListingsRead);
        var write = Scopes.Policy(Scopes.ListingsWrite);
        var group = app.MapGroup("/api/v1/listings").WithTags("Rights").ProducesCommonProblems();
        group.MapGet("/{id}/rights", Get).RequireAuthorization(read).Produces<RightsView>()
            .WithSummary("查看确权 (a listing's rights claim: for whoever may see the listing)");
        group.MapPut("/{id}/rights", Submit).RequireAuthorization(write).Produces<RightsView>()
            .WithSummary("申请确权 (claim the rights: owners with shares summing to 100 and evidence; replaces the claim before, a confirmed one too, which must then be confirmed again)");
        group.MapPost("/{id}/rights/confirm", Confirm).RequireAuthorization(write).Produces<RightsView>()
            .WithSummary("确认权属 (confirm the claim: an administrator of the listing's region or a legal service provider, never the owner)");
        group.MapPost("/{id}/rights/reject", Reject).RequireAuthorization(write).Produces<RightsView>()
            .WithSummary("驳回确权申请 (reject the claim with a reason: as confirm)");
        group.MapPost("/{id}/valuations", Value).RequireAuthorization(write).Produces<Valuation>(StatusCodes.Status201Created)
            .WithSummary("提交评估 (attach a valuation: valuers only; Income, Market or Cost, a range in CNY, valuedOn and validUntil)");
        group.MapGet("/{id}/valuations", Valuations).RequireAuthorization(read).Produces<ValuationList>()
            .WithSummary("查看评估 (a listing's valuations: its owner, administrators of its region and valuers who made one; deal parties see them in the deal)");
        return group;
    }

    private static Task<IResult> Get(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, _ => grains.GetGrain<IRightsGrain>(id).GetAsync(user.RequireActor()));

    private static Task<IResult> Submit(string id, RightsRequest body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var claim = new RightsClaim(
            [.. (body.Owners ?? []).Select(o => new RightsOwner(o.Name ?? "", o.Share ?? 0m))],
            new RightsEvidence(body.Evidence?.PatentNumber, body.Evidence?.Documents));
        return Step(id, request, version => grains.GetGrain<IRightsGrain>(id).SubmitAsync(claim, version, user.RequireActor()));
    }

    private static Task<IResult> Confirm(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, version => grains.GetGrain<IRightsGrain>(id).ConfirmAsync(version, user.RequireActor()));

    private static Task<IResult> Reject(string id, ReasonRequest? body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, version => grains.GetGrain<IRightsGrain>(id).RejectAsync(body?.Reason, version, user.RequireActor()));

    private static async Task<IResult> Value(string id, ValuationRequest body, ClaimsPrincipal user, IGrainFactory grains)
    {
        var missing = new Dictionary<string, string[]>();
        if (body.Method is null) missing["method"] = ["必填：Income、Market 或 Cost (required)"];
        if (body.LowCny is null) missing["lowCny"] = ["必填 (required)"];
        if (body.HighCny is null) missing["highCny"] = ["必填 (required)"];
        if (body.ValuedOn is null) missing["valuedOn"] = ["必填，如 2026-11-28 (required, e.g. 2026-11-28)"];
        if (body.ValidUntil is null) missing["validUntil"] = ["必填，如 2027-11-27 (required, e.g. 2027-11-27)"];
        if (missing.Count > 0) return Problems.Unprocessable(missing);
        if (!BashuId.IsValid(id)) return NotFound(id);
        var report = new ValuationReport(body.Method!.Value, body.LowCny!.Value, body.HighCny!.Value, body.ValuedOn!.Value, body.ValidUntil!.Value, body.Note);
        var outcome = await grains.GetGrain<IRightsGrain>(id).ValueAsync(report, user.RequireActor());
        return outcome.Succeeded ? TypedResults.Created($"/api/v1/listings/{id}/valuations", outcome.Value) : Problems.From(outcome);
    }

    private static async Task<IResult> Valuations(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!BashuId.IsValid(id)) return NotFound(id);
        var outcome = await grains.GetGrain<IRightsGrain>(id).ValuationsAsync(user.RequireActor());
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value) : Problems.From(outcome);
    }

    /// <summary>A claim's step, and its read too: the claim's version is its ETag.</summary>
    private static Task<IResult> Step(string id, HttpRequest request, Func<int?, Task<Outcome<RightsView>>> step) =>
        GrainSteps.RunAsync(id, request, step, rights => rights.Version, NotFound);

    private static IResult NotFound(string id) => Problems.Status(StatusCodes.Status404NotFound, $"项目 {id} 不存在 (no such listing)");
}
