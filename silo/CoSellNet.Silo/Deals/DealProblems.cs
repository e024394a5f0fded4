using System.Globalization;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Deals;

/// <summary>The refusals of the rules of engagement: each names its rule (ProblemDetails member <c>rule</c>).</summary>
public static class DealProblems
{
    /// <summary>409: an approved registration protects the account; names the protected partner and the expiry.</summary>
    public static ProblemException Protected(string vendorName, string domain, RegistrationState holder) =>
        new(ProblemKind.Conflict, "Account protected by an approved deal registration",
            $"Rule '{DealRules.Protection}' of {vendorName}'s program: {holder.PartnerName} holds an approved registration for {domain} " +
            $"that protects it until {Date(holder.ProtectedUntil!.Value)} ({holder.ProtectionDays} days from approval). " +
            "Another registration for this account with this vendor is refused until then.",
            extensions: new Dictionary<string, string>
            {
                ["rule"] = DealRules.Protection,
                ["protectedPartnerId"] = holder.PartnerId,
                ["protectedPartnerName"] = holder.PartnerName,
                ["protectedUntil"] = holder.ProtectedUntil!.Value.ToString("O", CultureInfo.InvariantCulture),
            });

    public static ProblemException NotEligible(string vendorName, string partnerName, PartnerType type, IEnumerable<PartnerType> eligible) =>
        new(ProblemKind.Forbidden, "Partner type not eligible",
            $"Rule '{DealRules.EligibleTypes}' of {vendorName}'s program: partners of type {Name(type)} may not register deals " +
            $"({partnerName} is one); eligible types are {string.Join(", ", eligible.Select(Name))}.",
            extensions: new Dictionary<string, string> { ["rule"] = DealRules.EligibleTypes });

    public static ProblemException OnePerRoom(string vendorName, RegistrationState live) =>
        new(ProblemKind.Conflict, "Room already registered with this vendor",
            $"Rule '{DealRules.OnePerRoom}': this room already has a {Name(live.Status)} registration with {vendorName} (id {live.Id}, by {live.PartnerName}). " +
            "A room registers with a vendor once; register again only if that one is rejected, lapses or ends.",
            extensions: new Dictionary<string, string> { ["rule"] = DealRules.OnePerRoom, ["registrationId"] = live.Id });

    public static ProblemException OnePending(string vendorName, RegistrationState pending) =>
        new(ProblemKind.Conflict, "Registration already pending",
            $"Rule '{DealRules.OnePending}': you already have a pending registration for this account with {vendorName} (id {pending.Id}), " +
            $"to be decided by {Date(pending.DecideBy)}.",
            extensions: new Dictionary<string, string> { ["rule"] = DealRules.OnePending, ["registrationId"] = pending.Id });

    public static ProblemException DeadlinePassed(RegistrationState lapsed) =>
        new(ProblemKind.Conflict, "Approval deadline passed",
            $"Rule '{DealRules.ApprovalDeadline}': the vendor had to decide by {Date(lapsed.DecideBy)}; the registration lapsed. The partner may register the deal again.",
            extensions: new Dictionary<string, string> { ["rule"] = DealRules.ApprovalDeadline });

    public static ProblemException NotPending(RegistrationState registration) =>
        ProblemException.Conflict($"Registration {Name(registration.Status)}",
            $"Only a pending registration can be decided; this one was {Name(registration.Status)}{(registration.DecidedAt is { } at ? " on " + Date(at) : "")}.");

    public static ProblemException NotFound() =>
        ProblemException.NotFound("Registration",
            "No registration with that id is yours or made with your program. List them with GET /api/v1/registrations (yours) or GET /api/v1/programs/{vendorId}/registrations (your program's).");

    /// <summary>A date as people read it, with the time in UTC: 2027-02-23 14:05 UTC.</summary>
    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Name<T>(T value) where T : struct, Enum => System.Text.Json.JsonSerializer.Serialize(value).Trim('"');
}
