namespace CoSellNet.Crypto.Tests.Support;

/// <summary>Hex as the RFCs print it: whitespace between groups is ignored.</summary>
internal static class Hex
{
    public static byte[] Decode(string hex) =>
        Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
