using System.Text.Json.Serialization;
using BashuCloud.Audit;
using BashuCloud.Regions;
using BashuCloud.Text;
using BashuCloud.Users;
using ListingDecision = BashuCloud.Decision<BashuCloud.Listings.ListingState, BashuCloud.Listings.ListingView>;

namespace BashuCloud.Listings;

/// <summary>
/// A listing's stored state and every decision about it. Pure: time comes in as an argument, nothing is
/// written here; the grain stores the next state when a decision succeeds.
/// </summary>
// Stored as JSON; also Orleans-serializable, so that a migration (going home) hands the state to the new
// activation instead of failing to and leaving it to read the row again.
[GenerateSerializer, Immutable, Alias("bashu.ListingState")]
internal sealed record ListingState
{
    public const int ReasonMax = 500;

    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public ListingStatus Status { get; init; }
    /// <summary>Counts acknowledged changes from 1; 0 means the listing does not exist.</summary>
    [Id(2)] public int Version { get; init; }
    [Id(3)] public string OwnerId { get; init; } = "";
    [Id(4)] public ListingDraft? Content { get; init; }
    [Id(5)] public DateTimeOffset CreatedAt { get; init; }
    [Id(6)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(7)] public DateTimeOffset? PublishedAt { get; init; }
    [Id(8)] public string? ReviewNote { get; init; }
    /// <summary>The change that made this version; PostgreSQL copies it into the audit trail as the state is stored.</summary>
    [Id(9)] public AuditEntry? LastChange { get; init; }
    /// <summary>The deals under way on this listing: while there are any, a published listing is Negotiating.</summary>
    [Id(10)] public IReadOnlyList<string> ActiveDeals { get; init; } = [];
    /// <summary>Listings this one may duplicate, found by the API when it was last submitted: a flag for the reviewer.</summary>
    [Id(11)] public IReadOnlyList<string> PossibleDuplicates { get; init; } = [];

    [JsonIgnore] public bool Exists => Version > 0;

    [JsonIgnore] public Region Region => Content!.Region!.Value;

    public ListingView ToView() =>
        new(Id, Status, Version, OwnerId, Content!, CreatedAt, UpdatedAt, PublishedAt, ReviewNote, PossibleDuplicates.Count > 0 ? PossibleDuplicates : null);

    public ListingDecision Create(string id, ListingCreation creation, Actor actor, DateTimeOffset now)
    {
        if (Exists) return ListingDecision.Refuse(this, Refusal.AlreadyExists, $"项目 {id} 已存在 (listing exists)");
        var draft = creation.Draft;
        var errors = ListingRules.Validate(draft, DateOnly.FromDateTime(now.UtcDateTime));
        if (errors.Count > 0) return ListingDecision.Invalid(this, errors);
        if (Regions.Regions.OfKey(id) != draft.Region)
        {
            return ListingDecision.Invalid(this, Errors("region", "与编号所属地区不一致 (does not match the id's region)"));
        }
        if (creation.OwnerId != actor.PrincipalId && !actor.IsAdministratorOf(draft.Region!.Value))
        {
            return ListingDecision.Refuse(this, Refusal.Forbidden, "只有管理员可以代他人发布 (only an administrator may list for someone else)");
        }
        if (actor.Role is UserRole.Platform && !actor.ActsFor(draft.PlatformId))
        {
            return ListingDecision.Refuse(this, Refusal.Forbidden, "平台只能发布本平台的项目 (a platform lists on its own platform only)");
        }
        return Accept(this with
        {
            Id = id,
            Status = ListingStatus.Draft,
            OwnerId = creation.OwnerId,
            Content = draft,
            CreatedAt = now,
        }, AuditEntry.Of("listing.created", actor, now));
    }

