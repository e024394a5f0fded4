using CoSellNet.Protocol;

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

    Task<EcosystemPipelineReport> Ecosystem(PipelineFilter filter);
    Task<RevenueReport> Revenue(PipelineFilter filter);
    Task<RopiReport> Ropi(PipelineFilter filter);
    Task<CoSellReport> CoSell(PipelineFilter filter);
    /// <summary>Scorecards of the partners in my rooms (or of one partner).</summary>
    Task<IReadOnlyList<Scorecard>> Scorecards(PipelineFilter filter);
}
