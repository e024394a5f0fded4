using CoSellNet.Protocol;
using CoSellNet.Silo.Deals;
using CoSellNet.Silo.Errors;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Silo.Rooms;

/// <summary>Deal registration from the room. The registrations themselves live in the protection grain of (vendor, account).</summary>
public sealed partial class OpportunityRoomGrain
{
    public async Task<DealRegistration> Register(string by, RegisterDeal request)
    {
        RoomAccess.Writer(S, by);
        var v = new Validator();
        v.Require(request.VendorId is { Length: > 0 and <= 64 } id && id.All(char.IsAsciiLetterOrDigit), "vendorId", "must be the partner id of the vendor whose program you register with.");
        RoomRules.Note(request.Note, "note", v);
        v.ThrowIfInvalid();
        if (S.Closed)
            throw ProblemException.Conflict("Room closed",
                $"The opportunity is {RoomRules.Name(S.Opportunity.Stage)}: a deal is registered while it is open, not after it closed.");

        var registration = await GrainFactory.GetGrain<IDealProtectionGrain>(DealKey.For(request.VendorId, S.Domain))
            .Register(by, Id, S.Account, request.Note?.Trim());
        S.Deals.Add(new RoomDealState(registration.Id, registration.VendorId));
        // Registering reveals the account to the vendor: the registrant's own act, recorded like the naming of the account.
        Record("deal-registered", by, $"{registration.PartnerName} registered the deal with {registration.VendorName} ({registration.VendorId}), which reveals the account to that vendor; registration {registration.Id}, to be decided by {DealProblems.Date(registration.DecideBy)}.");
        await Save();
        await Announce(FeedEventTypes.DealRegistered, by, new { registration }, also: [registration.VendorId]);
        await NotifyVendors(WebhookEventTypes.DealRegistered, by, new { registration }, [registration.VendorId]);
        return registration;
    }

    public async Task<IReadOnlyList<DealRegistration>> Registrations(string by)
    {
        RoomAccess.Reader(S, by);
        return await RoomRegistrations();
    }

    /// <summary>The registrations made from this room, oldest first, as their protection grains hold them now.</summary>
    private async Task<List<DealRegistration>> RoomRegistrations()
    {
        var vendors = S.Deals.Select(d => d.VendorId).Distinct(StringComparer.Ordinal);
        var lists = await Task.WhenAll(vendors.Select(vendor => GrainFactory.GetGrain<IDealProtectionGrain>(DealKey.For(vendor, S.Domain)).ForRoom(Id)));
        return [.. lists.SelectMany(l => l).OrderBy(r => r.RegisteredAt)];
    }

    public async Task RegistrationChanged(DealRegistration registration)
    {
        if (!S.Deals.Any(d => d.RegistrationId == registration.Id))
        {
            log.LogWarning("Room {Room} was told about registration {Registration}, which is not one of its own", Id, registration.Id);
            return;
        }
        var (type, action, by, detail) = registration.Status switch
        {
            RegistrationStatus.Approved => (FeedEventTypes.DealDecided, "deal-approved", registration.VendorId,
                $"{registration.VendorName} approved {registration.PartnerName}'s registration {registration.Id}: the account is protected until {DealProblems.Date(registration.ProtectedUntil!.Value)}."),
            RegistrationStatus.Rejected => (FeedEventTypes.DealDecided, "deal-rejected", registration.VendorId,
                $"{registration.VendorName} rejected {registration.PartnerName}'s registration {registration.Id}: {registration.Reason}"),
            RegistrationStatus.Lapsed => (FeedEventTypes.DealDecided, "deal-lapsed", "",
                $"{registration.PartnerName}'s registration {registration.Id} lapsed: {registration.Reason}"),
            RegistrationStatus.Ended => (FeedEventTypes.DealProtectionEnded, "protection-ended", "",
                $"The protection of {registration.PartnerName}'s registration {registration.Id} with {registration.VendorName} ended on {DealProblems.Date(registration.EndedAt ?? registration.ProtectedUntil!.Value)}."),
            _ => (null, "", "", ""),
        };
        if (type is null) return;
        Record(action, by, detail);
        await Save();
        await Announce(type, registration.VendorId, new { registration }, also: [registration.VendorId, registration.PartnerId]);
        if (type == FeedEventTypes.DealDecided)
            await NotifyVendors(WebhookEventTypes.DealDecided, by, new { registration }, [registration.VendorId]);
    }
}
