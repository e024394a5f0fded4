using System.Runtime.CompilerServices;
using CoSellNet.Protocol;

namespace CoSellNet.Client;

public sealed partial class CoSellNetClient
{
    /// <summary>Registers a new partner (operator key only). The answer holds the partner's first admin key, shown this once.</summary>
    public Task<PartnerCreated> CreatePartnerAsync(PartnerRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return PostAsync<PartnerCreated>(Routes.Partners, registration, cancellationToken);
    }

    /// <summary>My partner profile: my directory entry and my private settings.</summary>
    public Task<PartnerProfile> GetMeAsync(CancellationToken cancellationToken = default) =>
        GetAsync<PartnerProfile>(Routes.Me, cancellationToken);

    /// <summary>Replaces my profile (admin scope). Fields left null are cleared: start from <see cref="GetMeAsync"/> to change a few.</summary>
    public Task<PartnerProfile> UpdateMeAsync(PartnerRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return PutAsync<PartnerProfile>(Routes.Me, registration, cancellationToken);
    }

    /// <summary>Publishes my public keys (admin scope). The node stores public keys only.</summary>
    public Task<PartnerProfile> SetPublicKeysAsync(PublicKeys keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return PutAsync<PartnerProfile>(Routes.MyPublicKeys, keys, cancellationToken);
    }

    /// <summary>One page of the public directory, optionally filtered by partner type or a search of name and domain.</summary>
    /// <param name="type">Only partners of this type.</param>
    /// <param name="search">Text to find in the name or domain (at most 100 characters).</param>
    /// <param name="cursor">The previous page's <see cref="Page{T}.NextCursor"/>; null for the first page.</param>
    /// <param name="limit">Items per page, 1 to <see cref="Vocabulary.MaxPageSize"/>; null for the node's default.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<Page<DirectoryEntry>> ListDirectoryAsync(PartnerType? type = null, string? search = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<DirectoryEntry>>(
            WithPaging(Routes.Directory, cursor, limit, ("type", type is { } t ? CoSellNetJson.EnumName(t) : null), ("search", search)),
            cancellationToken);

    /// <summary>Every directory entry matching the filter, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<DirectoryEntry> ListAllDirectoryAsync(PartnerType? type = null, string? search = null, CancellationToken cancellationToken = default) =>
        WalkAsync((cursor, ct) => ListDirectoryAsync(type, search, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);

    /// <summary>One partner's public directory entry, with its public keys.</summary>
    public Task<DirectoryEntry> GetDirectoryEntryAsync(string partnerId, CancellationToken cancellationToken = default) =>
        GetAsync<DirectoryEntry>(Routes.DirectoryEntry(Id(partnerId, nameof(partnerId))), cancellationToken);
}
