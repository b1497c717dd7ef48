using BashuCloud.Listings;
using BashuCloud.Users;

namespace BashuCloud.Tests.Unit;

/// <summary>Expiry and renewal as pure decisions: a listing is valid through its expiry date, China time.</summary>
public sealed class ListingExpiryTests
{
    private const string Id = "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A";
    private static readonly DateOnly ExpiresOn = new(2027, 3, 31);

    /// <summary>The last moment of the expiry date in China: 2027-03-31 23:59:59 +08:00 is 15:59:59 UTC.</summary>
    private static readonly DateTimeOffset LastMoment = new(2027, 3, 31, 15, 59, 59, TimeSpan.Zero);

    private static ListingState Published(DateOnly? expiresOn = null)
    {
        var owner = Samples.Owner();
        var created = new ListingState().Create(Id, new ListingCreation(Samples.Draft() with { ExpiresOn = expiresOn ?? ExpiresOn }, owner.PrincipalId), owner, Samples.Now).Next;
        return created.Submit(1, owner, Samples.Now).Next.Approve(2, Samples.Administrator(Region.Sichuan), Samples.Now).Next;
    }

    [Fact]
    public void A_listing_expires_at_the_end_of_its_expiry_date_in_china()
    {
        Assert.Equal(LastMoment.AddSeconds(1), ListingExpiry.ExpiresAt(ExpiresOn));
        var published = Published();
        Assert.Same(published, published.Expire(LastMoment).Next);

        var expired = published.Expire(LastMoment.AddSeconds(1));
        Assert.Equal((ListingStatus.Expired, 4), (expired.Next.Status, expired.Next.Version));
        Assert.Equal(("listing.expired", "system", UserRole.Administrator), (expired.Next.LastChange!.Action, expired.Next.LastChange.ActorId, expired.Next.LastChange.ActorRole));
        Assert.False(expired.Next.CanExpire);
        Assert.Same(expired.Next, expired.Next.Expire(LastMoment.AddDays(1)).Next);
    }

    [Fact]
    public void Only_a_public_dated_listing_expires()
    {
        var undated = Published() with { Content = Published().Content! with { ExpiresOn = null } };
        Assert.Same(undated, undated.Expire(LastMoment.AddDays(10)).Next);
        var withdrawn = Published().Withdraw(null, null, Samples.Owner(), Samples.Now).Next;
        Assert.Same(withdrawn, withdrawn.Expire(LastMoment.AddDays(10)).Next);
        Assert.Equal(Refusal.NotFound, new ListingState().Expire(LastMoment).Outcome.Refusal);
        var negotiating = Published() with { Status = ListingStatus.Negotiating };
        Assert.Equal(ListingStatus.Expired, negotiating.Expire(LastMoment.AddDays(1)).Next.Status);
    }

    [Fact]
    public void Renewing_an_expired_listing_publishes_it_again_with_the_later_date()
    {
        var expired = Published().Expire(LastMoment.AddDays(1)).Next;
        var renewed = expired.Renew(new DateOnly(2027, 12, 31), 4, Samples.Owner(), LastMoment.AddDays(2));
        Assert.True(renewed.Outcome.Succeeded, renewed.Outcome.Detail);
        Assert.Equal((ListingStatus.Published, 5, new DateOnly(2027, 12, 31)), (renewed.Next.Status, renewed.Next.Version, renewed.Next.Content!.ExpiresOn));
        Assert.Equal(("listing.renewed", "2027-12-31"), (renewed.Next.LastChange!.Action, renewed.Next.LastChange.Detail));
        Assert.True(renewed.Next.CanExpire);
    }

    [Fact]
    public void A_renewal_needs_a_date_after_today_and_after_the_current_one()
    {
        var published = Published();
        Assert.Equal(Refusal.Invalid, published.Renew(ExpiresOn, null, Samples.Owner(), Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.Invalid, published.Renew(ExpiresOn.AddDays(-1), null, Samples.Owner(), Samples.Now).Outcome.Refusal);
        var expired = published.Expire(LastMoment.AddDays(1)).Next;
        // 2027-04-01 is today in China at that moment: not a renewal.
        Assert.Equal(Refusal.Invalid, expired.Renew(new DateOnly(2027, 4, 1), null, Samples.Owner(), LastMoment.AddSeconds(1)).Outcome.Refusal);
        Assert.True(published.Renew(ExpiresOn.AddDays(1), null, Samples.Owner(), Samples.Now).Outcome.Succeeded);
    }

    [Fact]
    public void Only_the_owner_its_platform_or_a_region_administrator_renews_and_only_a_public_listing()
    {
        var published = Published();
        var later = ExpiresOn.AddYears(1);
        Assert.Equal(Refusal.Forbidden, published.Renew(later, null, Samples.Owner(Region.Chongqing), Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, published.Renew(later, null, Samples.Administrator(Region.Chongqing), Samples.Now).Outcome.Refusal);
        Assert.True(published.Renew(later, null, Samples.Administrator(Region.Sichuan), Samples.Now).Outcome.Succeeded);
        Assert.True(published.Renew(later, null, new Actor(published.Content!.PlatformId!, UserRole.Platform, null), Samples.Now).Outcome.Succeeded);
        var draft = new ListingState().Create(Id, new ListingCreation(Samples.Draft(), Samples.Owner().PrincipalId), Samples.Owner(), Samples.Now).Next;
        Assert.Equal(Refusal.WrongStatus, draft.Renew(later, null, Samples.Owner(), Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.VersionMismatch, published.Renew(later, 1, Samples.Owner(), Samples.Now).Outcome.Refusal);
    }
}
