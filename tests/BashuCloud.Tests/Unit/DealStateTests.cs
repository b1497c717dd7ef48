using BashuCloud.Deals;
using BashuCloud.Listings;
using BashuCloud.Users;

namespace BashuCloud.Tests.Unit;

/// <summary>The deal workflow as pure decisions: no cluster, no database.</summary>
public class DealStateTests
{
    private const string Id = "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0B";
    private static readonly Actor Seller = Samples.Owner();
    private static readonly Actor Buyer = Samples.Stranger(Region.Chongqing);
    private static readonly Inquiry Ask = new("请报转让价格", "138 0000 0000");

    private static ListingView Listing(ListingStatus status = ListingStatus.Published) =>
        new("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A", status, 3, Seller.PrincipalId, Samples.Draft(), Samples.Now, Samples.Now, Samples.Now, null);

    private static DealState Opened() => new DealState().Open(Id, Listing(), Ask, null, Buyer, Samples.Now).Next;

    private static DealState Negotiating() => Opened().Engage(1, Seller, Samples.Now).Next;

    private static DealState Offered(DealParty by = DealParty.Seller) =>
        Negotiating().Offer(new OfferTerms(800_000m, DealType.Transfer), ListingStatus.Negotiating, 2, by is DealParty.Seller ? Seller : Buyer, Samples.Now).Next;

    private static DealState Contracted() =>
        Offered().AcceptOffer(1, ListingStatus.Negotiating, true, 3, Buyer, Samples.Now).Next
            .RecordContract(new ContractTerms(800_000m, "转让", new DateOnly(2026, 11, 28)), 4, Seller, Samples.Now).Next;

    [Fact]
    public void An_inquiry_opens_a_deal_in_the_sellers_region_and_hides_the_buyers_contact_from_the_seller()
    {
        var decision = new DealState().Open(Id, Listing(), Ask, null, Buyer, Samples.Now);
        var deal = decision.Next;
        Assert.Equal((DealStage.Inquiry, 1, Region.Sichuan, Region.Chongqing), (deal.Stage, deal.Version, deal.SellerRegion, deal.BuyerRegion));
        Assert.Null(deal.ToView(Seller).BuyerContact);
        Assert.Equal("138 0000 0000", deal.ToView(Buyer).BuyerContact);
        Assert.Equal("138 0000 0000", deal.ToView(Samples.Administrator(Region.Sichuan)).BuyerContact);
        Assert.Equal("138 0000 0000", Negotiating().ToView(Seller).BuyerContact);
        Assert.Equal(new AuditExpectation("deal.opened", Buyer.PrincipalId), AuditExpectation.Of(deal));
    }

    [Theory]
    [InlineData(ListingStatus.Traded, Refusal.WrongStatus)]
    [InlineData(ListingStatus.Expired, Refusal.WrongStatus)]
    [InlineData(ListingStatus.Withdrawn, Refusal.NotFound)]
    [InlineData(ListingStatus.Draft, Refusal.NotFound)]
    public void A_listing_that_is_not_on_offer_takes_no_inquiry(ListingStatus status, Refusal refusal) =>
        Assert.Equal(refusal, new DealState().Open(Id, Listing(status), Ask, null, Buyer, Samples.Now).Outcome.Refusal);

    [Fact]
    public void Nobody_inquires_about_their_own_listing_and_administrators_and_platforms_do_not_buy()
    {
        foreach (var actor in new[] { Seller, Samples.Administrator(Region.Chongqing), new Actor("kczg", UserRole.Platform, Region.Sichuan) })
        {
            Assert.Equal(Refusal.Forbidden, new DealState().Open(Id, Listing(), Ask, null, actor, Samples.Now).Outcome.Refusal);
        }
        var notBroker = new DealState().Open(Id, Listing(), Ask with { BrokerId = "chongqing-broker" }, nameof(UserRole.Researcher), Buyer, Samples.Now);
        Assert.Contains("brokerId", notBroker.Outcome.Errors!.Keys);
        Assert.True(new DealState().Open(Id, Listing(), Ask with { BrokerId = "chongqing-broker" }, nameof(UserRole.Broker), Buyer, Samples.Now).Outcome.Succeeded);
    }

