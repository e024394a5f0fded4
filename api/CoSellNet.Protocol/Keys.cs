namespace CoSellNet.Protocol;

public sealed record ApiKeyRequest(string Name, IReadOnlyList<ApiKeyScope> Scopes);

/// <summary>An API key as listed: never its secret.</summary>
public sealed record ApiKeyView(
    string Id,
    string Name,
    IReadOnlyList<ApiKeyScope> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt);

/// <summary>A new key. <see cref="Secret"/> is the bearer token, shown this once; the node keeps only its hash.</summary>
public sealed record CreatedApiKey(ApiKeyView Key, string Secret);

/// <summary>
/// An invitation for a company to join the network. Created by the operator, or by a partner
/// (then redeeming it also proposes a partnership with the inviting partner).
/// </summary>
public sealed record InvitationRequest(
    string? CompanyName = null,
    int ExpiresInHours = 72,
    IReadOnlyList<string>? Motions = null);

public sealed record InvitationView(
    string Id,
    string? CompanyName,
    string? InvitedBy,
    IReadOnlyList<string> Motions,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RedeemedAt,
    string? RedeemedByPartner,
    DateTimeOffset? RevokedAt);

/// <summary>A new invitation. <see cref="Token"/> is what the invitee redeems, shown this once.</summary>
public sealed record CreatedInvitation(InvitationView Invitation, string Token);

public sealed record RedeemInvitation(string Token, PartnerRegistration Partner);
