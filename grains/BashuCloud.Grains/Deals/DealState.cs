using System.Globalization;
using System.Text.Json.Serialization;
using BashuCloud.Audit;
using BashuCloud.Listings;
using BashuCloud.Regions;
using BashuCloud.Text;
using BashuCloud.Users;
using DealDecision = BashuCloud.Decision<BashuCloud.Deals.DealState, BashuCloud.Deals.DealView>;

namespace BashuCloud.Deals;

/// <summary>
/// A deal's stored state and every decision about it. Pure: the grain brings what it looked up (the listing, the
/// time) and stores the next state when a decision succeeds. Each accepted step adds one version and records who did
/// what (<see cref="LastChange"/>), which PostgreSQL copies into the audit trail with the state.
/// </summary>
[GenerateSerializer, Immutable, Alias("bashu.DealState")]
internal sealed record DealState
{
    public const int MessageMax = 2000;
    public const int ContactMax = 200;
    public const int NoteMax = 500;
    public const int TermsMax = 10_000;
    public const decimal AmountMax = 1_000_000_000_000m;

    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public DealStage Stage { get; init; }
    /// <summary>Counts acknowledged steps from 1; 0 means the deal does not exist.</summary>
    [Id(2)] public int Version { get; init; }
    [Id(3)] public string ListingId { get; init; } = "";
    [Id(4)] public ListingKind ListingKind { get; init; }
    [Id(5)] public string ListingTitle { get; init; } = "";
    [Id(6)] public string SellerId { get; init; } = "";
    [Id(7)] public Region SellerRegion { get; init; }
    [Id(8)] public string BuyerId { get; init; } = "";
    [Id(9)] public Region BuyerRegion { get; init; }
    [Id(10)] public string? BrokerId { get; init; }
    [Id(11)] public string Message { get; init; } = "";
    [Id(12)] public string Contact { get; init; } = "";
    [Id(13)] public IReadOnlyList<Offer> Offers { get; init; } = [];
    [Id(14)] public int? AgreedOffer { get; init; }
    [Id(15)] public ContractTerms? Contract { get; init; }
    [Id(16)] public ContractRegistration? Registration { get; init; }
    [Id(17)] public Decline? Decline { get; init; }
    [Id(18)] public string? CancelNote { get; init; }
    [Id(19)] public DateTimeOffset CreatedAt { get; init; }
    [Id(20)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(21)] public AuditEntry? LastChange { get; init; }
    /// <summary>When the seller took the inquiry up: from then on the seller may reach the buyer.</summary>
    [Id(22)] public DateTimeOffset? EngagedAt { get; init; }
    /// <summary>The broker's credit, computed once when the deal completes (contract amount × the configured rate).</summary>
    [Id(23)] public decimal? BrokerCreditCny { get; init; }
    [Id(24)] public LegalReview? LegalReview { get; init; }

    [JsonIgnore] public bool Exists => Version > 0;

    /// <summary>Stages in which the deal still goes on (the listing is being negotiated).</summary>
    public static bool IsUnderway(DealStage stage) => stage is DealStage.Negotiating or DealStage.Agreed or DealStage.Contracted or DealStage.Registered;

    /// <summary>The parties, the broker who introduced them, the contract's legal reviewer, and the administrators of either party's region.</summary>
    public bool CanSee(Actor actor) =>
        Exists && (PartyOf(actor) is not null || actor.PrincipalId == BrokerId || actor.PrincipalId == LegalReview?.ReviewerId
            || actor.IsAdministratorOf(SellerRegion) || actor.IsAdministratorOf(BuyerRegion));

    /// <summary>
    /// The deal as <paramref name="actor"/> sees it: the seller, and the broker, learn how to reach the buyer only
    /// once the seller has taken the inquiry up.
    /// </summary>
    public DealView ToView(Actor actor)
    {
        var contactShown = PartyOf(actor) is DealParty.Buyer || EngagedAt is not null
            || actor.IsAdministratorOf(SellerRegion) || actor.IsAdministratorOf(BuyerRegion);
        return new(Id, ListingId, ListingKind, ListingTitle, Stage, Version, SellerId, SellerRegion, BuyerId, BuyerRegion, BrokerId,
            Message, contactShown ? Contact : null, Offers, AgreedOffer, Contract, Registration, Decline, CancelNote, BrokerCreditCny, LegalReview, CreatedAt, UpdatedAt);
    }

