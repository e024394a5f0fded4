using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Support;

/// <summary>A room with a vendor, an ISV and an SI, its parts and a deal registration, as a node would return them.</summary>
public static class RoomSamples
{
    public const string RoomId = "5ca1ab1e00000000000000000000a001";
    public const string RegistrationId = "dea1000000000000000000000000b001";
    public const string Isv = "15f0000000000000000000000000000a";
    public const string Si = "5100000000000000000000000000000b";
    public const string Vendor = "7e0d000000000000000000000000000c";
    public static readonly DateTimeOffset At = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    public static readonly RoomAccount Account = new("northwind.com", "Northwind Traders");

    public static RoomMember Member(string id, RoomRole role = RoomRole.Member, MemberStatus status = MemberStatus.Accepted) => id switch
    {
        Isv => new(Isv, "Ivy Analytics", PartnerType.Technology, RoomRole.Owner, MemberStatus.Accepted, Isv, At, At),
        Si => new(Si, "Sigma Services", PartnerType.Service, role, status, Isv, At.AddMinutes(5), status == MemberStatus.Invited ? null : At.AddMinutes(30)),
        _ => new(id, "Vela Cloud", PartnerType.Vendor, role, status, Isv, At.AddMinutes(6), status == MemberStatus.Invited ? null : At.AddMinutes(40)),
    };

    public static Opportunity Opportunity(OpportunityStage stage = OpportunityStage.Propose) =>
        new(stage, 120_000m, "USD", new DateOnly(2026, 6, 30), ["Vela Data Platform", "Ivy Insight"], Si, At.AddDays(1));

    /// <summary>The room as the ISV (its owner) sees it, or as an invitee (no opportunity, no counts).</summary>
    public static RoomView Room(string me = Isv, MemberStatus siStatus = MemberStatus.Accepted)
    {
        RoomMember[] members = [Member(Isv), Member(Si, status: siStatus), Member(Vendor)];
        var mine = members.Single(m => m.PartnerId == me);
        var invitee = mine.Status == MemberStatus.Invited;
        return new RoomView(RoomId, "Northwind data platform", Account, Isv, At, At.AddDays(1), mine, members,
            invitee ? null : Opportunity(), false, invitee ? 0 : 2, invitee ? 0 : 3, invitee ? 0 : 7);
    }

    public static RoomMessage Message(long sequence, string from, string text) => new(sequence, from, At.AddMinutes(sequence), text);

    public static RoomTask Task(int id = 1, RoomTaskStatus status = RoomTaskStatus.Open) =>
        new(id, "Security review", Si, new DateOnly(2026, 3, 20), status, Isv, At.AddHours(1), At.AddHours(2));

    public static Touch Touch(int id = 1, string partner = Isv, TouchKind kind = TouchKind.Sourced) =>
        new(id, partner, kind, At.AddHours(-2), "Found it in the overlap", At);

    public static RoomChange Change(long sequence, string by, string action, string? detail = null) => new(sequence, action, by, At.AddMinutes(sequence), detail);

    public static DealRegistration Registration(RegistrationStatus status = RegistrationStatus.Pending, string id = RegistrationId) =>
        new(id, Vendor, "Vela Cloud", Isv, "Ivy Analytics", RoomId, Account, status, "Sourced by Ivy", At, At.AddDays(14), 90,
            status == RegistrationStatus.Pending ? null : At.AddDays(2),
            status == RegistrationStatus.Rejected ? "Already in our direct pipeline" : null,
            status == RegistrationStatus.Approved ? At.AddDays(92) : null, null);

    public static VendorProgram Program(int protectionDays = 90, int version = 1) =>
        new(Vendor, "Vela Cloud", protectionDays, [PartnerType.Reseller, PartnerType.Technology, PartnerType.Service], 14, version, At);

    public static DirectoryEntry Entry(string id, string name, PartnerType type) =>
        new(id, name, name.Split(' ')[0].ToLowerInvariant() + ".com", type, "registered", new Capabilities([], [], []), ["customers"], null, At);

    public static PartnerProfile Profile(string id = Vendor, string name = "Vela Cloud", PartnerType type = PartnerType.Vendor) =>
        new(Entry(id, name, type), new PrivateSettings());

    /// <summary>The protection refusal as the node words it.</summary>
    public const string ProtectedDetail =
        "Rule 'protection' of Vela Cloud's program: Ivy Analytics holds an approved registration for northwind.com that protects it until 2026-06-02 09:00 UTC " +
        "(90 days from approval). Another registration for this account with this vendor is refused until then.";
}
