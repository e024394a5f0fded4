using CoSellNet.Protocol;

namespace CoSellNet.Client;

public sealed partial class CoSellNetClient
{
    /// <summary>One page of my API keys (admin scope, or the operator). Never their secrets.</summary>
    public Task<Page<ApiKeyView>> ListKeysAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<ApiKeyView>>(WithPaging(Routes.Keys, cursor, limit), cancellationToken);

    /// <summary>All my API keys, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<ApiKeyView> ListAllKeysAsync(CancellationToken cancellationToken = default) =>
        WalkAsync((cursor, ct) => ListKeysAsync(cursor, Vocabulary.MaxPageSize, ct), cancellationToken);

    /// <summary>Creates an API key. Its <see cref="CreatedApiKey.Secret"/> is in this answer only: store it now.</summary>
    public Task<CreatedApiKey> CreateKeyAsync(ApiKeyRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync<CreatedApiKey>(Routes.Keys, request, cancellationToken);
    }

    /// <summary>Revokes one of my API keys; it stops working at once.</summary>
    public Task<ApiKeyView> RevokeKeyAsync(string keyId, CancellationToken cancellationToken = default) =>
        DeleteAsync<ApiKeyView>(Routes.Key(Id(keyId, nameof(keyId))), cancellationToken);
}
