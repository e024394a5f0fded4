using CoSellNet.Protocol;

namespace CoSellNet.Silo.Partnerships;

/// <summary>
/// Two partners who both consented (key: <see cref="PartnershipKey.For"/>): dual opt-in, motions
/// and sharing rules each way, pause, end, the epoch and a history of every change. Every method
/// takes the acting partner's id; a partner outside the partnership sees it as not found.
/// </summary>
public interface IPartnershipGrain : IGrainWithStringKey
{
    /// <summary>Proposes the partnership (again, after a decline or end: that starts a new epoch).</summary>
    Task<PartnershipView> Propose(string by, ProposePartnership proposal);
    Task<PartnershipView> Accept(string by, AcceptPartnership acceptance);
    Task<PartnershipView> Decline(string by);
    Task<PartnershipView> Pause(string by);
    Task<PartnershipView> Resume(string by);
    Task<PartnershipView> End(string by);
    /// <summary>Starts a new epoch: keys rotate and blinded data of the old epoch is discarded.</summary>
    Task<PartnershipView> Rotate(string by);
    Task<PartnershipView> SetMotions(string by, IReadOnlyList<string> motions);
    /// <summary>Replaces the rules for what <paramref name="by"/> shares of its own populations.</summary>
    Task<PartnershipView> SetRules(string by, IReadOnlyList<SharingRule> rules);
    Task<PartnershipView> Get(string by);
    Task<IReadOnlyList<PartnershipChange>> History(string by, long after, int limit);
}
