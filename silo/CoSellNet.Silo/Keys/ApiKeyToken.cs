using System.Security.Cryptography;
using System.Text;

namespace CoSellNet.Silo.Keys;

/// <summary>
/// Bearer tokens: <c>csn_{principal}_{keyId}_{secret}</c> for API keys and
/// <c>inv_{inviter}_{invitationId}_{secret}</c> for invitations. The principal and id say which
/// grain holds the hash, so checking a token is one grain call; the secret is 32 random bytes
/// (base64url, which may itself contain '_', so it is always the last part). Only SHA-256 of the
/// secret is stored: with 256 bits of entropy a fast hash is as strong as a slow one.
/// </summary>
public readonly record struct ApiKeyToken(string Prefix, string Principal, string Id, string Secret)
{
    public const string KeyPrefix = "csn";
    public const string InvitationPrefix = "inv";
    /// <summary>The principal of the node operator.</summary>
    public const string Operator = "op";

    public static ApiKeyToken New(string prefix, string principal)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return new ApiKeyToken(prefix, principal, id, secret);
    }

    public override string ToString() => $"{Prefix}_{Principal}_{Id}_{Secret}";

    public byte[] SecretHash() => Hash(Secret);

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Parses a token of the given prefix; false for anything malformed (never throws).</summary>
    public static bool TryParse(string? text, string prefix, out ApiKeyToken token)
    {
        token = default;
        if (string.IsNullOrEmpty(text) || text.Length > 200) return false;
        var parts = text.Split('_', 4);
        if (parts.Length != 4 || parts[0] != prefix) return false;
        if (parts[1].Length is 0 or > 64 || parts[2].Length is 0 or > 64 || parts[3].Length < 32) return false;
        if (!parts[1].All(char.IsAsciiLetterOrDigit) || !parts[2].All(char.IsAsciiHexDigitLower)) return false;
        token = new ApiKeyToken(parts[0], parts[1], parts[2], parts[3]);
        return true;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
