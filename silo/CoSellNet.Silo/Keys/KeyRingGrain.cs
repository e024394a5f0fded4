using System.Security.Cryptography;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Keys;

public sealed class KeyRingGrain(
    [PersistentState("keyring", SiloHosting.StorageName)] IPersistentState<KeyRingState> state,
    TimeProvider clock) : Grain, IKeyRingGrain
{
    public const int MaxKeys = 100;
    /// <summary>Last-used times are kept in memory and written at most this often, not on every request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(5);

    public async Task<CreatedApiKey> Create(ApiKeyRequest request)
    {
        var v = new Validator().Text(request.Name, "name", 100);
        v.Require(request.Scopes is { Count: > 0 }, "scopes", "name at least one of read, write, admin.");
        v.Require(request.Scopes is null || request.Scopes.All(Enum.IsDefined), "scopes", "may only contain read, write, admin.");
        v.Require(state.State.Keys.Count(k => k.RevokedAt is null) < MaxKeys, "keys", $"this principal already has {MaxKeys} active keys; revoke one first.");
        v.ThrowIfInvalid();
        return await Add(request.Name.Trim(), [.. request.Scopes!.Distinct().Order()]);
    }

    public async Task<CreatedApiKey?> CreateFirst(string name) =>
        state.State.Keys.Count == 0 ? await Add(name, [ApiKeyScope.Read, ApiKeyScope.Write, ApiKeyScope.Admin]) : null;

    public Task<IReadOnlyList<ApiKeyView>> List() =>
        Task.FromResult<IReadOnlyList<ApiKeyView>>([.. state.State.Keys.Select(k => k.ToView())]);

    public async Task<ApiKeyView> Revoke(string keyId)
    {
        var i = state.State.Keys.FindIndex(k => k.Id == keyId);
        if (i < 0) throw ProblemException.NotFound("API key", $"You have no API key with id {keyId}. List your keys with GET /api/v1/keys.");
        var key = state.State.Keys[i];
        if (key.RevokedAt is not null) return key.ToView();
        var otherAdmins = state.State.Keys.Count(k => k.Id != keyId && k.RevokedAt is null && k.Scopes.Contains(ApiKeyScope.Admin));
        if (key.Scopes.Contains(ApiKeyScope.Admin) && otherAdmins == 0)
            throw ProblemException.Conflict("Last admin key", "This is your only active admin key; revoking it would lock you out. Create another admin key first, then revoke this one.");
        state.State.Keys[i] = key with { RevokedAt = clock.GetUtcNow() };
        await state.WriteStateAsync();
        return state.State.Keys[i].ToView();
    }

    public async Task<ApiKeyScope[]?> Authenticate(string keyId, byte[] secretHash)
    {
        var i = state.State.Keys.FindIndex(k => k.Id == keyId);
        if (i < 0) return null;
        var key = state.State.Keys[i];
        if (key.RevokedAt is not null || !CryptographicOperations.FixedTimeEquals(key.SecretHash, secretHash)) return null;
        var now = clock.GetUtcNow();
        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedResolution)
        {
            state.State.Keys[i] = key with { LastUsedAt = now };
            await state.WriteStateAsync();
        }
        return key.Scopes;
    }

    private async Task<CreatedApiKey> Add(string name, ApiKeyScope[] scopes)
    {
        var token = ApiKeyToken.New(ApiKeyToken.KeyPrefix, this.GetPrimaryKeyString());
        var key = new StoredKey(token.Id, name, scopes, token.SecretHash(), clock.GetUtcNow(), null, null);
        state.State.Keys.Add(key);
        await state.WriteStateAsync();
        return new CreatedApiKey(key.ToView(), token.ToString());
    }
}
