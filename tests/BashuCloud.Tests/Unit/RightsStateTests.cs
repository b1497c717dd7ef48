using BashuCloud.Listings;
using BashuCloud.Rights;
using BashuCloud.Users;

namespace BashuCloud.Tests.Unit;

/// <summary>Rights confirmation (确权) and valuations (评估) as pure decisions: no cluster, no database.</summary>
public class RightsStateTests
{
    private static readonly Actor Owner = Samples.Owner();
    private static readonly Actor Lawyer = new("chongqing-lawyer", UserRole.ServiceProvider, Region.Chongqing);
    private static readonly Actor Valuer = new("sichuan-valuer", UserRole.Valuer, Region.Sichuan);
    private static readonly RightsClaim Claim = new(
        [new RightsOwner("西南交通大学", 60m), new RightsOwner("成都天府新材料有限公司", 40m)],
        new RightsEvidence("ZL202010123456.7", null));
    private static readonly ValuationReport Report = new(ValuationMethod.Income, 900_000m, 1_300_000m, new DateOnly(2026, 11, 28), new DateOnly(2027, 11, 27), "收益法");

    private static ListingView Listing(ListingStatus status = ListingStatus.Published) =>
        new("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A", status, 3, Owner.PrincipalId, Samples.Draft(kind: ListingKind.Patent), Samples.Now, Samples.Now, Samples.Now, null);

    private static RightsState Submitted() => new RightsState().Submit(Claim, Listing(), null, Owner, Samples.Now).Next;

