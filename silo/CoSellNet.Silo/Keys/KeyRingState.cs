using CoSellNet.Protocol;

namespace CoSellNet.Silo.Keys;

[GenerateSerializer, Alias("cosellnet.keyring.v1")]
public sealed record KeyRingState
{
    [Id(0)] public List<StoredKey> Keys { get; init; } = [];
}

/// <summary>An API key as stored: SHA-256 of its secret, never the secret.</summary>
[GenerateSerializer, Alias("cosellnet.apikey.v1")]
public sealed record StoredKey(
    string Id,
    string Name,
    ApiKeyScope[] Scopes,
    byte[] SecretHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    public ApiKeyView ToView() => new(Id, Name, Scopes, CreatedAt, LastUsedAt, RevokedAt);
}
