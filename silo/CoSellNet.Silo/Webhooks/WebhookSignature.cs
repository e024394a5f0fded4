using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CoSellNet.Silo.Webhooks;

/// <summary>
/// The <c>CoSellNet-Signature</c> header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c> with the
/// UTF-8 bytes of the whole secret (<c>whsec_…</c>) as key, over the UTF-8 bytes of <c>"&lt;t&gt;.&lt;body&gt;"</c>.
/// The value is a credential for that one request: it goes into the request and nowhere else.
/// </summary>
public static class WebhookSignature
{
    public static string Header(string secret, DateTimeOffset at, string body)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Compute(secret, t, body)}";
    }

    /// <summary>Lower-case hex of HMAC-SHA256(secret, "t.body").</summary>
    public static string Compute(string secret, string t, string body)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        var message = Encoding.UTF8.GetBytes($"{t}.{body}");
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, message));
    }
}
