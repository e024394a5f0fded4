using System.Globalization;
using System.Text;

namespace CoSellNet.Crypto;

/// <summary>Company-name normalization behind <see cref="MatchKeys.FromCompanyName"/>.</summary>
internal static class CompanyNames
{
    // Legal forms as they read once dots are dropped ("S.A." → "sa", "Sp. z o.o." → "sp z oo").
    // Dropped from the end only, repeatedly, so "Acme Pty Ltd" and "Acme GmbH & Co. KG" fold too.
    private static readonly HashSet<string> LegalForms = new(StringComparer.Ordinal)
    {
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co", "company",
        "plc", "pty", "pte", "gmbh", "ag", "kg", "ohg", "ug", "se", "sa", "sas", "sarl", "srl", "sl", "spa",
        "bv", "nv", "vof", "kk", "oy", "oyj", "ab", "as", "asa", "aps", "sro", "sp", "zoo", "oo", "z",
        "pvt", "bhd", "sdn", "tbk", "ltda", "cia", "cv", "de", "rl", "eirl", "kft", "zrt", "doo", "dd",
    };

    private const string And = "and";

    // What CRMs hold where nobody typed a name: such rows would otherwise all match each other.
    private static readonly HashSet<string> Placeholders = new(StringComparer.Ordinal)
    {
        "n a", "na", "none", "null", "nil", "unknown", "tbd", "tba", "test", "x", "xx", "xxx", "no name", "noname",
        "company", "account", "customer", "prospect", "private", "individual", "self", "self employed", "various", "other",
    };

    public static MatchKeyResult Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return MatchKeyResult.Rejected(KeyRejection.Empty);
        var text = value.Normalize(NormalizationForm.FormKC).ToLowerInvariant();

        var cleaned = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c == '&' || c == '+') cleaned.Append(" and ");
            // Dots and apostrophes join what they separate: "S.A." → "sa", "O'Brien" → "obrien".
            else if (c is '.' or '\'' or '’' or '`') continue;
            else if (char.IsLetterOrDigit(c)) cleaned.Append(c);
            else if (char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark) cleaned.Append(c);
            else cleaned.Append(' ');
        }

        var tokens = cleaned.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        // Every leading "The", so that a key is a fixed point of normalization ("The The Acme" → "acme", never "the acme").
        while (tokens.Count > 1 && tokens[0] == "the") tokens.RemoveAt(0);
        var keep = tokens.Count;
        // Drop trailing legal forms, and an "and" left dangling before them ("GmbH & Co KG"), keeping at least one token.
        while (keep > 1 && (LegalForms.Contains(tokens[keep - 1]) || (tokens[keep - 1] == And && keep < tokens.Count)))
            keep--;
        if (keep == 0) return MatchKeyResult.Rejected(KeyRejection.Invalid);
        var name = string.Join(' ', tokens.Take(keep));
        if (name.Length > MatchKey.MaxLength || Placeholders.Contains(name) || !name.Any(char.IsLetter))
            return MatchKeyResult.Rejected(KeyRejection.Invalid);
        return new MatchKeyResult(new MatchKey(MatchKeyKind.CompanyName, name), KeyRejection.None);
    }
}
