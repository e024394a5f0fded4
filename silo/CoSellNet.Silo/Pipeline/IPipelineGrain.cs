using CoSellNet.Protocol;
using Orleans.Concurrency;

namespace CoSellNet.Silo.Pipeline;

/// <summary>
/// A vendor's pipeline (key: vendor id). Rooms send their facts on every change that matters;
/// the grain keeps totals by vendor-local date incrementally and answers reports from them.
/// </summary>
public interface IPipelineGrain : IGrainWithStringKey
{
    /// <summary>The latest facts of one room; replaces what the room sent before.</summary>
    Task RoomChanged(RoomFacts facts);

    Task<PipelineSettings> Settings();
    Task<PipelineSettings> SetSettings(PipelineSettings settings);
    Task<PartnerCost> AddCost(PartnerCostRequest cost);

    // Reports only read and never wait, so they may run while a change waits for PostgreSQL (they see
    // the totals without it) and while other reports run: a dashboard never queues behind a write's I/O.
    [AlwaysInterleave] Task<EcosystemPipelineReport> Ecosystem(PipelineFilter filter);
    [AlwaysInterleave] Task<RevenueReport> Revenue(PipelineFilter filter);
    [AlwaysInterleave] Task<RopiReport> Ropi(PipelineFilter filter);
    [AlwaysInterleave] Task<CoSellReport> CoSell(PipelineFilter filter);
    /// <summary>Scorecards of the partners in my rooms (or of one partner).</summary>
    [AlwaysInterleave] Task<IReadOnlyList<Scorecard>> Scorecards(PipelineFilter filter);
}