    [Fact]
    public void Only_the_seller_takes_the_inquiry_up_and_only_the_other_partys_latest_offer_can_be_accepted()
    {
        Assert.Equal(Refusal.Forbidden, Opened().Engage(null, Buyer, Samples.Now).Outcome.Refusal);
        var offered = Offered();
        Assert.Equal(Refusal.Forbidden, offered.AcceptOffer(1, ListingStatus.Negotiating, true, null, Seller, Samples.Now).Outcome.Refusal);
        var countered = offered.Offer(new OfferTerms(600_000m, DealType.ExclusiveLicence), ListingStatus.Negotiating, null, Buyer, Samples.Now).Next;
        Assert.Equal(Refusal.WrongStatus, countered.AcceptOffer(1, ListingStatus.Negotiating, true, null, Buyer, Samples.Now).Outcome.Refusal);
        var agreed = countered.AcceptOffer(2, ListingStatus.Negotiating, true, null, Seller, Samples.Now);
        Assert.Equal((DealStage.Agreed, 2), (agreed.Next.Stage, agreed.Next.AgreedOffer));
        // After the agreement, neither a counter-offer nor a second acceptance goes through.
        Assert.Equal(Refusal.WrongStatus, agreed.Next.Offer(new OfferTerms(1m, DealType.Transfer), ListingStatus.Negotiating, null, Buyer, Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.WrongStatus, agreed.Next.AcceptOffer(2, ListingStatus.Negotiating, true, null, Seller, Samples.Now).Outcome.Refusal);
    }

    [Fact]
    public void No_offer_or_agreement_on_a_listing_withdrawn_meanwhile()
    {
        Assert.Equal(Refusal.WrongStatus, Negotiating().Offer(new OfferTerms(1m, DealType.Transfer), ListingStatus.Withdrawn, null, Seller, Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.WrongStatus, Offered().AcceptOffer(1, ListingStatus.Withdrawn, true, null, Buyer, Samples.Now).Outcome.Refusal);
    }

    [Fact]
    public void A_contract_needs_an_agreement_and_is_registered_once_in_the_sellers_region()
    {
        var contract = new ContractTerms(1m, "条款", new DateOnly(2026, 11, 28));
        Assert.Equal(Refusal.WrongStatus, Offered().RecordContract(contract, null, Seller, Samples.Now).Outcome.Refusal);
        var contracted = Contracted();
        Assert.Equal(Refusal.Forbidden, contracted.Register(null, Samples.Administrator(Region.Chongqing), Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, contracted.Register(null, Buyer, Samples.Now).Outcome.Refusal);
        Assert.True(contracted.Register(null, Seller, Samples.Now).Outcome.Succeeded);
        var registered = contracted.Register(null, Samples.Administrator(Region.Sichuan), Samples.Now);
        Assert.Equal("51-2026-01JD5Z8Q8X4M6W2T3R9K7B1C0B", registered.Next.Registration!.Number);
        var twice = registered.Next.Register(null, Samples.JointAdministrator, Samples.Now);
        Assert.Equal(Refusal.WrongStatus, twice.Outcome.Refusal);
        Assert.Same(registered.Next, twice.Next);
        var completed = registered.Next.Complete(0.03m, null, Seller, Samples.Now).Next;
        Assert.Equal((DealStage.Completed, 7), (completed.Stage, completed.Version));
        Assert.Equal(new AuditExpectation("deal.completed", Seller.PrincipalId), AuditExpectation.Of(completed));
    }

    [Fact]
    public void A_decline_says_why_and_other_needs_words()
    {
        Assert.Equal(Refusal.Invalid, Opened().DeclineDeal(DeclineReason.Other, " ", null, Seller, Samples.Now).Outcome.Refusal);
        var declined = Opened().DeclineDeal(DeclineReason.TooEarly, null, null, Seller, Samples.Now).Next;
        Assert.Equal((DealStage.Declined, DealParty.Seller, DeclineReason.TooEarly), (declined.Stage, declined.Decline!.By, declined.Decline.Reason));
        // Declined before the seller took it up: the seller never learns how to reach the buyer.
        Assert.Null(declined.ToView(Seller).BuyerContact);
        Assert.Equal(Refusal.WrongStatus, declined.Cancel(null, null, Buyer, Samples.Now).Outcome.Refusal);
    }

    [Fact]
    public void A_legal_review_is_asked_of_a_service_provider_and_only_they_give_the_opinion()
    {
        var agreed = Offered().AcceptOffer(1, ListingStatus.Negotiating, true, null, Buyer, Samples.Now).Next;
        const string Lawyer = "sichuan-lawyer";
        var lawyer = new Actor(Lawyer, UserRole.ServiceProvider, Region.Sichuan);
        Assert.Equal(Refusal.Invalid, agreed.RequestLegalReview(Lawyer, nameof(UserRole.Researcher), null, Buyer, Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.WrongStatus, Negotiating().RequestLegalReview(Lawyer, nameof(UserRole.ServiceProvider), null, Buyer, Samples.Now).Outcome.Refusal);
        var requested = agreed.RequestLegalReview(Lawyer, nameof(UserRole.ServiceProvider), null, Buyer, Samples.Now).Next;
        Assert.True(requested.CanSee(lawyer));
        Assert.Equal(Refusal.WrongStatus, requested.RequestLegalReview(Lawyer, nameof(UserRole.ServiceProvider), null, Seller, Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, requested.GiveLegalOpinion(LegalOpinion.NoObjection, null, null, Seller, Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.Invalid, requested.GiveLegalOpinion(LegalOpinion.ChangesRequested, " ", null, lawyer, Samples.Now).Outcome.Refusal);
        var given = requested.GiveLegalOpinion(LegalOpinion.NoObjection, null, null, lawyer, Samples.Now).Next;
        Assert.Equal((LegalOpinion.NoObjection, DealParty.Buyer), (given.LegalReview!.Opinion, given.LegalReview.RequestedBy));
        Assert.Equal(Refusal.WrongStatus, given.GiveLegalOpinion(LegalOpinion.NoObjection, null, null, lawyer, Samples.Now).Outcome.Refusal);
    }

    [Fact]
    public void Outsiders_do_not_learn_that_a_deal_exists()
    {
        var stranger = Samples.Stranger(Region.Sichuan);
        Assert.False(Negotiating().CanSee(stranger));
        Assert.Equal(Refusal.NotFound, Negotiating().Offer(new OfferTerms(1m, DealType.Transfer), ListingStatus.Negotiating, null, stranger, Samples.Now).Outcome.Refusal);
        Assert.True(Negotiating().CanSee(Samples.Administrator(Region.Chongqing)));
    }

    [Fact]
    public void A_patent_cannot_be_agreed_before_its_rights_are_confirmed()
    {
        var listing = Listing() with { Content = Samples.Draft(kind: ListingKind.Patent) };
        var offered = new DealState().Open(Id, listing, Ask, null, Buyer, Samples.Now).Next.Engage(1, Seller, Samples.Now).Next
            .Offer(new OfferTerms(800_000m, DealType.Transfer), ListingStatus.Negotiating, 2, Seller, Samples.Now).Next;
        var unconfirmed = offered.AcceptOffer(1, ListingStatus.Negotiating, false, 3, Buyer, Samples.Now);
        Assert.Equal(Refusal.WrongStatus, unconfirmed.Outcome.Refusal);
        Assert.Contains("confirm ownership before transfer", unconfirmed.Outcome.Detail, StringComparison.Ordinal);
        Assert.Same(offered, unconfirmed.Next);
        Assert.Equal(DealStage.Agreed, offered.AcceptOffer(1, ListingStatus.Negotiating, true, 3, Buyer, Samples.Now).Next.Stage);
        // Other kinds need no confirmation.
        Assert.Equal(DealStage.Agreed, Offered().AcceptOffer(1, ListingStatus.Negotiating, false, 3, Buyer, Samples.Now).Next.Stage);
    }

    private sealed record AuditExpectation(string Action, string ActorId)
    {
        public static AuditExpectation Of(DealState deal) => new(deal.LastChange!.Action, deal.LastChange.ActorId);
    }
}
