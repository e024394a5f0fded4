using CoSellNet.Protocol;

namespace CoSellNet.Silo.Invitations;

/// <summary>
/// The invitations one inviter has issued (key: the inviter's partner id, or the operator).
/// Redeeming is serialized here, so an invitation is used at most once.
/// </summary>
public interface IInvitationBookGrain : IGrainWithStringKey
{
    Task<CreatedInvitation> Create(InvitationRequest request);

    Task<IReadOnlyList<InvitationView>> List();

    Task<InvitationView> Revoke(string invitationId);

    /// <summary>
    /// Creates the invited partner and its first admin key and, when a partner invited it, a
    /// partnership proposed by the inviter. A refused registration leaves the invitation unused.
    /// </summary>
    Task<PartnerCreated> Redeem(string invitationId, byte[] secretHash, PartnerRegistration registration);
}
