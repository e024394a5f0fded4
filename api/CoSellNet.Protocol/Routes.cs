namespace CoSellNet.Protocol;

/// <summary>The node's REST routes, relative to the node's base address.</summary>
public static class Routes
{
    public const string Prefix = "/api/v1";

    public const string Partners = Prefix + "/partners";          // POST (operator)
    public const string Me = Prefix + "/partners/me";              // GET, PUT
    public const string MyPublicKeys = Prefix + "/partners/me/public-keys"; // PUT
    public const string Directory = Prefix + "/directory";         // GET ?cursor&limit&type&search
    public static string DirectoryEntry(string partnerId) => $"{Directory}/{Uri.EscapeDataString(partnerId)}";

    public const string Keys = Prefix + "/keys";                   // GET, POST
    public static string Key(string keyId) => $"{Keys}/{Uri.EscapeDataString(keyId)}"; // DELETE

    public const string Invitations = Prefix + "/invitations";     // GET, POST
    public static string Invitation(string id) => $"{Invitations}/{Uri.EscapeDataString(id)}"; // DELETE
    public const string RedeemInvitation = Prefix + "/invitations/redeem"; // POST (anonymous)

    public const string Partnerships = Prefix + "/partnerships";   // GET, POST
    /// <summary>My partnership with one counterpart, addressed by the counterpart's partner id.</summary>
    public static string Partnership(string counterpartId) => $"{Partnerships}/{Uri.EscapeDataString(counterpartId)}";
    public static string PartnershipAction(string counterpartId, string action) => $"{Partnership(counterpartId)}/{action}";
    // actions: accept, decline, pause, resume, end, rotate (POST); motions, rules (PUT); history (GET)

    public const string HealthLive = "/health/live";
    public const string HealthReady = "/health/ready";
    public const string OpenApi = "/openapi/v1.json";
}
