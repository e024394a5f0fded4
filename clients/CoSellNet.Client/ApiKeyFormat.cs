namespace CoSellNet.Client;

/// <summary>
/// The shape of CoSellNet API keys, <c>csn_&lt;principal&gt;_&lt;keyId&gt;_&lt;secret&gt;</c>, where the principal is a
/// partner id or <c>op</c> for the node operator. Helps show a key without its secret.
/// </summary>
public static class ApiKeyFormat
{
    /// <summary>The principal of the node operator's keys.</summary>
    public const string OperatorPrincipal = "op";

    private const string KeyPrefix = "csn";
    private const string InvitationPrefix = "inv";

    /// <summary>Splits a key into its principal and key id; false if it is not shaped like an API key.</summary>
    public static bool TryParse(string? key, out string principal, out string keyId)
    {
        principal = keyId = "";
        if (string.IsNullOrEmpty(key) || key.Length > 200) return false;
        var parts = key.Split('_', 4);
        if (parts.Length != 4 || parts[0] != KeyPrefix) return false;
        if (parts[1].Length is 0 or > 64 || !parts[1].All(char.IsAsciiLetterOrDigit)) return false;
        if (parts[2].Length is 0 or > 64 || !parts[2].All(char.IsAsciiHexDigitLower)) return false;
        if (parts[3].Length < 32 || !parts[3].All(IsSecretChar)) return false;
        principal = parts[1];
        keyId = parts[2];
        return true;
    }

    /// <summary>True if the text is shaped like an API key (the node still decides whether it is valid).</summary>
    public static bool IsWellFormed(string? key) => TryParse(key, out _, out _);

    /// <summary>
    /// The key without its secret, e.g. <c>csn_4f2a…_9c1d…_****</c>, safe to print or log.
    /// Anything not shaped like a key becomes <c>****</c>.
    /// </summary>
    public static string Redact(string? key) =>
        TryParse(key, out var principal, out var keyId) ? $"{KeyPrefix}_{principal}_{keyId}_****" : "****";

    /// <summary>Throws an <see cref="ArgumentException"/> that says what is wrong with a key, without echoing it.</summary>
    internal static void ThrowIfMalformed(string key, string what)
    {
        if (IsWellFormed(key)) return;
        var hint = key.StartsWith(InvitationPrefix + "_", StringComparison.Ordinal)
            ? "This is an invitation token, not an API key: redeem it to get a key."
            : key.Any(char.IsWhiteSpace)
                ? "It contains whitespace; copy the key exactly."
                : "Keys look like csn_<partnerId>_<keyId>_<secret>; copy the whole key.";
        throw new ArgumentException($"{what} is not a CoSellNet API key. {hint}");
    }

    private static bool IsSecretChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
