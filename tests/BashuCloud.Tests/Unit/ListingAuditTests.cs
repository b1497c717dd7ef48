using BashuCloud.Audit;
using BashuCloud.Listings;
using BashuCloud.Storage;
using BashuCloud.Users;

namespace BashuCloud.Tests.Unit;

/// <summary>Every accepted decision about a listing stamps the state with what it did and who asked: the audit entry PostgreSQL copies.</summary>
public class ListingAuditTests
{
    private const string Id = "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0B";

    private static DateTimeOffset At(int minutes) => Samples.Now.AddMinutes(minutes);

    [Fact]
    public void Every_accepted_decision_records_its_action_actor_time_and_reason()
    {
        var owner = Samples.Owner();
        var admin = Samples.Administrator(Region.Sichuan);
        var created = new ListingState().Create(Id, new ListingCreation(Samples.Draft(), owner.PrincipalId), owner, At(0)).Next;
        var updated = created.Update(Samples.Draft() with { Title = "改写的标题" }, 1, owner, At(1)).Next;
        var submitted = updated.Submit(2, owner, At(2)).Next;
        var rejected = submitted.Reject("  材料不全  ", 3, admin, At(3)).Next;
        var resubmitted = rejected.Submit(4, owner, At(4)).Next;
        var approved = resubmitted.Approve(5, Samples.JointAdministrator, At(5)).Next;
        var withdrawn = approved.Withdraw("转让完成", 6, owner, At(6)).Next;

        AuditEntry[] expected =
        [
            new("listing.created", owner.PrincipalId, UserRole.Researcher, At(0)),
            new("listing.updated", owner.PrincipalId, UserRole.Researcher, At(1)),
            new("listing.submitted", owner.PrincipalId, UserRole.Researcher, At(2)),
            new("listing.rejected", admin.PrincipalId, UserRole.Administrator, At(3), "材料不全"),
            new("listing.submitted", owner.PrincipalId, UserRole.Researcher, At(4)),
            new("listing.approved", "admin", UserRole.Administrator, At(5)),
            new("listing.withdrawn", owner.PrincipalId, UserRole.Researcher, At(6), "转让完成"),
        ];
        ListingState[] states = [created, updated, submitted, rejected, resubmitted, approved, withdrawn];
        Assert.Equal(expected, states.Select(s => s.LastChange));
        Assert.Equal(Enumerable.Range(1, 7), states.Select(s => s.Version));
        Assert.Null(approved.Withdraw(null, 6, owner, At(6)).Next.LastChange!.Detail);
    }

    [Fact]
    public void A_refused_decision_or_an_unchanged_update_records_nothing()
    {
        var owner = Samples.Owner();
        var created = new ListingState().Create(Id, new ListingCreation(Samples.Draft(), owner.PrincipalId), owner, At(0)).Next;
        Assert.Same(created, created.Update(Samples.Draft(), 1, owner, At(1)).Next);
        Assert.Same(created, created.Approve(1, Samples.Stranger(), At(1)).Next);
        Assert.Same(created, created.Submit(7, owner, At(1)).Next);
    }

    [Fact]
    public void The_stored_json_carries_the_entry_as_the_audit_trigger_reads_it()
    {
        var admin = Samples.Administrator(Region.Sichuan);
        var state = new ListingState().Create(Id, new ListingCreation(Samples.Draft(), "sichuan-owner"), admin, At(0)).Next;
        using var json = JsonDocument.Parse(JsonGrainStateSerializer.ToJson(state));
        var change = json.RootElement.GetProperty("lastChange");
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        Assert.Equal(("listing.created", admin.PrincipalId, "Administrator"),
            (change.GetProperty("action").GetString(), change.GetProperty("actorId").GetString(), change.GetProperty("actorRole").GetString()));
        Assert.Equal(At(0), change.GetProperty("at").GetDateTimeOffset());
        Assert.False(change.TryGetProperty("detail", out _));
        Assert.Equal(state.LastChange, JsonGrainStateSerializer.FromJson<ListingState>(JsonGrainStateSerializer.ToJson(state)).LastChange);
    }
}
