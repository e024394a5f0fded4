using CoSellNet.Protocol;
using CoSellNet.Silo.Pipeline;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Silo.Rooms;

/// <summary>Feeding the pipeline of every vendor in the room with the room's latest facts.</summary>
public sealed partial class OpportunityRoomGrain
{
    /// <summary>
    /// Sends the room's facts to the pipeline of each accepted vendor member. The facts are the
    /// room's whole state that matters, so a notice lost here is repaired by the next change.
    /// </summary>
    private async Task TellPipelines()
    {
        var vendors = S.Members.Where(m => m.Status == MemberStatus.Accepted && m.Type == PartnerType.Vendor).Select(m => m.PartnerId).ToList();
        foreach (var vendor in vendors)
        {
            try
            {
                await GrainFactory.GetGrain<IPipelineGrain>(vendor).RoomChanged(FactsFor(vendor));
            }
            catch (Exception e)
            {
                log.LogWarning(e, "Room {Room} could not update the pipeline of vendor {Vendor}", Id, vendor);
            }
        }
    }

    private RoomFacts FactsFor(string vendor)
    {
        var opportunity = S.Opportunity;
        return new RoomFacts
        {
            RoomId = Id,
            VendorId = vendor,
            OpenedAt = S.OpenedAt,
            Stage = Name(opportunity.Stage),
            Amount = opportunity.Amount ?? 0,
            Currency = opportunity.Currency ?? "USD",
            CloseDate = opportunity.CloseDate,
            // A closed room's stage was last set when it closed.
            ClosedAt = S.Closed ? opportunity.UpdatedAt : null,
            Partners = [.. S.Members.Where(m => m.Status == MemberStatus.Accepted && m.PartnerId != vendor)
                .Select(m => new RoomPartner(m.PartnerId, m.Type.ToString().ToLowerInvariant()))],
            Touches = [.. S.Touches.Where(t => t.PartnerId != vendor).Select(t => new RoomTouch(t.PartnerId, Name(t.Kind), t.At))],
        };
    }

    private static string Name(OpportunityStage stage) => stage switch
    {
        OpportunityStage.ClosedWon => RoomFacts.ClosedWon,
        OpportunityStage.ClosedLost => RoomFacts.ClosedLost,
        _ => stage.ToString().ToLowerInvariant(),
    };

    private static string Name(TouchKind kind) => kind.ToString().ToLowerInvariant();
}
