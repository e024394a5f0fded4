namespace CoSellNet.Silo.Partnerships;

/// <summary>A partnership's grain key: the two partner ids in ordinal order, so both sides address one grain.</summary>
public static class PartnershipKey
{
    public static string For(string a, string b) =>
        string.CompareOrdinal(a, b) < 0 ? $"{a}|{b}" : $"{b}|{a}";

    public static (string Low, string High) Split(string key)
    {
        var bar = key.IndexOf('|');
        return (key[..bar], key[(bar + 1)..]);
    }
}
