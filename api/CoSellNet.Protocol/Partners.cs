namespace CoSellNet.Protocol;

/// <summary>Industries, regions and products a partner works in.</summary>
public sealed record Capabilities(
    IReadOnlyList<string>? Industries = null,
    IReadOnlyList<string>? Regions = null,
    IReadOnlyList<string>? Products = null);

/// <summary>
/// A partner's public keys as one small versioned document (see CoSellNet.Crypto's PublicKeyDocument):
/// base64url, no padding, 32 bytes each. The server stores public keys only.
/// </summary>
public sealed record PublicKeys(int Version, string X25519, string Ed25519);

/// <summary>Settings only the partner itself sees.</summary>
public sealed record PrivateSettings(string? ContactEmail = null, SharingLevel DefaultSharing = SharingLevel.None);

/// <summary>What a new partner (or an update) says about itself.</summary>
public sealed record PartnerRegistration(
    string Name,
    string Domain,
    PartnerType Type,
    string? Tier = null,
    Capabilities? Capabilities = null,
    IReadOnlyList<string>? Populations = null,
    PublicKeys? PublicKeys = null,
    PrivateSettings? PrivateSettings = null);

/// <summary>The public directory entry that every partner on the node may read.</summary>
public sealed record DirectoryEntry(
    string Id,
    string Name,
    string Domain,
    PartnerType Type,
    string Tier,
    Capabilities Capabilities,
    IReadOnlyList<string> Populations,
    PublicKeys? PublicKeys,
    DateTimeOffset JoinedAt);

/// <summary>A partner as it sees itself: its directory entry and its private settings.</summary>
public sealed record PartnerProfile(DirectoryEntry Entry, PrivateSettings PrivateSettings);

/// <summary>The answer to creating a partner: its profile and its first API key, shown once.</summary>
public sealed record PartnerCreated(PartnerProfile Partner, CreatedApiKey ApiKey, PartnershipView? Partnership = null);

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