    public DealParty? PartyOf(Actor actor) =>
        actor.PrincipalId == SellerId ? DealParty.Seller : actor.PrincipalId == BuyerId ? DealParty.Buyer : null;

    public DealDecision Open(string id, ListingView? listing, Inquiry inquiry, string? brokerRole, Actor actor, DateTimeOffset now)
    {
        if (Exists) return DealDecision.Refuse(this, Refusal.AlreadyExists, $"交易 {id} 已存在 (deal exists)");
        if (listing is null || !ListingVisibility.CanSee(listing, actor)) return DealDecision.Refuse(this, Refusal.NotFound, "项目不存在 (listing not found)");
        if (actor.Role is UserRole.Administrator or UserRole.Platform || actor.Region is null)
        {
            return DealDecision.Refuse(this, Refusal.Forbidden, "只有注册用户可以询价 (only a registered user may inquire)");
        }
        if (actor.PrincipalId == listing.OwnerId) return DealDecision.Refuse(this, Refusal.Forbidden, "不能对自己的项目询价 (not on your own listing)");
        if (listing.Status is not (ListingStatus.Published or ListingStatus.Negotiating))
        {
            return DealDecision.Refuse(this, Refusal.WrongStatus, $"项目当前状态 {listing.Status} 不接受询价 (the listing takes no inquiries while {listing.Status})");
        }
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(inquiry.Message) || inquiry.Message.Length > MessageMax) errors["message"] = [$"必填，不超过 {MessageMax} 字 (required, at most {MessageMax} characters)"];
        if (string.IsNullOrWhiteSpace(inquiry.Contact) || inquiry.Contact.Length > ContactMax) errors["contact"] = [$"必填，不超过 {ContactMax} 字 (required, at most {ContactMax} characters)"];
        if (inquiry.BrokerId is not null && brokerRole != nameof(UserRole.Broker)) errors["brokerId"] = ["不是已注册的技术经纪人 (not a registered technology broker)"];
        if (inquiry.BrokerId is not null && inquiry.BrokerId == actor.PrincipalId) errors["brokerId"] = ["经纪人不能是交易方 (the broker cannot be a party)"];
        foreach (var (path, message) in TextRules.Check(("message", inquiry.Message), ("contact", inquiry.Contact), ("brokerId", inquiry.BrokerId))) errors[path] = [message];
        if (errors.Count > 0) return DealDecision.Invalid(this, errors);
        return Accept(this with
        {
            Id = id,
            Stage = DealStage.Inquiry,
            ListingId = listing.Id,
            ListingKind = listing.Content.Kind!.Value,
            ListingTitle = listing.Content.Title ?? "",
            SellerId = listing.OwnerId,
            SellerRegion = listing.Content.Region!.Value,
            BuyerId = actor.PrincipalId,
            BuyerRegion = actor.Region.Value,
            BrokerId = inquiry.BrokerId,
            Message = inquiry.Message.Trim(),
            Contact = inquiry.Contact.Trim(),
            CreatedAt = now,
        }, AuditEntry.Of("deal.opened", actor, now, inquiry.BrokerId is null ? null : $"broker {inquiry.BrokerId}"), actor, now);
    }

    /// <summary>The seller takes the inquiry up: negotiation starts and the seller may now reach the buyer.</summary>
    public DealDecision Engage(int? expectedVersion, Actor actor, DateTimeOffset now) =>
        Refuse(expectedVersion, actor, [DealParty.Seller], [DealStage.Inquiry])
        ?? Accept(this with { Stage = DealStage.Negotiating, EngagedAt = now }, AuditEntry.Of("deal.engaged", actor, now), actor, now);

    public DealDecision Offer(OfferTerms terms, ListingStatus? listingStatus, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, [DealParty.Buyer, DealParty.Seller], [DealStage.Negotiating]) is { } refused) return refused;
        if (ListingClosed(listingStatus) is { } closed) return closed;
        var errors = new Dictionary<string, string[]>();
        if (terms.AmountCny <= 0 || terms.AmountCny > AmountMax) errors["amountCny"] = ["应为正数，以元计 (a positive amount in CNY)"];
        if (!Enum.IsDefined(terms.DealType)) errors["dealType"] = ["未知交易方式 (unknown deal type)"];
        if (terms.Note is { Length: > NoteMax }) errors["note"] = [$"不超过 {NoteMax} 字 (at most {NoteMax} characters)"];
        if (TextRules.Problem(terms.Note, multiLine: true) is { } problem) errors["note"] = [problem];
        if (errors.Count > 0) return DealDecision.Invalid(this, errors);
        var offer = new Offer(Offers.Count + 1, PartyOf(actor)!.Value, terms with { Note = terms.Note?.Trim() }, now);
        return Accept(this with { Offers = [.. Offers, offer] },
            AuditEntry.Of("deal.offered", actor, now, $"#{offer.Number} {Cny(terms.AmountCny)} CNY {terms.DealType}"), actor, now);
    }

    /// <summary>
    /// Accepts the latest offer, which the other party made: the deal is agreed on its terms. A patent's deal needs
    /// its rights confirmed first (<paramref name="rightsConfirmed"/>: "confirm ownership before transfer").
    /// </summary>
    public DealDecision AcceptOffer(int offerNumber, ListingStatus? listingStatus, bool rightsConfirmed, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, [DealParty.Buyer, DealParty.Seller], [DealStage.Negotiating]) is { } refused) return refused;
        if (ListingClosed(listingStatus) is { } closed) return closed;
        if (Offers.Count == 0 || offerNumber != Offers[^1].Number)
        {
            return DealDecision.Refuse(this, Refusal.WrongStatus, Offers.Count == 0
                ? "尚无报价 (there is no offer to accept)"
                : $"只能接受最新报价 #{Offers[^1].Number} (only the latest offer, #{Offers[^1].Number}, can be accepted)");
        }
        if (Offers[^1].By == PartyOf(actor)) return DealDecision.Refuse(this, Refusal.Forbidden, "不能接受自己的报价 (you cannot accept your own offer)");
        if (ListingKind is ListingKind.Patent && !rightsConfirmed)
        {
            return DealDecision.Refuse(this, Refusal.WrongStatus, "专利须先确权再交易：该项目的确权尚未确认 (confirm ownership before transfer: the patent's rights are not confirmed yet)");
        }
        return Accept(this with { Stage = DealStage.Agreed, AgreedOffer = offerNumber }, AuditEntry.Of("deal.agreed", actor, now, $"#{offerNumber}"), actor, now);
    }

    public DealDecision DeclineDeal(DeclineReason reason, string? text, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, [DealParty.Buyer, DealParty.Seller], [DealStage.Inquiry, DealStage.Negotiating]) is { } refused) return refused;
        if (!Enum.IsDefined(reason)) return DealDecision.Invalid(this, Errors("reason", "未知原因 (unknown reason)"));
        if (reason is DeclineReason.Other && string.IsNullOrWhiteSpace(text)) return DealDecision.Invalid(this, Errors("text", "选择“其他”时须说明 (say why when the reason is Other)"));
        if (text is { Length: > NoteMax }) return DealDecision.Invalid(this, Errors("text", $"不超过 {NoteMax} 字 (at most {NoteMax} characters)"));
        if (TextRules.Problem(text, multiLine: true) is { } problem) return DealDecision.Invalid(this, Errors("text", problem));
        return Accept(this with { Stage = DealStage.Declined, Decline = new Decline(PartyOf(actor)!.Value, reason, text?.Trim()) },
            AuditEntry.Of("deal.declined", actor, now, text is null ? reason.ToString() : $"{reason}: {text.Trim()}"), actor, now);
    }

    public DealDecision Cancel(string? note, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, [DealParty.Buyer, DealParty.Seller], [DealStage.Inquiry, DealStage.Negotiating, DealStage.Agreed]) is { } refused)
        {
            return refused;
        }
        if (note is { Length: > NoteMax }) return DealDecision.Invalid(this, Errors("note", $"不超过 {NoteMax} 字 (at most {NoteMax} characters)"));
        if (TextRules.Problem(note, multiLine: true) is { } problem) return DealDecision.Invalid(this, Errors("note", problem));
        return Accept(this with { Stage = DealStage.Cancelled, CancelNote = note?.Trim() }, AuditEntry.Of("deal.cancelled", actor, now, note?.Trim()), actor, now);
    }

    public DealDecision RecordContract(ContractTerms contract, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, [DealParty.Buyer, DealParty.Seller], [DealStage.Agreed]) is { } refused) return refused;
        var errors = new Dictionary<string, string[]>();
        if (contract.AmountCny <= 0 || contract.AmountCny > AmountMax) errors["amountCny"] = ["应为正数，以元计 (a positive amount in CNY)"];
        if (string.IsNullOrWhiteSpace(contract.Terms) || contract.Terms.Length > TermsMax) errors["terms"] = [$"必填，不超过 {TermsMax} 字 (required, at most {TermsMax} characters)"];
        if (contract.SignedOn > DateOnly.FromDateTime(now.UtcDateTime.AddHours(8))) errors["signedOn"] = ["签订日期不能晚于今天 (cannot be in the future)"];
        if (TextRules.Problem(contract.Terms, multiLine: true) is { } problem) errors["terms"] = [problem];
        if (errors.Count > 0) return DealDecision.Invalid(this, errors);
        return Accept(this with { Stage = DealStage.Contracted, Contract = contract with { Terms = contract.Terms.Trim() } },
            AuditEntry.Of("deal.contracted", actor, now, $"{Cny(contract.AmountCny)} CNY"), actor, now);
    }

    /// <summary>
    /// 技术合同登记: once, in the seller's region: by the seller, or for them by an administrator of that region; the
    /// platform issues the number.
    /// </summary>
    public DealDecision Register(int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (!Exists || !CanSee(actor)) return DealDecision.Refuse(this, Refusal.NotFound, "交易不存在 (deal not found)");
        if (PartyOf(actor) is not DealParty.Seller && !actor.IsAdministratorOf(SellerRegion))
        {
            return DealDecision.Refuse(this, Refusal.Forbidden, "技术合同由卖方在其所在地区登记 (registered by the seller, or an administrator of the seller's region)");
        }
        if (Registration is not null) return DealDecision.Refuse(this, Refusal.WrongStatus, $"合同已登记，登记号 {Registration.Number} (already registered)");
        if (Stale(expectedVersion) is { } stale) return stale;
        if (Stage is not DealStage.Contracted) return WrongStage();
        var number = RegistrationNumber(Id, SellerRegion, now);
        return Accept(this with { Stage = DealStage.Registered, Registration = new ContractRegistration(number, SellerRegion, actor.PrincipalId, now) },
            AuditEntry.Of("deal.registered", actor, now, number), actor, now);
    }

    public DealDecision Complete(decimal brokerCommissionRate, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (!Exists || !CanSee(actor)) return DealDecision.Refuse(this, Refusal.NotFound, "交易不存在 (deal not found)");
        if (PartyOf(actor) is not DealParty.Seller && !actor.IsAdministratorOf(SellerRegion))
        {
            return DealDecision.Refuse(this, Refusal.Forbidden, "由卖方或卖方地区管理员确认完成 (the seller or an administrator of the seller's region)");
        }
        if (Stale(expectedVersion) is { } stale) return stale;
        if (Stage is not DealStage.Registered) return WrongStage();
        // The broker's credit is fixed at completion, at the rate then configured: later changes of the rate do not rewrite it.
        decimal? credit = BrokerId is null ? null : Math.Round(Contract!.AmountCny * brokerCommissionRate, 2, MidpointRounding.AwayFromZero);
        return Accept(this with { Stage = DealStage.Completed, BrokerCreditCny = credit },
            AuditEntry.Of("deal.completed", actor, now, credit is null ? null : $"broker credit {Cny(credit.Value)} CNY"), actor, now);
    }

    /// <summary>
    /// 法律审查: a party asks a legal service provider to review the contract, once there is an agreement and until
    /// the deal is registered; a new request replaces a review that has given its opinion, never one still open.
    /// </summary>
    public DealDecision RequestLegalReview(string reviewerId, string? reviewerRole, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, [DealParty.Buyer, DealParty.Seller], [DealStage.Agreed, DealStage.Contracted]) is { } refused) return refused;
        if (reviewerRole != nameof(UserRole.ServiceProvider) || reviewerId == SellerId || reviewerId == BuyerId)
        {
            return DealDecision.Invalid(this, Errors("reviewerId", "应为已注册的法律服务机构，且不是交易方 (a registered legal service provider who is not a party)"));
        }
        if (LegalReview is { Opinion: null }) return DealDecision.Refuse(this, Refusal.WrongStatus, "已有进行中的法律审查 (a legal review is still open)");
        return Accept(this with { LegalReview = new LegalReview(reviewerId, PartyOf(actor)!.Value, now) },
            AuditEntry.Of("deal.legal-review-requested", actor, now, reviewerId), actor, now);
    }

    /// <summary>The reviewer asked for the open review gives the opinion: no objection, or changes requested (with notes).</summary>
    public DealDecision GiveLegalOpinion(LegalOpinion opinion, string? notes, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (!Exists || !CanSee(actor)) return DealDecision.Refuse(this, Refusal.NotFound, "交易不存在 (deal not found)");
        if (LegalReview is not { } review || actor.PrincipalId != review.ReviewerId)
        {
            return DealDecision.Refuse(this, Refusal.Forbidden, "只有受托的法律服务机构可以出具意见 (only the reviewer asked may give the opinion)");
        }
        if (Stale(expectedVersion) is { } stale) return stale;
        if (review.Opinion is not null) return DealDecision.Refuse(this, Refusal.WrongStatus, "已出具意见 (the opinion was already given)");
        if (!Enum.IsDefined(opinion)) return DealDecision.Invalid(this, Errors("opinion", "未知意见 (unknown opinion)"));
        if (opinion is LegalOpinion.ChangesRequested && string.IsNullOrWhiteSpace(notes)) return DealDecision.Invalid(this, Errors("notes", "建议修改时须说明 (say what to change)"));
        if (notes is { Length: > TermsMax }) return DealDecision.Invalid(this, Errors("notes", $"不超过 {TermsMax} 字 (at most {TermsMax} characters)"));
        if (TextRules.Problem(notes, multiLine: true) is { } problem) return DealDecision.Invalid(this, Errors("notes", problem));
        return Accept(this with { LegalReview = review with { Opinion = opinion, Notes = notes?.Trim(), GivenAt = now } },
            AuditEntry.Of("deal.legal-opinion", actor, now, opinion.ToString()), actor, now);
    }

    /// <summary>
    /// 技术合同登记号: the seller's province code (四川 51, 重庆 50), the year in China time and the deal's own ULID,
    /// so a number is unique without a shared counter and says where and when it was issued.
    /// </summary>
    public static string RegistrationNumber(string dealId, Region region, DateTimeOffset at) =>
        $"{(region is Region.Sichuan ? "51" : "50")}-{at.ToOffset(TimeSpan.FromHours(8)).Year}-{dealId[(dealId.IndexOf('-', StringComparison.Ordinal) + 1)..]}";

    private static DealDecision Accept(DealState next, AuditEntry change, Actor actor, DateTimeOffset now)
    {
        var stamped = next with { Version = next.Version + 1, UpdatedAt = now, LastChange = change };
        return new(stamped, Outcome<DealView>.Ok(stamped.ToView(actor)));
    }

    /// <summary>The common refusals, in the order a caller should hear them: unknown, not a party, stale, wrong stage.</summary>
    private DealDecision? Refuse(int? expectedVersion, Actor actor, DealParty[] parties, DealStage[] stages)
    {
        if (!Exists || !CanSee(actor)) return DealDecision.Refuse(this, Refusal.NotFound, "交易不存在 (deal not found)");
        if (PartyOf(actor) is not { } party || !parties.Contains(party))
        {
            return DealDecision.Refuse(this, Refusal.Forbidden, parties.Length == 1 && parties[0] is DealParty.Seller
                ? "只有卖方可以接受询价 (only the seller may take the inquiry up)"
                : "只有交易双方可以操作 (only the parties of the deal)");
        }
        return Stale(expectedVersion) ?? (stages.Contains(Stage) ? null : WrongStage());
    }

    private DealDecision? Stale(int? expectedVersion) => expectedVersion is { } expected && expected != Version
        ? DealDecision.Refuse(this, Refusal.VersionMismatch, $"交易已变为第 {Version} 版，请刷新后重试 (the deal is now at version {Version})")
        : null;

    /// <summary>Offers and agreements need a listing that is still on offer: not withdrawn, expired or traded meanwhile.</summary>
    private DealDecision? ListingClosed(ListingStatus? listingStatus) => listingStatus is ListingStatus.Published or ListingStatus.Negotiating
        ? null
        : DealDecision.Refuse(this, Refusal.WrongStatus, $"项目当前状态 {listingStatus} 不再接受报价 (the listing is {listingStatus}: no more offers)");

    private DealDecision WrongStage() =>
        DealDecision.Refuse(this, Refusal.WrongStatus, $"交易当前阶段 {Stage} 不允许此操作 (not allowed at stage {Stage})");

    private static string Cny(decimal amount) => amount.ToString("0.##", CultureInfo.InvariantCulture);

    private static Dictionary<string, string[]> Errors(string field, string message) => new() { [field] = [message] };
}
