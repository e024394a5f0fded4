using CoSellNet.Protocol;

namespace CoSellNet.Silo.Partners;

/// <summary>One company on the network: its profile, public keys and the index of its partnerships. Key: partner id.</summary>
public interface IPartnerGrain : IGrainWithStringKey
{
    /// <summary>Creates the partner. Refused if the id is taken or another partner already has the domain.</summary>
    Task<PartnerProfile> Register(PartnerRegistration registration);

    /// <summary>Replaces the profile; public keys are kept when the update carries none.</summary>
    Task<PartnerProfile> Update(PartnerRegistration registration);

    Task<PartnerProfile> SetPublicKeys(PublicKeys keys);

    /// <summary>The full profile, private settings included: only for the partner itself.</summary>
    Task<PartnerProfile> GetProfile();

    /// <summary>The public directory entry, or a not-found problem.</summary>
    Task<DirectoryEntry> GetEntry();

    /// <summary>The entry, or null when no partner has this id.</summary>
    Task<DirectoryEntry?> Find();

    /// <summary>Called by a partnership grain when this partner enters a partnership.</summary>
    Task AddCounterpart(string counterpartId);

    /// <summary>Counterpart ids after <paramref name="after"/> in id order.</summary>
    Task<IReadOnlyList<string>> ListCounterparts(string? after, int limit);
}
