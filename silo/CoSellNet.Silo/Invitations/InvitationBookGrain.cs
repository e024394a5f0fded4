using System.Security.Cryptography;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Keys;
using CoSellNet.Silo.Partners;
using CoSellNet.Silo.Partnerships;

namespace CoSellNet.Silo.Invitations;

public sealed class InvitationBookGrain(
    [PersistentState("invitations", SiloHosting.StorageName)] IPersistentState<InvitationBookState> state,
    TimeProvider clock) : Grain, IInvitationBookGrain
{
    public const int MaxOpenInvitations = 200;
    public const int MaxHours = 24 * 30;

    private string Inviter => this.GetPrimaryKeyString();

    public async Task<CreatedInvitation> Create(InvitationRequest request)
    {
        var now = clock.GetUtcNow();
        var v = new Validator().Text(request.CompanyName, "companyName", Vocabulary.MaxNameLength, required: false);
        v.Require(request.ExpiresInHours is >= 1 and <= MaxHours, "expiresInHours", $"must be between 1 and {MaxHours} hours.");
        var motions = PartnershipRules.CheckMotions(request.Motions, "motions", v);
        v.Require(state.State.Invitations.Count(i => IsOpen(i, now)) < MaxOpenInvitations, "invitations",
            $"you already have {MaxOpenInvitations} open invitations; revoke some or wait for them to expire.");
        v.ThrowIfInvalid();

        var token = ApiKeyToken.New(ApiKeyToken.InvitationPrefix, Inviter);
        var invitation = new StoredInvitation(token.Id, request.CompanyName?.Trim(), motions, token.SecretHash(),
            now, now.AddHours(request.ExpiresInHours), null, null, null);
        state.State.Invitations.Add(invitation);
        await state.WriteStateAsync();
        return new CreatedInvitation(invitation.ToView(Inviter), token.ToString());
    }

    public Task<IReadOnlyList<InvitationView>> List() =>
        Task.FromResult<IReadOnlyList<InvitationView>>([.. state.State.Invitations.Select(i => i.ToView(Inviter))]);

    public async Task<InvitationView> Revoke(string invitationId)
    {
        var i = Find(invitationId) ?? throw ProblemException.NotFound("Invitation",
            $"You have no invitation with id {invitationId}. List yours with GET /api/v1/invitations.");
        var invitation = state.State.Invitations[i];
        if (invitation.RedeemedAt is not null)
            throw ProblemException.Conflict("Invitation already used", "This invitation was already redeemed; it can no longer be revoked.");
        if (invitation.RevokedAt is null)
        {
            state.State.Invitations[i] = invitation with { RevokedAt = clock.GetUtcNow() };
            await state.WriteStateAsync();
        }
        return state.State.Invitations[i].ToView(Inviter);
    }

    public async Task<PartnerCreated> Redeem(string invitationId, byte[] secretHash, PartnerRegistration registration)
    {
        var i = Find(invitationId);
        if (i is null || !CryptographicOperations.FixedTimeEquals(state.State.Invitations[i.Value].SecretHash, secretHash))
            throw ProblemException.NotFound("Invitation", "This invitation token is not valid. Check that you copied the whole token, or ask for a new invitation.");
        var invitation = state.State.Invitations[i.Value];
        var now = clock.GetUtcNow();
        if (invitation.RedeemedAt is not null)
            throw new ProblemException(ProblemKind.Gone, "Invitation already used", "This invitation was already redeemed. Ask the inviter for a new one.");
        if (invitation.RevokedAt is not null)
            throw new ProblemException(ProblemKind.Gone, "Invitation revoked", "The inviter revoked this invitation. Ask for a new one.");
        if (invitation.ExpiresAt <= now)
            throw new ProblemException(ProblemKind.Gone, "Invitation expired", $"This invitation expired at {invitation.ExpiresAt:u}. Ask the inviter for a new one.");

        var partnerId = Guid.NewGuid().ToString("N");
        var profile = await GrainFactory.GetGrain<IPartnerGrain>(partnerId).Register(registration);
        var key = await GrainFactory.GetGrain<IKeyRingGrain>(partnerId).CreateFirst("first key")
                  ?? throw new InvalidOperationException("A new partner's key ring already had keys.");
        PartnershipView? partnership = null;
        if (Inviter != ApiKeyToken.Operator)
        {
            await GrainFactory.GetGrain<IPartnershipGrain>(PartnershipKey.For(Inviter, partnerId))
                .Propose(Inviter, new ProposePartnership(partnerId, invitation.Motions));
            partnership = await GrainFactory.GetGrain<IPartnershipGrain>(PartnershipKey.For(Inviter, partnerId)).Get(partnerId);
        }

        state.State.Invitations[i.Value] = invitation with { RedeemedAt = now, RedeemedByPartner = partnerId };
        await state.WriteStateAsync();
        return new PartnerCreated(profile, key, partnership);
    }

    private int? Find(string id)
    {
        var i = state.State.Invitations.FindIndex(x => x.Id == id);
        return i < 0 ? null : i;
    }

    private static bool IsOpen(StoredInvitation i, DateTimeOffset now) => i.RedeemedAt is null && i.RevokedAt is null && i.ExpiresAt > now;
}
