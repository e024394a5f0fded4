using CoSellNet.Protocol;

namespace CoSellNet.Client;

public sealed partial class CoSellNetClient
{
    /// <summary>One page of my partnerships, in counterpart id order.</summary>
    public Task<Page<PartnershipView>> ListPartnershipsAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<PartnershipView>>(WithPaging(Routes.Partnerships, cursor, limit), cancellationToken);

    /// <summary>All my partnerships, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<PartnershipView> ListAllPartnershipsAsync(CancellationToken cancellationToken = default) =>
        WalkAsync((cursor, ct) => ListPartnershipsAsync(cursor, Vocabulary.MaxPageSize, ct), cancellationToken);

    /// <summary>My partnership with one partner, addressed by the counterpart's partner id.</summary>
    public Task<PartnershipView> GetPartnershipAsync(string counterpartId, CancellationToken cancellationToken = default) =>
        GetAsync<PartnershipView>(Routes.Partnership(Id(counterpartId, nameof(counterpartId))), cancellationToken);

    /// <summary>Proposes a partnership, optionally with my motions and sharing rules. The counterpart accepts or declines.</summary>
    public Task<PartnershipView> ProposePartnershipAsync(ProposePartnership proposal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        Id(proposal.CounterpartId, nameof(proposal));
        return PostAsync<PartnershipView>(Routes.Partnerships, proposal, cancellationToken);
    }

    /// <summary>Accepts a partnership proposed to me, optionally setting my motions and sharing rules as I do.</summary>
    public Task<PartnershipView> AcceptPartnershipAsync(string counterpartId, AcceptPartnership? acceptance = null, CancellationToken cancellationToken = default) =>
        PostAsync<PartnershipView>(Action(counterpartId, "accept"), acceptance ?? new AcceptPartnership(), cancellationToken);

    /// <summary>Declines a partnership proposed to me.</summary>
    public Task<PartnershipView> DeclinePartnershipAsync(string counterpartId, CancellationToken cancellationToken = default) =>
        PostAsync<PartnershipView>(Action(counterpartId, "decline"), null, cancellationToken);

    /// <summary>Pauses my side: nothing is shared while either side has the partnership paused.</summary>
    public Task<PartnershipView> PausePartnershipAsync(string counterpartId, CancellationToken cancellationToken = default) =>
        PostAsync<PartnershipView>(Action(counterpartId, "pause"), null, cancellationToken);

    /// <summary>Resumes what I paused.</summary>
    public Task<PartnershipView> ResumePartnershipAsync(string counterpartId, CancellationToken cancellationToken = default) =>
        PostAsync<PartnershipView>(Action(counterpartId, "resume"), null, cancellationToken);

    /// <summary>Ends the partnership (or withdraws my proposal). Its blinded data is deleted.</summary>
    public Task<PartnershipView> EndPartnershipAsync(string counterpartId, CancellationToken cancellationToken = default) =>
        PostAsync<PartnershipView>(Action(counterpartId, "end"), null, cancellationToken);

    /// <summary>Starts a new epoch: keys rotate and the old epoch's blinded data is discarded. Not idempotent: each call bumps the epoch.</summary>
    public Task<PartnershipView> RotatePartnershipAsync(string counterpartId, CancellationToken cancellationToken = default) =>
        PostAsync<PartnershipView>(Action(counterpartId, "rotate"), null, cancellationToken);

    /// <summary>Sets the motions I opt into (see <see cref="Vocabulary.Motions"/>); an empty list opts out of all.</summary>
    public Task<PartnershipView> SetMotionsAsync(string counterpartId, IReadOnlyList<string> motions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(motions);
        return PutAsync<PartnershipView>(Action(counterpartId, "motions"), new SetMotions(motions), cancellationToken);
    }

    /// <summary>
    /// Sets what I share of each of my populations, replacing my previous rules; populations without a
    /// rule are not shared. An empty list shares nothing.
    /// </summary>
    public Task<PartnershipView> SetRulesAsync(string counterpartId, IReadOnlyList<SharingRule> rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return PutAsync<PartnershipView>(Action(counterpartId, "rules"), new SetRules(rules), cancellationToken);
    }

    /// <summary>One page of the partnership's history: every change, who made it and when, oldest first.</summary>
    public Task<Page<PartnershipChange>> ListPartnershipHistoryAsync(string counterpartId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<PartnershipChange>>(WithPaging(Action(counterpartId, "history"), cursor, limit), cancellationToken);

    /// <summary>The partnership's whole history, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<PartnershipChange> ListAllPartnershipHistoryAsync(string counterpartId, CancellationToken cancellationToken = default)
    {
        Id(counterpartId, nameof(counterpartId));
        return WalkAsync((cursor, ct) => ListPartnershipHistoryAsync(counterpartId, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);
    }

    private static string Action(string counterpartId, string action) =>
        Routes.PartnershipAction(Id(counterpartId, nameof(counterpartId)), action);
}