    public ListingDecision Update(ListingDraft draft, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, byOwner: true, [ListingStatus.Draft, ListingStatus.InReview, ListingStatus.Published]) is { } refused)
        {
            return refused;
        }
        var fixedFields = new Dictionary<string, string[]>();
        if (draft.Kind is { } kind && kind != Content!.Kind) fixedFields["kind"] = [Fixed];
        if (draft.Region is { } region && region != Content!.Region) fixedFields["region"] = [Fixed];
        if (draft.PlatformId is { } platform && platform != Content!.PlatformId) fixedFields["platformId"] = [Fixed];
        if (fixedFields.Count > 0) return ListingDecision.Invalid(this, fixedFields);

        var merged = draft with { Kind = Content!.Kind, Region = Content.Region, PlatformId = Content.PlatformId };
        var errors = ListingRules.Validate(merged, DateOnly.FromDateTime(now.UtcDateTime));
        if (errors.Count > 0) return ListingDecision.Invalid(this, errors);

        // The same content again is no change: no new version (a platform pushing its listing twice makes one version).
        if (ListingRules.SameContent(merged, Content)) return new(this, Outcome<ListingView>.Ok(ToView()));
        // A published listing that changes goes back to review: administrators approve what the public sees.
        var status = Status is ListingStatus.Published ? ListingStatus.InReview : Status;
        return Accept(this with { Content = merged, Status = status }, AuditEntry.Of("listing.updated", actor, now));
    }

    /// <summary>Into review, flagged with the listings it may duplicate (never refused for them: the reviewer decides).</summary>
    public ListingDecision Submit(int? expectedVersion, Actor actor, DateTimeOffset now, IReadOnlyList<string>? possibleDuplicates = null)
    {
        IReadOnlyList<string> flagged = [.. (possibleDuplicates ?? []).Where(d => d != Id).Distinct().Take(ListingRules.PossibleDuplicatesMax)];
        return Refuse(expectedVersion, actor, byOwner: true, [ListingStatus.Draft])
            ?? Accept(this with { Status = ListingStatus.InReview, ReviewNote = null, PossibleDuplicates = flagged },
                AuditEntry.Of("listing.submitted", actor, now, flagged.Count > 0 ? "possible duplicates: " + string.Join(", ", flagged) : null));
    }

    public ListingDecision Approve(int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, byOwner: false, [ListingStatus.InReview]) is { } refused) return refused;
        if (Content!.ExpiresOn is { } expires && expires <= DateOnly.FromDateTime(now.UtcDateTime))
        {
            return ListingDecision.Invalid(this, Errors("expiresOn", "已过有效期，请先续期 (expired: renew first)"));
        }
        return Accept(this with { Status = ListingStatus.Published, PublishedAt = now, ReviewNote = null }, AuditEntry.Of("listing.approved", actor, now));
    }

    public ListingDecision Reject(string? reason, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, byOwner: false, [ListingStatus.InReview]) is { } refused) return refused;
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > ReasonMax)
        {
            return ListingDecision.Invalid(this, Errors("reason", $"退回须说明理由，不超过 {ReasonMax} 字 (a reason of at most {ReasonMax} characters is required)"));
        }
        if (TextRules.Problem(reason, multiLine: true) is { } problem) return ListingDecision.Invalid(this, Errors("reason", problem));
        var note = reason.Trim();
        return Accept(this with { Status = ListingStatus.Draft, ReviewNote = note }, AuditEntry.Of("listing.rejected", actor, now, note));
    }

    public ListingDecision Withdraw(string? reason, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        // A listing under negotiation may be withdrawn too: its deals then take no more offers.
        if (Refuse(expectedVersion, actor, byOwner: true, [ListingStatus.Draft, ListingStatus.InReview, ListingStatus.Published, ListingStatus.Negotiating]) is { } refused)
        {
            return refused;
        }
        if (reason is { Length: > ReasonMax })
        {
            return ListingDecision.Invalid(this, Errors("reason", $"不超过 {ReasonMax} 字 (at most {ReasonMax} characters)"));
        }
        if (TextRules.Problem(reason, multiLine: true) is { } problem) return ListingDecision.Invalid(this, Errors("reason", problem));
        var note = reason?.Trim();
        return Accept(this with { Status = ListingStatus.Withdrawn, ReviewNote = note }, AuditEntry.Of("listing.withdrawn", actor, now, note));
    }

    /// <summary>
    /// A later expiry date, by the owner, its platform or a region administrator. An expired listing is published
    /// again without a new review: its reviewed content has not changed, only its date.
    /// </summary>
    public ListingDecision Renew(DateOnly expiresOn, int? expectedVersion, Actor actor, DateTimeOffset now)
    {
        if (Refuse(expectedVersion, actor, byOwner: true, [ListingStatus.Published, ListingStatus.Negotiating, ListingStatus.Expired]) is { } refused)
        {
            return refused;
        }
        if (expiresOn <= ListingExpiry.Today(now) || (Content!.ExpiresOn is { } current && expiresOn <= current))
        {
            return ListingDecision.Invalid(this, Errors("expiresOn", "续期日期应晚于今天和原有效期 (must be after today and after the current expiry date)"));
        }
        var status = Status is ListingStatus.Expired ? (ActiveDeals.Count > 0 ? ListingStatus.Negotiating : ListingStatus.Published) : Status;
        return Accept(this with { Content = Content with { ExpiresOn = expiresOn }, Status = status },
            AuditEntry.Of("listing.renewed", actor, now, expiresOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Whether the listing is public and dated, so that it can expire.</summary>
    [JsonIgnore] public bool CanExpire => Status is ListingStatus.Published or ListingStatus.Negotiating && Content?.ExpiresOn is not null;

    /// <summary>
    /// The platform's own step when the region's expiry sweeper asks: a published or negotiating listing whose expiry
    /// moment (<see cref="ListingExpiry.ExpiresAt"/>) has come is Expired. Otherwise nothing changes (asking early,
    /// late or twice, from a read model that is behind, is harmless).
    /// </summary>
    public ListingDecision Expire(DateTimeOffset now) =>
        CanExpire && now >= ListingExpiry.ExpiresAt(Content!.ExpiresOn!.Value)
            ? Accept(this with { Status = ListingStatus.Expired }, AuditEntry.Of("listing.expired", ListingExpiry.System, now))
            : new(this, Exists ? Outcome<ListingView>.Ok(ToView()) : Outcome<ListingView>.Refused(Refusal.NotFound, "项目不存在 (listing not found)"));

    /// <summary>
    /// The listing's status follows its deals: Negotiating while one is under way, Published again when none is,
    /// Traded when one completes. A listing withdrawn or expired meanwhile keeps that status.
    /// </summary>
    public ListingDecision FollowDeal(string dealId, Deals.DealStage stage, Actor actor, DateTimeOffset now)
    {
        if (!Exists) return ListingDecision.Refuse(this, Refusal.NotFound, "项目不存在 (listing not found)");
        IReadOnlyList<string> active = Deals.DealState.IsUnderway(stage) ? [.. ActiveDeals.Union([dealId])] : [.. ActiveDeals.Where(d => d != dealId)];
        var status = Status is not (ListingStatus.Published or ListingStatus.Negotiating) ? Status
            : stage is Deals.DealStage.Completed ? ListingStatus.Traded
            : active.Count > 0 ? ListingStatus.Negotiating : ListingStatus.Published;
        if (status == Status && active.SequenceEqual(ActiveDeals)) return new(this, Outcome<ListingView>.Ok(ToView()));
        return Accept(this with { Status = status, ActiveDeals = active }, AuditEntry.Of("listing.deal-followed", actor, now, $"{dealId} {stage}: {status}"));
    }

    private const string Fixed = "创建后不可修改 (cannot change after creation)";

    /// <summary>The next version, stamped with the change that made it: every accepted decision leaves one audit entry.</summary>
    private static ListingDecision Accept(ListingState next, AuditEntry change)
    {
        var stamped = next with { Version = next.Version + 1, UpdatedAt = change.At, LastChange = change };
        return new(stamped, Outcome<ListingView>.Ok(stamped.ToView()));
    }

    /// <summary>The common refusals, in the order a caller should hear them.</summary>
    private ListingDecision? Refuse(int? expectedVersion, Actor actor, bool byOwner, ListingStatus[] allowed)
    {
        if (!Exists) return ListingDecision.Refuse(this, Refusal.NotFound, "项目不存在 (listing not found)");
        // A platform's system writes the listings of its platform, whoever owns them; never another platform's.
        var permitted = actor.IsAdministratorOf(Region) || (byOwner && (actor.PrincipalId == OwnerId || actor.ActsFor(Content!.PlatformId)));
        if (!permitted)
        {
            return ListingDecision.Refuse(this, Refusal.Forbidden, byOwner
                ? "只有发布者或本地区管理员可以操作 (only the owner or an administrator of the region)"
                : "只有本地区管理员可以审核 (only an administrator of the listing's region may review it)");
        }
        if (expectedVersion is { } expected && expected != Version)
        {
            return ListingDecision.Refuse(this, Refusal.VersionMismatch, $"版本已变为 {Version}，请刷新后重试 (the listing is now at version {Version})");
        }
        if (!allowed.Contains(Status))
        {
            return ListingDecision.Refuse(this, Refusal.WrongStatus, $"当前状态 {Status} 不允许此操作 (not allowed from {Status})");
        }
        return null;
    }

    private static Dictionary<string, string[]> Errors(string field, string message) => new() { [field] = [message] };
}
