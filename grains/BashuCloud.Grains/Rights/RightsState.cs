using System.Globalization;
using System.Text.Json.Serialization;
using BashuCloud.Audit;
using BashuCloud.Listings;
using BashuCloud.Text;
using BashuCloud.Users;
using RightsDecision = BashuCloud.Decision<BashuCloud.Rights.RightsState, BashuCloud.Rights.RightsView>;
using ValuationDecision = BashuCloud.Decision<BashuCloud.Rights.RightsState, BashuCloud.Rights.Valuation>;

namespace BashuCloud.Rights;

/// <summary>
/// A listing's rights claim (确权) and valuations (评估), and every decision about them. Pure: the grain brings the
/// listing (owner, region, who may see it) and the time. Each accepted change adds one version and records who did
/// what (<see cref="LastChange"/>), which PostgreSQL copies into the audit trail with the state.
/// </summary>
[GenerateSerializer, Immutable, Alias("bashu.RightsState")]
internal sealed record RightsState
{
    public const int OwnersMax = 20;
    public const int NameMax = 100;
    public const int PatentNumberMax = 40;
    public const int DocumentsMax = 20;
    public const int DocumentMax = 500;
    public const int ReasonMax = 500;
    public const int NoteMax = 1000;
    public const decimal AmountMax = 1_000_000_000_000m;

    [Id(0)] public string ListingId { get; init; } = "";
    /// <summary>Counts acknowledged changes (claims, reviews and valuations) from 1; 0 means nothing was ever recorded.</summary>
    [Id(1)] public int Version { get; init; }
    /// <summary>Null while no claim was submitted (there may be valuations already).</summary>
    [Id(2)] public RightsStatus? Status { get; init; }
    [Id(3)] public IReadOnlyList<RightsOwner> Owners { get; init; } = [];
    [Id(4)] public RightsEvidence Evidence { get; init; } = new(null, null);
    [Id(5)] public string SubmittedBy { get; init; } = "";
    [Id(6)] public DateTimeOffset SubmittedAt { get; init; }
    [Id(7)] public string? DecidedBy { get; init; }
    [Id(8)] public DateTimeOffset? DecidedAt { get; init; }
    [Id(9)] public string? RejectReason { get; init; }
    [Id(10)] public IReadOnlyList<Valuation> Valuations { get; init; } = [];
    [Id(11)] public AuditEntry? LastChange { get; init; }

    [JsonIgnore] public bool IsConfirmed => Status is RightsStatus.Confirmed;

    public RightsView ToView() =>
        new(ListingId, Status!.Value, Version, Owners, Evidence, SubmittedBy, SubmittedAt, DecidedBy, DecidedAt, RejectReason);

    public Outcome<RightsView> View(ListingView? listing, Actor actor) =>
        Hidden(listing, actor) ?? (Status is null ? NoClaim<RightsView>() : Outcome<RightsView>.Ok(ToView()));

    /// <summary>
    /// The owner (or an administrator of the listing's region for them) claims who owns what share. A new claim
    /// replaces the one before, whatever its status: a confirmed claim submitted anew is Submitted again and must be
    /// confirmed again.
    /// </summary>
    public RightsDecision Submit(RightsClaim claim, ListingView? listing, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Hidden(listing, actor) is { } hidden) return RightsDecision.Refuse(this, hidden.Refusal, hidden.Detail!);
        if (actor.PrincipalId != listing!.OwnerId && !actor.IsAdministratorOf(listing.Content.Region!.Value))
        {
            return RightsDecision.Refuse(this, Refusal.Forbidden, "只有发布者或本地区管理员可以申请确权 (only the owner or an administrator of the listing's region may claim its rights)");
        }
        if (Stale(expectedVersion) is { } stale) return RightsDecision.Refuse(this, stale.Refusal, stale.Detail!);
        var errors = Validate(claim);
        if (errors.Count > 0) return RightsDecision.Invalid(this, errors);
        var owners = claim.Owners.Select(o => o with { Name = o.Name.Trim() }).ToArray();
        var evidence = new RightsEvidence(Blank(claim.Evidence.PatentNumber) ? null : claim.Evidence.PatentNumber!.Trim(),
            claim.Evidence.Documents is { Count: > 0 } documents ? [.. documents.Select(d => d.Trim())] : null);
        var shares = string.Join("; ", owners.Select(o => $"{o.Name} {o.Share.ToString("0.##", CultureInfo.InvariantCulture)}%"));
        return Accept(this with
        {
            ListingId = listing.Id,
            Status = RightsStatus.Submitted,
            Owners = owners,
            Evidence = evidence,
            SubmittedBy = actor.PrincipalId,
            SubmittedAt = now,
            DecidedBy = null,
            DecidedAt = null,
            RejectReason = null,
        }, AuditEntry.Of("rights.submitted", actor, now, shares));
    }

    public RightsDecision Confirm(ListingView? listing, int? expectedVersion, Actor actor, DateTimeOffset now) =>
        Review(listing, expectedVersion, actor)
        ?? Accept(this with { Status = RightsStatus.Confirmed, DecidedBy = actor.PrincipalId, DecidedAt = now, RejectReason = null },
            AuditEntry.Of("rights.confirmed", actor, now));

    public RightsDecision Reject(string? reason, ListingView? listing, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Review(listing, expectedVersion, actor) is { } refused) return refused;
        if (Blank(reason) || reason!.Length > ReasonMax)
        {
            return RightsDecision.Invalid(this, Errors("reason", $"必填，不超过 {ReasonMax} 字 (required, at most {ReasonMax} characters)"));
        }
        if (TextRules.Problem(reason, multiLine: true) is { } problem) return RightsDecision.Invalid(this, Errors("reason", problem));
        return Accept(this with { Status = RightsStatus.Rejected, DecidedBy = actor.PrincipalId, DecidedAt = now, RejectReason = reason.Trim() },
            AuditEntry.Of("rights.rejected", actor, now, reason.Trim()));
    }

