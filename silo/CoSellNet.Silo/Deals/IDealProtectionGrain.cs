using CoSellNet.Protocol;

namespace CoSellNet.Silo.Deals;

/// <summary>
/// The registrations of one account with one vendor (key: <see cref="DealKey.For"/>): who registered,
/// the vendor's decisions, and the protection an approved registration gives until it ends. Approval
/// deadlines and protection expiry are kept by an Orleans reminder, so they survive node restarts;
/// every call also settles what is due first, so a late reminder never lets a stale protection refuse anyone.
/// </summary>
public interface IDealProtectionGrain : IGrainWithStringKey
{
    /// <summary>Registers the deal of a room for <paramref name="partnerId"/> (called by the room, which checked the member's role).</summary>
    Task<DealRegistration> Register(string partnerId, string roomId, RoomAccount account, string? note);

    /// <summary>The vendor approves (<paramref name="approve"/>) or rejects with a reason.</summary>
    Task<DealRegistration> Decide(string by, string registrationId, bool approve, string? reason);

    /// <summary>One registration, for the vendor or the partner that made it; not found for anyone else.</summary>
    Task<DealRegistration> Get(string by, string registrationId);

    /// <summary>The registrations made from one room (for the room's members).</summary>
    Task<IReadOnlyList<DealRegistration>> ForRoom(string roomId);
}

/// <summary>
/// A protection grain's key: the vendor and the account's registrable domain. A very long domain is
/// replaced by its hash, so that the key fits Orleans' reminder table (grain ids up to 150 characters).
/// </summary>
public static class DealKey
{
    public const int MaxDomainInKey = 80;

    public static string For(string vendorId, string domain) =>
        $"{vendorId}|{(domain.Length <= MaxDomainInKey ? domain : "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(domain)))[..40])}";

    public static string VendorOf(string key) => key[..key.IndexOf('|')];
}

/// <summary>How the protection grain's reminder retries (configuration section <c>Deals</c>).</summary>
public sealed class DealOptions
{
    public const string Section = "Deals";

    /// <summary>
    /// The reminder fires when the next deadline or expiry is due; this is its period, i.e. how soon it
    /// fires again if a tick was missed (node down) or failed. At least Orleans' minimum reminder period.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromHours(1);
}
