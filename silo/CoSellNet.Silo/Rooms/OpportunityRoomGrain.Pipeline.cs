using CoSellNet.Protocol;
using CoSellNet.Silo.Pipeline;
using CoSellNet.Silo.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Silo.Rooms;

/// <summary>What vendors in the room learn outside the room: their pipeline's facts, and their webhooks.</summary>
public sealed partial class OpportunityRoomGrain
{
    private IEnumerable<string> AcceptedVendors =>
        S.Members.Where(m => m.Status == MemberStatus.Accepted && m.Type == PartnerType.Vendor).Select(m => m.PartnerId);

    /// <summary>
    /// Queues a webhook event for vendors in the room (all accepted vendors, or <paramref name="vendors"/>),
    /// for those that subscribed to it. Queued after the change is stored; a failure is logged, never
    /// undoes the change.
    /// </summary>
    private async Task NotifyVendors(string eventType, string by, object details, IEnumerable<string>? vendors = null)
    {
        var outbox = ServiceProvider.GetRequiredService<IWebhookOutbox>();
        foreach (var vendor in (vendors ?? AcceptedVendors).Distinct(StringComparer.Ordinal).ToList())
        {
            try
            {
                await outbox.Enqueue(vendor, eventType, Id, new
                {
                    room = new { id = Id, title = S.Title, account = S.Account, openedBy = S.OpenedBy },
                    by,
                    opportunity = S.Opportunity.ToOpportunity(),
                    details,
                });
            }
            catch (Exception e)
            {
                log.LogWarning(e, "Room {Room} could not queue {Event} for vendor {Vendor}", Id, eventType, vendor);
            }
        }
    }

    /// <summary>
    /// Sends the room's facts to the pipeline of each accepted vendor member. The facts are the
    /// room's whole state that matters, so a notice lost here is repaired by the next change.
    /// </summary>
    private async Task TellPipelines()
    {
        foreach (var vendor in AcceptedVendors.ToList())
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
            // A partner that left keeps the touches it made, and with them its place (and type) in attribution.
            Partners = [.. S.Members.Where(m => m.PartnerId != vendor
                    && (m.Status == MemberStatus.Accepted || (m.Status is MemberStatus.Left or MemberStatus.Removed && S.Touches.Any(t => t.PartnerId == m.PartnerId))))
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
