using BashuCloud.Listings;
using BashuCloud.Users;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace BashuCloud.Tests.Unit;

/// <summary>The listing lifecycle as pure decisions: no cluster, no database.</summary>
public class ListingStateTests
{
    private const string Id = "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A";
    private static readonly DateTimeOffset Later = Samples.Now.AddMinutes(5);

    private static ListingState Created(ListingDraft? draft = null) =>
        new ListingState().Create(Id, new ListingCreation(draft ?? Samples.Draft(), Samples.Owner().PrincipalId), Samples.Owner(), Samples.Now).Next;

    private static ListingState InReview() => Created().Submit(1, Samples.Owner(), Later).Next;

    [Fact]
    public void A_new_listing_is_a_draft_at_version_1_owned_by_its_creator()
    {
        var decision = new ListingState().Create(Id, new ListingCreation(Samples.Draft(), Samples.Owner().PrincipalId), Samples.Owner(), Samples.Now);
        Assert.True(decision.Outcome.Succeeded);
        var view = decision.Outcome.Value!;
        Assert.Equal((ListingStatus.Draft, 1, Samples.Owner().PrincipalId), (view.Status, view.Version, view.OwnerId));
        Assert.Equal(Samples.Now, view.CreatedAt);
    }

    [Fact]
    public void Creating_twice_is_refused_and_changes_nothing()
    {
        var existing = Created();
        var decision = existing.Create(Id, new ListingCreation(Samples.Draft() with { Title = "另一个" }, "x"), Samples.Owner(), Later);
        Assert.Equal(Refusal.AlreadyExists, decision.Outcome.Refusal);
        Assert.Same(existing, decision.Next);
    }

    [Fact]
    public void A_listing_lives_in_the_region_its_id_names() =>
        Assert.Equal(Refusal.Invalid, new ListingState().Create(Id, new ListingCreation(Samples.Draft(Region.Chongqing), "o"), Samples.Owner(Region.Chongqing), Samples.Now).Outcome.Refusal);

    [Fact]
    public void The_same_content_again_is_no_change()
    {
        var state = Created();
        // An equal draft built anew (its lists are other instances): nothing to store, no new version.
        var same = state.Update(Samples.Draft(), null, Samples.Owner(), Later);
        Assert.True(same.Outcome.Succeeded);
        Assert.Same(state, same.Next);
        Assert.Equal(1, same.Outcome.Value!.Version);
        Assert.Equal(2, state.Update(Samples.Draft() with { Keywords = ["地铁", "巡检"] }, null, Samples.Owner(), Later).Next.Version);
    }

    [Fact]
    public void A_platforms_system_lists_and_edits_on_its_own_platform_only()
    {
        var kczg = new Actor("kczg", UserRole.Platform, Region.Sichuan);
        var onKczg = Samples.Draft() with { PlatformId = "kczg" };
        Assert.Equal(Refusal.Forbidden, new ListingState().Create(Id, new ListingCreation(Samples.Draft(), "kczg"), kczg, Samples.Now).Outcome.Refusal);
        Assert.True(new ListingState().Create(Id, new ListingCreation(onKczg, "kczg"), kczg, Samples.Now).Outcome.Succeeded);

        // A researcher's listing on kczg may be edited by kczg's system; one on the provincial platform may not.
        var researchersOnKczg = Created(onKczg);
        Assert.True(researchersOnKczg.Update(onKczg with { Title = "新标题" }, 1, kczg, Later).Outcome.Succeeded);
        Assert.Equal(Refusal.Forbidden, Created().Update(Samples.Draft() with { Title = "新标题" }, 1, kczg, Later).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, researchersOnKczg.Update(onKczg, 1, new Actor("other", UserRole.Platform, Region.Sichuan), Later).Outcome.Refusal);
    }

    [Fact]
    public void Only_an_administrator_may_list_for_someone_else()
    {
        var creation = new ListingCreation(Samples.Draft(), "someone-else");
        Assert.Equal(Refusal.Forbidden, new ListingState().Create(Id, creation, Samples.Owner(), Samples.Now).Outcome.Refusal);
        Assert.True(new ListingState().Create(Id, creation, Samples.Administrator(Region.Sichuan), Samples.Now).Outcome.Succeeded);
    }

    [Fact]
    public void An_invalid_draft_is_refused_with_its_errors()
    {
        var decision = new ListingState().Create(Id, new ListingCreation(Samples.Draft() with { Trl = 12 }, "o"), Samples.Owner(), Samples.Now);
        Assert.Equal(Refusal.Invalid, decision.Outcome.Refusal);
        Assert.Contains("trl", decision.Outcome.Errors!.Keys);
        Assert.False(decision.Next.Exists);
    }

    [Fact]
    public void Updating_with_a_stale_version_is_refused()
    {
        var listing = Created().Update(Samples.Draft() with { Title = "新标题" }, 1, Samples.Owner(), Later).Next;
        var stale = listing.Update(Samples.Draft() with { Title = "更新的标题" }, 1, Samples.Owner(), Later);
        Assert.Equal(Refusal.VersionMismatch, stale.Outcome.Refusal);
        Assert.Equal("新标题", stale.Next.Content!.Title);
        Assert.Equal(2, stale.Next.Version);
    }

