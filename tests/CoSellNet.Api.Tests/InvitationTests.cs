using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

[Collection(NetworkCollection.Name)]
public sealed class InvitationTests(Network network)
{
    private static PartnerRegistration Company(string name) =>
        new(name, $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}"[..24] + ".io", PartnerType.Technology);

    private async Task<CreatedInvitation> Invite(HttpClient inviter, InvitationRequest request)
    {
        var response = await inviter.PostAsJsonAsync(Routes.Invitations, request, Network.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedInvitation>(Network.Json))!;
    }

    private Task<HttpResponseMessage> Redeem(string token, PartnerRegistration partner) =>
        network.Node.ClientWith(null).PostAsJsonAsync(Routes.RedeemInvitation, new RedeemInvitation(token, partner), Network.Json);

    [Fact]
    public async Task An_operator_invitation_creates_a_partner_with_a_working_key_once()
    {
        var invitation = await Invite(network.Operator, new InvitationRequest("Newco"));
        var response = await Redeem(invitation.Token, Company("Newco"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Network.Json))!;
        Assert.Null(created.Partnership);
        var me = (await network.Node.ClientWith(created.ApiKey.Secret).GetFromJsonAsync<PartnerProfile>(Routes.Me, Network.Json))!;
        Assert.Equal(created.Partner.Entry.Id, me.Entry.Id);

        await Problem.Expect(await Redeem(invitation.Token, Company("Newco")), HttpStatusCode.Gone);
        var listed = (await network.Operator.GetFromJsonAsync<Page<InvitationView>>(Routes.Invitations, Network.Json))!;
        Assert.Equal(me.Entry.Id, listed.Items.Single(i => i.Id == invitation.Invitation.Id).RedeemedByPartner);
    }

    [Fact]
    public async Task A_partner_invitation_also_proposes_a_partnership_that_the_invitee_accepts()
    {
        var inviter = await network.AddPartner("Inviter", PartnerType.Vendor);
        var invitation = await Invite(inviter.Http, new InvitationRequest("Joiner", 24, ["co-sell"]));
        var created = (await (await Redeem(invitation.Token, Company("Joiner"))).Content.ReadFromJsonAsync<PartnerCreated>(Network.Json))!;
        Assert.Equal(PartnershipStatus.Proposed, created.Partnership!.Status);
        Assert.Equal(inviter.Id, created.Partnership.ProposedBy);
        Assert.Equal(["co-sell"], created.Partnership.Theirs.Motions);

        var joiner = network.Node.ClientWith(created.ApiKey.Secret);
        var accepted = await joiner.PostAsJsonAsync(Routes.PartnershipAction(inviter.Id, "accept"), new AcceptPartnership(["co-sell"]), Network.Json);
        Assert.Equal(PartnershipStatus.Active, (await accepted.Content.ReadFromJsonAsync<PartnershipView>(Network.Json))!.Status);
    }

    [Fact]
    public async Task A_refused_registration_leaves_the_invitation_usable()
    {
        var invitation = await Invite(network.Operator, new InvitationRequest());
        await Problem.Expect(await Redeem(invitation.Token, new PartnerRegistration("", "gmail.com", PartnerType.Vendor)), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Created, (await Redeem(invitation.Token, Company("Second"))).StatusCode);
    }

    [Fact]
    public async Task Revoked_expired_forged_and_garbage_tokens_are_refused()
    {
        var revoked = await Invite(network.Operator, new InvitationRequest());
        Assert.Equal(HttpStatusCode.OK, (await network.Operator.DeleteAsync(Routes.Invitation(revoked.Invitation.Id))).StatusCode);
        Assert.Contains("revoked", (await Problem.Expect(await Redeem(revoked.Token, Company("Late")), HttpStatusCode.Gone)).Detail());

        var forged = await Invite(network.Operator, new InvitationRequest());
        await Problem.Expect(await Redeem(forged.Token[..^3] + "xyz", Company("Forger")), HttpStatusCode.NotFound);
        await Problem.Expect(await Redeem("please-let-me-in", Company("Garbage")), HttpStatusCode.BadRequest);
        await Problem.Expect(await network.Operator.PostAsJsonAsync(Routes.Invitations, new InvitationRequest(ExpiresInHours: 0), Network.Json), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_expired_invitation_is_gone()
    {
        var clock = new AdjustableClock();
        using var node = await NodeFactory.StartAsync("expiry", clock: clock);
        var op = node.ClientWith(node.OperatorKey);
        var invitation = (await (await op.PostAsJsonAsync(Routes.Invitations, new InvitationRequest(ExpiresInHours: 1), Network.Json))
            .Content.ReadFromJsonAsync<CreatedInvitation>(Network.Json))!;
        clock.Advance(TimeSpan.FromHours(2));
        var response = await node.ClientWith(null).PostAsJsonAsync(Routes.RedeemInvitation, new RedeemInvitation(invitation.Token, Company("Slow")), Network.Json);
        Assert.Contains("expired", (await Problem.Expect(response, HttpStatusCode.Gone)).Detail());
    }
}

/// <summary>A clock the test moves forward.</summary>
public sealed class AdjustableClock : TimeProvider
{
    private TimeSpan _offset;
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _offset;
    public void Advance(TimeSpan by) => _offset += by;
}
