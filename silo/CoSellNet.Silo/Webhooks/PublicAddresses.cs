using System.Net;
using System.Net.Sockets;

namespace CoSellNet.Silo.Webhooks;

/// <summary>
/// Which addresses a webhook may be delivered to. A partner chooses the URL and the node makes the
/// request from inside its own network, so without this a URL could reach the node's database, the
/// cloud's metadata service (169.254.169.254) or anything else only the node can see. Unless the
/// operator allows it (<see cref="WebhookOptions.AllowPrivateAddresses"/>), deliveries go only to
/// globally routable unicast addresses, checked on the address actually connected to (so a name
/// that resolves differently at delivery than at registration is caught too).
/// </summary>
public static class PublicAddresses
{
    /// <summary>Whether <paramref name="address"/> is a globally routable unicast address.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] is 0 or 10 or 127 or >= 224                   // "this" network, private, loopback, multicast and reserved
                     || (b[0] == 100 && b[1] is >= 64 and <= 127)       // shared address space (carrier-grade NAT)
                     || (b[0] == 169 && b[1] == 254)                    // link-local, cloud metadata services
                     || (b[0] == 172 && b[1] is >= 16 and <= 31)        // private
                     || (b[0] == 192 && b[1] == 168)                    // private
                     || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)    // protocol assignments, documentation
                     || (b[0] == 198 && b[1] is 18 or 19)               // benchmarking
                     || (b[0] == 198 && b[1] == 51 && b[2] == 100)      // documentation
                     || (b[0] == 203 && b[1] == 0 && b[2] == 113));     // documentation
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        if (address.Equals(IPAddress.IPv6Loopback) || address.Equals(IPAddress.IPv6None)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
            return false;
        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        // NAT64 (64:ff9b::/96) carries an IPv4 address: judge that one.
        if (v6[..12].SequenceEqual((ReadOnlySpan<byte>)[0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]))
            return IsPublic(new IPAddress(v6[12..]));
        // Only 2000::/3 is global unicast; 2001:db8::/32 is documentation.
        return (v6[0] & 0xe0) == 0x20 && !(v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8);
    }

    /// <summary>
    /// The addresses of a webhook's host it may be delivered to, in the resolver's order; throws
    /// with a message for the endpoint's attempt log when none is allowed.
    /// </summary>
    public static IPAddress[] Allowed(string host, IPAddress[] resolved, bool allowPrivate)
    {
        if (allowPrivate) return resolved;
        var allowed = Array.FindAll(resolved, IsPublic);
        return allowed.Length > 0
            ? allowed
            : throw new InvalidOperationException(
                $"Refused: {host} resolves only to non-public addresses ({string.Join(", ", resolved.Take(4))}); this node delivers webhooks to public addresses only. " +
                "An operator whose receivers are inside its network sets Webhooks:AllowPrivateAddresses.");
    }
}