    [Fact]
    public void Kind_region_and_platform_cannot_change()
    {
        var decision = Created().Update(Samples.Draft() with { Kind = ListingKind.Demand, PlatformId = "kczg" }, 1, Samples.Owner(), Later);
        Assert.Equal(Refusal.Invalid, decision.Outcome.Refusal);
        Assert.Equal(["kind", "platformId"], decision.Outcome.Errors!.Keys.Order().ToArray());
    }

    [Fact]
    public void An_update_may_leave_the_fixed_fields_out()
    {
        var decision = Created().Update(Samples.Draft() with { Kind = null, Region = null, PlatformId = null, Title = "新标题" }, null, Samples.Owner(), Later);
        Assert.True(decision.Outcome.Succeeded);
        Assert.Equal(ListingKind.Achievement, decision.Next.Content!.Kind);
    }

    [Fact]
    public void Only_the_owner_or_a_region_administrator_may_edit()
    {
        Assert.Equal(Refusal.Forbidden, Created().Update(Samples.Draft(), 1, Samples.Stranger(), Later).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, Created().Update(Samples.Draft(), 1, Samples.Administrator(Region.Chongqing), Later).Outcome.Refusal);
        Assert.True(Created().Update(Samples.Draft(), 1, Samples.Administrator(Region.Sichuan), Later).Outcome.Succeeded);
    }

    [Fact]
    public void The_review_path_is_draft_in_review_published()
    {
        var published = InReview().Approve(2, Samples.Administrator(Region.Sichuan), Later).Next;
        Assert.Equal((ListingStatus.Published, 3, Later), (published.Status, published.Version, published.PublishedAt!.Value));
    }

    [Fact]
    public void Only_an_administrator_of_the_listings_region_may_review_it()
    {
        Assert.Equal(Refusal.Forbidden, InReview().Approve(null, Samples.Administrator(Region.Chongqing), Later).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, InReview().Approve(null, Samples.Owner(), Later).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, InReview().Reject("不完整", null, Samples.Administrator(Region.Chongqing), Later).Outcome.Refusal);
        Assert.True(InReview().Approve(null, Samples.JointAdministrator, Later).Outcome.Succeeded);
    }

    [Fact]
    public void A_draft_cannot_be_approved_before_it_is_submitted() =>
        Assert.Equal(Refusal.WrongStatus, Created().Approve(null, Samples.Administrator(Region.Sichuan), Later).Outcome.Refusal);

    [Fact]
    public void A_rejection_needs_a_reason_and_sends_the_listing_back_to_draft()
    {
        Assert.Equal(Refusal.Invalid, InReview().Reject(" ", null, Samples.Administrator(Region.Sichuan), Later).Outcome.Refusal);
        var rejected = InReview().Reject("缺少权属证明材料", null, Samples.Administrator(Region.Sichuan), Later).Next;
        Assert.Equal((ListingStatus.Draft, "缺少权属证明材料"), (rejected.Status, rejected.ReviewNote));
    }

    [Fact]
    public void Editing_a_published_listing_sends_it_back_to_review()
    {
        var published = InReview().Approve(null, Samples.Administrator(Region.Sichuan), Later).Next;
        var edited = published.Update(Samples.Draft() with { Title = "更新后的标题" }, 3, Samples.Owner(), Later).Next;
        Assert.Equal(ListingStatus.InReview, edited.Status);
    }

    [Fact]
    public void A_withdrawn_listing_stays_withdrawn()
    {
        var withdrawn = Created().Withdraw("不再转让", 1, Samples.Owner(), Later).Next;
        Assert.Equal(ListingStatus.Withdrawn, withdrawn.Status);
        Assert.Equal(Refusal.WrongStatus, withdrawn.Submit(null, Samples.Owner(), Later).Outcome.Refusal);
        Assert.Equal(Refusal.WrongStatus, withdrawn.Update(Samples.Draft(), null, Samples.Owner(), Later).Outcome.Refusal);
    }

    [Fact]
    public void Nothing_can_be_done_to_a_listing_that_does_not_exist() =>
        Assert.Equal(Refusal.NotFound, new ListingState().Submit(null, Samples.Owner(), Later).Outcome.Refusal);

    [Fact]
    public void The_state_survives_a_round_trip_through_its_storage_json()
    {
        var state = InReview();
        // The format the silos' grain storage writes.
        var copy = BashuCloud.Storage.JsonGrainStateSerializer.FromJson<ListingState>(BashuCloud.Storage.JsonGrainStateSerializer.ToJson(state));
        Assert.Equal(state.ToView() with { Content = null! }, copy.ToView() with { Content = null! });
        Assert.Equal(state.Content!.Owners, copy.Content!.Owners);
        Assert.Equal(state.Content.Keywords, copy.Content.Keywords);
    }

    [Fact]
    public void The_state_survives_a_migration_to_another_silo()
    {
        var state = InReview();
        // What Orleans does with the state when a listing goes home (migration): without a codec it failed and the
        // new activation had to read the row again.
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var copy = serializer.Deserialize<ListingState>(serializer.SerializeToArray(state))!;
        Assert.Equal(state.ToView() with { Content = null! }, copy.ToView() with { Content = null! });
        Assert.Equal(state.Content!.Owners, copy.Content!.Owners);
        Assert.Equal(state.Content.Keywords, copy.Content.Keywords);
    }
}
