using System.Globalization;

namespace CoSellNet.Crypto;

/// <summary>
/// The Public Suffix List algorithm (https://publicsuffix.org/list/): normal, wildcard and
/// exception rules, ICANN and private sections alike, the implicit <c>*</c> rule when none
/// matches. Rules are held in punycode; lookups allocate nothing.
/// </summary>
internal sealed class PublicSuffixList
{
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> rules;
    // "*.ck" is stored as "ck": a name one label longer than a stored parent is a suffix.
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> wildcardParents;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> exceptions;

    private PublicSuffixList(HashSet<string> rules, HashSet<string> wildcardParents, HashSet<string> exceptions)
    {
        this.rules = rules.GetAlternateLookup<ReadOnlySpan<char>>();
        this.wildcardParents = wildcardParents.GetAlternateLookup<ReadOnlySpan<char>>();
        this.exceptions = exceptions.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static PublicSuffixList Parse(IEnumerable<string> lines)
    {
        var idn = new IdnMapping();
        HashSet<string> rules = new(StringComparer.Ordinal), wildcards = new(StringComparer.Ordinal), exceptions = new(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            // A rule is the first whitespace-delimited token of a line; "//" starts a comment.
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            var end = line.IndexOfAny([' ', '\t']);
            var rule = (end < 0 ? line : line[..end]).ToLowerInvariant();
            if (rule.StartsWith('!')) exceptions.Add(idn.GetAscii(rule[1..]));
            else if (rule.StartsWith("*.", StringComparison.Ordinal)) wildcards.Add(idn.GetAscii(rule[2..]));
            else rules.Add(idn.GetAscii(rule));
        }
        return new PublicSuffixList(rules, wildcards, exceptions);
    }

    /// <summary>
    /// The start of the registrable domain (eTLD+1) in <paramref name="host"/> (lower-case punycode,
    /// no trailing dot), or -1 when the host is itself a public suffix.
    /// </summary>
    public int RegistrableDomainStart(ReadOnlySpan<char> host)
    {
        // Walk from the longest candidate (the whole host) to the shortest: the first rule that
        // matches is the longest, which is the prevailing one; exception rules are always longer
        // than the wildcard they carve out, so meeting one first is the PSL's precedence too.
        var previousStart = -1;
        var start = 0;
        while (true)
        {
            var candidate = host[start..];
            var nextDot = candidate.IndexOf('.');
            if (exceptions.Contains(candidate))
                // The exception's own name is registrable: the suffix is one label shorter.
                return start;
            if (rules.Contains(candidate) || (nextDot >= 0 && wildcardParents.Contains(candidate[(nextDot + 1)..])))
                return previousStart;
            if (nextDot < 0)
                // The implicit "*" rule: the last label is the suffix.
                return previousStart;
            previousStart = start;
            start += nextDot + 1;
        }
    }
}
