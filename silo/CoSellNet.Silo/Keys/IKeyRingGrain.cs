using CoSellNet.Protocol;

namespace CoSellNet.Silo.Keys;

/// <summary>
/// The API keys of one principal: a partner (key: partner id) or the node operator
/// (key: <see cref="ApiKeyToken.Operator"/>).
/// </summary>
public interface IKeyRingGrain : IGrainWithStringKey
{
    /// <summary>Creates a key; the secret is in the answer only.</summary>
    Task<CreatedApiKey> Create(ApiKeyRequest request);

    /// <summary>Creates an admin key only if the ring has never had one (first start). Null otherwise.</summary>
    Task<CreatedApiKey?> CreateFirst(string name);

    Task<IReadOnlyList<ApiKeyView>> List();

    /// <summary>Revokes a key of this ring; refused for the last active admin key.</summary>
    Task<ApiKeyView> Revoke(string keyId);

    /// <summary>The key's scopes if the key exists, is not revoked and the hash matches; otherwise null.</summary>
    Task<ApiKeyScope[]?> Authenticate(string keyId, byte[] secretHash);
}
