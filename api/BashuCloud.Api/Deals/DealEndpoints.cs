using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Deals;

namespace BashuCloud.Api.Deals;

/// <summary>
/// /api/v1/deals: 技术交易. A buyer's inquiry on a listing opens a deal in the seller's region; the parties negotiate
/// by offers, agree, record the contract; an administrator of the seller's region registers it (技术合同登记); the
/// seller completes it. Only the parties, their broker and administrators of either region see a deal (404 for
/// anyone else). Each handler calls the deal's grain once and maps its outcome.
/// </summary>
public static class DealEndpoints
{
    public sealed record InquiryRequest(string? Message, string? Contact, string? BrokerId);

    public sealed record AcceptRequest(int Offer);

    public sealed record DeclineRequest(DeclineReason? Reason, string? Text);

    public sealed record NoteRequest(string? Note);

    public sealed record ContractRequest(decimal? AmountCny, string? Terms, DateOnly? SignedOn);

    public sealed record LegalReviewRequest(string? ReviewerId);

    public sealed record LegalOpinionRequest(LegalOpinion? Opinion, string? Notes);

    public static RouteGroupBuilder MapDealEndpoints(this IEndpointRouteBuilder app)
    {
        var write = Scopes.Policy(Scopes.ListingsWrite);
        app.MapPost("/api/v1/listings/{id}/inquiries", Open).WithTags("Deals").RequireAuthorization(write)
            .Produces<DealView>(StatusCodes.Status201Created).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422)
            .WithSummary("询价：就项目发起交易 (inquire about a listing: opens a deal in the seller's region)");
        var group = app.MapGroup("/api/v1/deals").WithTags("Deals").ProducesCommonProblems();
        group.MapGet("/{id}", Get).RequireAuthorization(Scopes.Policy(Scopes.ListingsRead)).Produces<DealView>()
            .WithSummary("查看交易 (a deal, as its parties, broker and administrators see it)");
        group.MapPost("/{id}/engage", Engage).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("卖方接受询价，开始洽谈 (the seller takes the inquiry up: negotiation starts, the buyer's contact is shown)");
        group.MapPost("/{id}/offers", Offer).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("报价或还价 (an offer or counter-offer: amountCny, dealType, note)");
        group.MapPost("/{id}/accept", Accept).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("接受对方最新报价，达成一致；专利须先确权 (accept the other party's latest offer; a patent needs its rights confirmed first)");
        group.MapPost("/{id}/decline", Decline).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("拒绝并说明原因 (decline: TooEarly, Price, Fit, IpUnclear, Other with text)");
        group.MapPost("/{id}/cancel", Cancel).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("取消交易 (cancel, before a contract)");
        group.MapPost("/{id}/contract", Contract).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("登记合同要素 (record the contract: amount, terms, signing date)");
        group.MapPost("/{id}/registration", Register).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("技术合同登记 (register the contract: once, in the seller's region, by the seller or an administrator of that region)");
        group.MapPost("/{id}/complete", Complete).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("确认完成 (complete: the seller or an administrator of the seller's region)");
        group.MapPost("/{id}/legal-review", RequestLegalReview).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("申请法律审查 (a party asks a legal service provider to review the contract: {\"reviewerId\": …})");
        group.MapPost("/{id}/legal-review/opinion", GiveLegalOpinion).RequireAuthorization(write).Produces<DealView>()
            .WithSummary("出具法律意见 (the reviewer's opinion: NoObjection, or ChangesRequested with notes)");
        return group;
    }

    private static async Task<IResult> Open(string id, InquiryRequest body, ClaimsPrincipal user, IGrainFactory grains, HttpResponse response)
    {
        if (BashuId.RegionOf(id) is not { } region) return Problems.Status(StatusCodes.Status404NotFound, $"项目 {id} 不存在 (no such listing)");
        var dealId = BashuId.New(region);
        var outcome = await grains.GetGrain<IDealGrain>(dealId).OpenAsync(id, new Inquiry(body.Message ?? "", body.Contact ?? "", body.BrokerId), user.RequireActor());
        if (!outcome.Succeeded) return Problems.From(outcome);
        Versions.SetETag(response, outcome.Value!.Version);
        return TypedResults.Created($"/api/v1/deals/{dealId}", outcome.Value);
    }

    private static async Task<IResult> Get(string id, ClaimsPrincipal user, IGrainFactory grains, HttpResponse response)
    {
        if (!BashuId.IsValid(id) || await grains.GetGrain<IDealGrain>(id).GetAsync(user.RequireActor()) is not { } deal) return NotFound(id);
        Versions.SetETag(response, deal.Version);
        return TypedResults.Ok(deal);
    }

    private static Task<IResult> Engage(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, version => grains.GetGrain<IDealGrain>(id).EngageAsync(version, user.RequireActor()));

    private static Task<IResult> Offer(string id, OfferTerms body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, version => grains.GetGrain<IDealGrain>(id).OfferAsync(body, version, user.RequireActor()));

    private static Task<IResult> Accept(string id, AcceptRequest body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, version => grains.GetGrain<IDealGrain>(id).AcceptAsync(body.Offer, version, user.RequireActor()));

    private static Task<IResult> Decline(string id, DeclineRequest body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        body.Reason is not { } reason
            ? Task.FromResult(Problems.Unprocessable(new Dictionary<string, string[]> { ["reason"] = ["必填：TooEarly, Price, Fit, IpUnclear 或 Other (required)"] }))
            : Step(id, request, version => grains.GetGrain<IDealGrain>(id).DeclineAsync(reason, body.Text, version, user.RequireActor()));

    private static Task<IResult> Cancel(string id, NoteRequest? body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, version => grains.GetGrain<IDealGrain>(id).CancelAsync(body?.Note, version, user.RequireActor()));

    private static Task<IResult> Contract(string id, ContractRequest body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var missing = new Dictionary<string, string[]>();
        if (body.AmountCny is null) missing["amountCny"] = ["必填 (required)"];
        if (body.SignedOn is null) missing["signedOn"] = ["必填，如 2026-11-28 (required, e.g. 2026-11-28)"];
        if (missing.Count > 0) return Task.FromResult(Problems.Unprocessable(missing));
        var contract = new ContractTerms(body.AmountCny!.Value, body.Terms ?? "", body.SignedOn!.Value);
        return Step(id, request, version => grains.GetGrain<IDealGrain>(id).ContractAsync(contract, version, user.RequireActor()));
    }

    private static Task<IResult> Register(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, version => grains.GetGrain<IDealGrain>(id).RegisterAsync(version, user.RequireActor()));

    private static Task<IResult> Complete(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, version => grains.GetGrain<IDealGrain>(id).CompleteAsync(version, user.RequireActor()));

    private static Task<IResult> RequestLegalReview(string id, LegalReviewRequest body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        Step(id, request, version => grains.GetGrain<IDealGrain>(id).RequestLegalReviewAsync(body.ReviewerId ?? "", version, user.RequireActor()));

    private static Task<IResult> GiveLegalOpinion(string id, LegalOpinionRequest body, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        body.Opinion is not { } opinion
            ? Task.FromResult(Problems.Unprocessable(new Dictionary<string, string[]> { ["opinion"] = ["必填：NoObjection 或 ChangesRequested (required)"] }))
            : Step(id, request, version => grains.GetGrain<IDealGrain>(id).GiveLegalOpinionAsync(opinion, body.Notes, version, user.RequireActor()));

    private static Task<IResult> Step(string id, HttpRequest request, Func<int?, Task<Outcome<DealView>>> step) =>
        GrainSteps.RunAsync(id, request, step, deal => deal.Version, NotFound);

    private static IResult NotFound(string id) => Problems.Status(StatusCodes.Status404NotFound, $"交易 {id} 不存在 (no such deal)");
}