    /// <summary>A valuer attaches a valuation to a listing they may see.</summary>
    public ValuationDecision Value(ValuationReport report, ListingView? listing, Actor actor, DateTimeOffset now)
    {
        if (Hidden(listing, actor) is { } hidden) return ValuationDecision.Refuse(this, hidden.Refusal, hidden.Detail!);
        if (actor.Role is not UserRole.Valuer) return ValuationDecision.Refuse(this, Refusal.Forbidden, "只有评估机构可以提交评估 (only a valuer may value a listing)");
        var errors = new Dictionary<string, string[]>();
        if (!Enum.IsDefined(report.Method)) errors["method"] = ["应为 Income、Market 或 Cost (Income, Market or Cost)"];
        if (report.LowCny <= 0 || report.LowCny > AmountMax) errors["lowCny"] = ["应为正数，以元计 (a positive amount in CNY)"];
        if (report.HighCny < report.LowCny || report.HighCny > AmountMax) errors["highCny"] = ["不能低于 lowCny (at least lowCny)"];
        if (report.ValuedOn > DateOnly.FromDateTime(now.UtcDateTime.AddHours(8))) errors["valuedOn"] = ["评估日期不能晚于今天 (cannot be in the future)"];
        if (report.ValidUntil <= report.ValuedOn) errors["validUntil"] = ["应晚于评估日期 (must be after valuedOn)"];
        if (report.Note is { Length: > NoteMax }) errors["note"] = [$"不超过 {NoteMax} 字 (at most {NoteMax} characters)"];
        if (TextRules.Problem(report.Note, multiLine: true) is { } problem) errors["note"] = [problem];
        if (errors.Count > 0) return ValuationDecision.Invalid(this, errors);
        var valuation = new Valuation(Valuations.Count + 1, actor.PrincipalId, report with { Note = report.Note?.Trim() }, now);
        var next = Stamp(this with { ListingId = listing!.Id, Valuations = [.. Valuations, valuation] }, AuditEntry.Of("rights.valued", actor, now,
            $"#{valuation.Number} {report.Method} {Cny(report.LowCny)}–{Cny(report.HighCny)} CNY"));
        return new(next, Outcome<Valuation>.Ok(valuation));
    }

    /// <summary>The owner, administrators of the listing's region and valuers who made one of them; 403 for others who see the listing.</summary>
    public Outcome<ValuationList> ValuationsFor(ListingView? listing, Actor actor)
    {
        if (Hidden(listing, actor) is { } hidden) return Outcome<ValuationList>.Refused(hidden.Refusal, hidden.Detail!);
        var allowed = actor.PrincipalId == listing!.OwnerId || actor.IsAdministratorOf(listing.Content.Region!.Value)
            || (actor.Role is UserRole.Valuer && Valuations.Any(v => v.ValuerId == actor.PrincipalId));
        return allowed
            ? Outcome<ValuationList>.Ok(new ValuationList(listing.Id, Valuations))
            : Outcome<ValuationList>.Refused(Refusal.Forbidden, "评估结果仅供发布者、本地区管理员、出具评估的评估机构和交易方查看 (only the owner, the region's administrators, its valuers and the parties of its deals)");
    }

