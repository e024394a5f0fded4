using CoSellNet.Protocol;

namespace CoSellNet.Client;

public sealed partial class CoSellNetClient
{
    /// <summary>One page of the invitations I issued (admin scope, or the operator).</summary>
    public Task<Page<InvitationView>> ListInvitationsAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<InvitationView>>(WithPaging(Routes.Invitations, cursor, limit), cancellationToken);

    /// <summary>All the invitations I issued, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<InvitationView> ListAllInvitationsAsync(CancellationToken cancellationToken = default) =>
        WalkAsync((cursor, ct) => ListInvitationsAsync(cursor, Vocabulary.MaxPageSize, ct), cancellationToken);

    /// <summary>
    /// Invites a company. The <see cref="CreatedInvitation.Token"/> is in this answer only; hand it to the
    /// invitee. A partner's invitation also proposes a partnership with that partner when redeemed.
    /// </summary>
    public Task<CreatedInvitation> CreateInvitationAsync(InvitationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync<CreatedInvitation>(Routes.Invitations, request, cancellationToken);
    }

    /// <summary>Revokes an invitation that has not been redeemed yet.</summary>
    public Task<InvitationView> RevokeInvitationAsync(string invitationId, CancellationToken cancellationToken = default) =>
        DeleteAsync<InvitationView>(Routes.Invitation(Id(invitationId, nameof(invitationId))), cancellationToken);

    /// <summary>
    /// Redeems an invitation token (no API key needed; none is sent): creates the partner and its first
    /// admin API key, whose secret is in this answer only, and the proposed partnership if a partner invited.
    /// </summary>
    public Task<PartnerCreated> RedeemInvitationAsync(RedeemInvitation redeem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(redeem);
        ArgumentException.ThrowIfNullOrWhiteSpace(redeem.Token, nameof(redeem));
        ArgumentNullException.ThrowIfNull(redeem.Partner, nameof(redeem));
        return SendAsync<PartnerCreated>(HttpMethod.Post, Routes.RedeemInvitation, redeem, authenticated: false, cancellationToken);
    }
}
