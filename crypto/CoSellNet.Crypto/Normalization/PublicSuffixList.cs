using System.Globalization;
using System.Runtime.CompilerServices;

namespace CoSellNet.Crypto;

/// <summary>
/// The Public Suffix List algorithm (https://publicsuffix.org/list/): normal, wildcard and
/// exception rules, ICANN and private sections alike, the implicit <c>*</c> rule when none
/// matches. Rules are held in punycode; lookups allocate nothing.
/// </summary>
internal sealed class PublicSuffixList
{
    /// <summary>What the list says of one name; a name can be several at once (<c>ck</c> is the parent of <c>*.ck</c>).</summary>
    [Flags]
    private enum Rules : byte
    {
        None = 0,
        /// <summary>The name is a rule: it is a public suffix.</summary>
        Suffix = 1,
        /// <summary>"*.name" is a rule: every name one label longer is a public suffix.</summary>
        WildcardParent = 2,
        /// <summary>"!name" is a rule: the name is registrable although a wildcard covers it.</summary>
        Exception = 4,
    }

    // One table for the three kinds of rule: a host costs one lookup per label, not three
    // (the lookups are most of the time a match key takes; the table is too big for the cache).
    private readonly NameTable rules;

    private PublicSuffixList(Dictionary<string, Rules> rules) =>
        this.rules = new NameTable(rules.Select(rule => KeyValuePair.Create(rule.Key, (byte)rule.Value)));

    public static PublicSuffixList Parse(IEnumerable<string> lines)
    {
        var idn = new IdnMapping();
        var rules = new Dictionary<string, Rules>(StringComparer.Ordinal);
        void Add(string name, Rules kind) => rules[name] = rules.GetValueOrDefault(name) | kind;
        foreach (var raw in lines)
        {
            // A rule is the first whitespace-delimited token of a line; "//" starts a comment.
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            var end = line.IndexOfAny([' ', '\t']);
            var rule = (end < 0 ? line : line[..end]).ToLowerInvariant();
            if (rule.StartsWith('!')) Add(idn.GetAscii(rule[1..]), Rules.Exception);
            else if (rule.StartsWith("*.", StringComparison.Ordinal)) Add(idn.GetAscii(rule[2..]), Rules.WildcardParent);
            else Add(idn.GetAscii(rule), Rules.Suffix);
        }
        return new PublicSuffixList(rules);
    }

    /// <summary>
    /// The start of the registrable domain (eTLD+1) in <paramref name="host"/> (lower-case punycode,
    /// no trailing dot), or -1 when the host is itself a public suffix.
    /// </summary>
    // Per match key: compiled optimized at its first call (see MatchKeys.FromDomainLike).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int RegistrableDomainStart(ReadOnlySpan<char> host)
    {
        // Walk from the longest candidate (the whole host) to the shortest: the first rule that
        // matches is the longest, which is the prevailing one; exception rules are always longer
        // than the wildcard they carve out, so meeting one first is the PSL's precedence too.
        // The parent looked up for a candidate's wildcard is the next candidate: each is looked up once.
        var previousStart = -1;
        var start = 0;
        var candidateRules = Of(host);
        while (true)
        {
            var candidate = host[start..];
            if ((candidateRules & Rules.Exception) != 0)
                // The exception's own name is registrable: the suffix is one label shorter.
                return start;
            var nextDot = candidate.IndexOf('.');
            var parentRules = nextDot >= 0 ? Of(candidate[(nextDot + 1)..]) : Rules.None;
            if ((candidateRules & Rules.Suffix) != 0 || (parentRules & Rules.WildcardParent) != 0)
                return previousStart;
            if (nextDot < 0)
                // The implicit "*" rule: the last label is the suffix.
                return previousStart;
            previousStart = start;
            start += nextDot + 1;
            candidateRules = parentRules;
        }
    }

    private Rules Of(ReadOnlySpan<char> name) => (Rules)rules.Find(name);
}
