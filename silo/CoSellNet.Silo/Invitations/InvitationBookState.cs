using CoSellNet.Protocol;

namespace CoSellNet.Silo.Invitations;

[GenerateSerializer, Alias("cosellnet.invitations.v1")]
public sealed record InvitationBookState
{
    [Id(0)] public List<StoredInvitation> Invitations { get; init; } = [];
}

/// <summary>An invitation as stored: SHA-256 of its token secret, never the secret.</summary>
[GenerateSerializer, Alias("cosellnet.invitation.v1")]
public sealed record StoredInvitation(
    string Id,
    string? CompanyName,
    string[] Motions,
    byte[] SecretHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RedeemedAt,
    string? RedeemedByPartner,
    DateTimeOffset? RevokedAt)
{
    public InvitationView ToView(string inviter) =>
        new(Id, CompanyName, inviter == Keys.ApiKeyToken.Operator ? null : inviter, Motions, CreatedAt, ExpiresAt, RedeemedAt, RedeemedByPartner, RevokedAt);
}
