using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Support;

/// <summary>Realistic DTOs as a node would return them.</summary>
public static class Samples
{
    public static readonly DateTimeOffset Joined = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);
    public const string MeId = "4f2a9c1d0b7e4a3f8c2d1e0f9a8b7c6d";
    public const string ThemId = "9b8a7c6d5e4f30211a2b3c4d5e6f7081";

    public static DirectoryEntry Entry(string id = MeId, string name = "Acme Analytics", PartnerType type = PartnerType.Technology) =>
        new(id, name, "acme.com", type, "gold",
            new Capabilities(["saas", "fintech"], ["emea"], ["Acme Insight"]),
            ["customers", "prospects"], new PublicKeys(1, "x25519key", "ed25519key"), Joined);

    public static PartnerProfile Profile() => new(Entry(), new PrivateSettings("ops@acme.com", SharingLevel.Counts));

    public static PartnershipView Partnership(PartnershipStatus status = PartnershipStatus.Active, int epoch = 1) =>
        new($"{MeId}|{ThemId}", status, epoch, MeId,
            new PartnershipSide(MeId, "Acme Analytics", ["co-sell"], [new SharingRule("customers", SharingLevel.Overlaps), new SharingRule("prospects", SharingLevel.Counts, 5)], false),
            new PartnershipSide(ThemId, "Beta Services", ["co-sell", "referral"], [new SharingRule("customers", SharingLevel.Counts)], false),
            Joined, Joined.AddDays(2));

    public static ApiKeyView Key(string id = "0123456789abcdef", string name = "first key") =>
        new(id, name, [ApiKeyScope.Read, ApiKeyScope.Write, ApiKeyScope.Admin], Joined, Joined.AddHours(1), null);

    public static CreatedApiKey CreatedKey(string secret = Keys.Other) =>
        new(Key("fedcba9876543210", "ci"), secret);

    public static InvitationView Invitation(string id = "1122334455667788") =>
        new(id, "Gamma Inc", "op", ["co-sell"], Joined, Joined.AddHours(72), null, null, null);

    public static PartnerCreated Created(string secret = Keys.Other) =>
        new(new PartnerProfile(Entry(ThemId, "Beta Services", PartnerType.Service), new PrivateSettings()), CreatedKey(secret));
}