    public static Dictionary<string, string[]> Validate(RightsClaim claim)
    {
        var errors = new Dictionary<string, string[]>();
        if (OwnersError(claim.Owners) is { } owners) errors["owners"] = [owners];
        var evidence = claim.Evidence;
        var documents = evidence.Documents ?? [];
        if (Blank(evidence.PatentNumber) && documents.Count == 0) errors["evidence"] = ["须提供专利号或至少一份证明文件 (a patent number or at least one document)"];
        if (evidence.PatentNumber is { Length: > PatentNumberMax }) errors["evidence.patentNumber"] = [$"不超过 {PatentNumberMax} 字 (at most {PatentNumberMax} characters)"];
        if (documents.Count > DocumentsMax || documents.Any(d => Blank(d) || d.Length > DocumentMax))
        {
            errors["evidence.documents"] = [$"至多 {DocumentsMax} 份，每份引用不能为空、不超过 {DocumentMax} 字 (at most {DocumentsMax}, each non-empty and at most {DocumentMax} characters)"];
        }
        var texts = TextRules.Check([.. TextRules.Items("owners", claim.Owners.Select(o => o.Name)).Select(o => (o.Path + ".name", o.Value)),
            ("evidence.patentNumber", evidence.PatentNumber), .. TextRules.Items("evidence.documents", documents)]);
        foreach (var (path, message) in texts) errors[path] = [message];
        return errors;
    }

    private static string? OwnersError(IReadOnlyList<RightsOwner> owners) =>
        owners.Count is 0 or > OwnersMax ? $"须有 1–{OwnersMax} 位权利人 (1 to {OwnersMax} owners)"
        : owners.Any(o => Blank(o.Name) || o.Name.Trim().Length > NameMax) ? $"权利人名称必填，不超过 {NameMax} 字 (every owner needs a name, at most {NameMax} characters)"
        : owners.Select(o => o.Name.Trim()).Distinct(StringComparer.Ordinal).Count() != owners.Count ? "权利人名称不能重复 (owner names must be unique)"
        : owners.Any(o => o.Share <= 0) ? "每位权利人的份额须大于 0 (every share must be above 0)"
        : owners.Any(o => o.Share > 100m) ? "每位权利人的份额不能超过 100 (no share is above 100)"
        : owners.Sum(o => o.Share) != 100m ? $"份额合计须为 100，现为 {Cny(owners.Sum(o => o.Share))} (shares must sum to exactly 100)"
        : null;

    /// <summary>Confirming and rejecting: an administrator of the listing's region or a legal service provider, never the claim's owner or submitter.</summary>
    private RightsDecision? Review(ListingView? listing, int? expectedVersion, Actor actor)
    {
        if ((Hidden(listing, actor) ?? (Status is null ? NoClaim<RightsView>() : null)) is { } missing) return RightsDecision.Refuse(this, missing.Refusal, missing.Detail!);
        if (!actor.IsAdministratorOf(listing!.Content.Region!.Value) && actor.Role is not UserRole.ServiceProvider)
        {
            return RightsDecision.Refuse(this, Refusal.Forbidden, "只有本地区管理员或法律服务机构可以审核确权 (only an administrator of the listing's region or a legal service provider)");
        }
        if (actor.PrincipalId == listing.OwnerId || actor.PrincipalId == SubmittedBy)
        {
            return RightsDecision.Refuse(this, Refusal.Forbidden, "不能审核自己提交的确权申请 (you cannot review your own claim)");
        }
        if (Stale(expectedVersion) is { } stale) return RightsDecision.Refuse(this, stale.Refusal, stale.Detail!);
        return Status is RightsStatus.Submitted
            ? null
            : RightsDecision.Refuse(this, Refusal.WrongStatus, $"确权申请当前状态 {Status}，只能审核已提交的申请 (only a Submitted claim can be reviewed; this one is {Status})");
    }

    private static Outcome<RightsView>? Hidden(ListingView? listing, Actor actor) =>
        listing is null || !ListingVisibility.CanSee(listing, actor) ? Outcome<RightsView>.Refused(Refusal.NotFound, "项目不存在 (listing not found)") : null;

    private static Outcome<T> NoClaim<T>() => Outcome<T>.Refused(Refusal.NotFound, "该项目尚未申请确权 (no rights claim for this listing)");

    private Outcome<RightsView>? Stale(int? expectedVersion) => expectedVersion is { } expected && expected != Version
        ? Outcome<RightsView>.Refused(Refusal.VersionMismatch, $"确权记录已变为第 {Version} 版，请刷新后重试 (now at version {Version})")
        : null;

    private static RightsDecision Accept(RightsState next, AuditEntry change)
    {
        var stamped = Stamp(next, change);
        return new(stamped, Outcome<RightsView>.Ok(stamped.ToView()));
    }

    private static RightsState Stamp(RightsState next, AuditEntry change) => next with { Version = next.Version + 1, LastChange = change };

    private static bool Blank(string? text) => string.IsNullOrWhiteSpace(text);

    private static string Cny(decimal amount) => amount.ToString("0.##", CultureInfo.InvariantCulture);

    private static Dictionary<string, string[]> Errors(string field, string message) => new() { [field] = [message] };
}