    [Fact]
    public void The_owner_claims_the_rights_and_the_change_is_audited()
    {
        var decision = new RightsState().Submit(Claim, Listing(), null, Owner, Samples.Now);
        Assert.True(decision.Outcome.Succeeded);
        Assert.Equal(((RightsStatus?)RightsStatus.Submitted, 1, Owner.PrincipalId), (decision.Next.Status, decision.Next.Version, decision.Next.SubmittedBy));
        Assert.Equal(("rights.submitted", Owner.PrincipalId), (decision.Next.LastChange!.Action, decision.Next.LastChange.ActorId));
        Assert.True(new RightsState().Submit(Claim, Listing(), null, Samples.Administrator(Region.Sichuan), Samples.Now).Outcome.Succeeded);
        Assert.Equal(Refusal.Forbidden, new RightsState().Submit(Claim, Listing(), null, Samples.Stranger(), Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, new RightsState().Submit(Claim, Listing(), null, Samples.Administrator(Region.Chongqing), Samples.Now).Outcome.Refusal);
        // A draft is hidden from strangers: they do not learn that it exists.
        Assert.Equal(Refusal.NotFound, new RightsState().Submit(Claim, Listing(ListingStatus.Draft), null, Samples.Stranger(), Samples.Now).Outcome.Refusal);
    }

    [Theory]
    [InlineData(60, 30, "owners")]
    [InlineData(100, 0, "owners")]
    [InlineData(60, 41, "owners")]
    public void Shares_must_each_be_above_zero_and_sum_to_exactly_100(int first, int second, string field)
    {
        var claim = Claim with { Owners = [new RightsOwner("甲", first), new RightsOwner("乙", second)] };
        var decision = Submitted().Submit(claim, Listing(), null, Owner, Samples.Now);
        Assert.Equal([field], decision.Outcome.Errors!.Keys.ToArray());
        Assert.Equal(1, decision.Next.Version);
    }

    [Fact]
    public void Owners_need_unique_names_at_most_twenty_and_a_claim_needs_evidence()
    {
        Assert.Contains("owners", Errors(Claim with { Owners = [new RightsOwner("甲", 50m), new RightsOwner(" 甲 ", 50m)] }));
        Assert.Contains("owners", Errors(Claim with { Owners = [new RightsOwner(" ", 100m)] }));
        Assert.Contains("owners", Errors(Claim with { Owners = [.. Enumerable.Range(1, 21).Select(i => new RightsOwner($"权利人{i}", 100m / 21))] }));
        Assert.Contains("owners", Errors(Claim with { Owners = [] }));
        Assert.Equal(["evidence"], Errors(Claim with { Evidence = new RightsEvidence(" ", []) }));
        Assert.Empty(Errors(Claim with { Evidence = new RightsEvidence(null, ["转让协议 2026-031"]) }));
        Assert.Empty(Errors(Claim with { Owners = [.. Enumerable.Range(1, 20).Select(i => new RightsOwner($"权利人{i}", 5m))] }));
    }

    [Fact]
    public void An_administrator_or_a_legal_service_provider_confirms_never_the_owner()
    {
        Assert.Equal(Refusal.Forbidden, Submitted().Confirm(Listing(), null, Owner, Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, Submitted().Confirm(Listing(), null, Samples.Stranger(), Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, Submitted().Confirm(Listing(), null, Samples.Administrator(Region.Chongqing), Samples.Now).Outcome.Refusal);
        var confirmed = Submitted().Confirm(Listing(), null, Lawyer, Samples.Now).Next;
        Assert.Equal(((RightsStatus?)RightsStatus.Confirmed, Lawyer.PrincipalId, 2), (confirmed.Status, confirmed.DecidedBy, confirmed.Version));
        Assert.True(confirmed.IsConfirmed);
        Assert.Equal("rights.confirmed", confirmed.LastChange!.Action);
        Assert.True(Submitted().Confirm(Listing(), null, Samples.Administrator(Region.Sichuan), Samples.Now).Outcome.Succeeded);
        // Only a submitted claim is reviewed; a claim submitted anew is Submitted again and must be confirmed again.
        Assert.Equal(Refusal.WrongStatus, confirmed.Confirm(Listing(), null, Samples.JointAdministrator, Samples.Now).Outcome.Refusal);
        var resubmitted = confirmed.Submit(Claim, Listing(), null, Owner, Samples.Now).Next;
        Assert.Equal(((RightsStatus?)RightsStatus.Submitted, (string?)null, false), (resubmitted.Status, resubmitted.DecidedBy, resubmitted.IsConfirmed));
        Assert.Equal(Refusal.VersionMismatch, Submitted().Confirm(Listing(), 7, Lawyer, Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.NotFound, new RightsState().Confirm(Listing(), null, Lawyer, Samples.Now).Outcome.Refusal);
    }

    [Fact]
    public void A_rejection_needs_a_reason_and_the_claim_can_be_submitted_again()
    {
        Assert.Equal(["reason"], Submitted().Reject(" ", Listing(), null, Lawyer, Samples.Now).Outcome.Errors!.Keys.ToArray());
        var rejected = Submitted().Reject("份额与转让协议不符", Listing(), null, Samples.Administrator(Region.Sichuan), Samples.Now).Next;
        Assert.Equal(((RightsStatus?)RightsStatus.Rejected, "份额与转让协议不符"), (rejected.Status, rejected.RejectReason));
        Assert.Equal(Refusal.WrongStatus, rejected.Reject("再次", Listing(), null, Lawyer, Samples.Now).Outcome.Refusal);
        var again = rejected.Submit(Claim, Listing(), null, Owner, Samples.Now).Next;
        Assert.Equal(((RightsStatus?)RightsStatus.Submitted, (string?)null), (again.Status, again.RejectReason));
    }

    [Fact]
    public void Only_a_valuer_values_and_the_valuation_must_make_sense()
    {
        Assert.Equal(Refusal.Forbidden, new RightsState().Value(Report, Listing(), Owner, Samples.Now).Outcome.Refusal);
        var bad = new RightsState().Value(Report with { LowCny = 0m, HighCny = -1m, ValuedOn = new DateOnly(2026, 12, 31), ValidUntil = new DateOnly(2026, 1, 1) }, Listing(), Valuer, Samples.Now);
        Assert.Equal(["lowCny", "highCny", "valuedOn", "validUntil"], bad.Outcome.Errors!.Keys.ToArray());
        Assert.Contains("highCny", new RightsState().Value(Report with { HighCny = 800_000m }, Listing(), Valuer, Samples.Now).Outcome.Errors!.Keys);
        var valued = new RightsState().Value(Report, Listing(), Valuer, Samples.Now);
        Assert.Equal((1, Valuer.PrincipalId), (valued.Outcome.Value!.Number, valued.Outcome.Value.ValuerId));
        Assert.Equal(("rights.valued", 1), (valued.Next.LastChange!.Action, valued.Next.Version));
        // Valuations alone are no claim.
        Assert.Equal(Refusal.NotFound, valued.Next.View(Listing(), Owner).Refusal);
    }

    [Fact]
    public void Valuations_are_for_the_owner_the_regions_administrators_and_their_valuers()
    {
        var valued = new RightsState().Value(Report, Listing(), Valuer, Samples.Now).Next;
        foreach (var reader in new[] { Owner, Samples.Administrator(Region.Sichuan), Samples.JointAdministrator, Valuer })
        {
            Assert.Single(valued.ValuationsFor(Listing(), reader).Value!.Items);
        }
        foreach (var reader in new[] { Samples.Stranger(), Samples.Administrator(Region.Chongqing), new Actor("chongqing-valuer", UserRole.Valuer, Region.Chongqing) })
        {
            Assert.Equal(Refusal.Forbidden, valued.ValuationsFor(Listing(), reader).Refusal);
        }
        Assert.Equal(Refusal.NotFound, valued.ValuationsFor(Listing(ListingStatus.Draft), Samples.Stranger()).Refusal);
    }

    private static string[] Errors(RightsClaim claim) => [.. RightsState.Validate(claim).Keys];
}
