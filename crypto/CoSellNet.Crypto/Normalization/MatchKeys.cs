using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;

namespace CoSellNet.Crypto;

/// <summary>
/// Turns what a CRM holds (a website, URL, e-mail address, bare domain, or a company name) into a
/// <see cref="MatchKey"/>, or says why it cannot. Deterministic and thread-safe: two partners who
/// know the same company make the same key.
/// </summary>
public static class MatchKeys
{
    private const int MaxLabelLength = 63;
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };
    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");
    private static readonly SearchValues<char> DigitsAndDots = SearchValues.Create("0123456789.");

    /// <summary>
    /// The registrable domain (eTLD+1, punycode) of a website, URL, e-mail address or host name:
    /// trims; lower-cases; strips scheme, user info, e-mail local part, <c>www.</c>, port, path,
    /// query, fragment and trailing dot; folds subdomains with the Public Suffix List (private
    /// section included, so <c>acme.github.io</c> stays itself). Free-mail domains, IP addresses,
    /// bare public suffixes and garbage give no key.
    /// </summary>
    public static MatchKeyResult FromDomainLike(string? value) => FromDomainLike(value, alwaysIdna: false);

    /// <summary>
    /// <see cref="FromDomainLike(string?)"/>; with <paramref name="alwaysIdna"/>, every host goes through
    /// IDNA, plain ASCII too: the reference the shortcut for plain ASCII is tested against.
    /// </summary>
    // Per row of an import: compiled optimized at its first call rather than run as ReadyToRun code,
    // which inlines nothing from another assembly (the runtime's span helpers) and calls through
    // stubs until the runtime compiles it again, late in a large import (~0.5 CPU-s at 1,000,000 rows
    // with the import's own such methods).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static MatchKeyResult FromDomainLike(string? value, bool alwaysIdna)
    {
        if (string.IsNullOrWhiteSpace(value)) return MatchKeyResult.Rejected(KeyRejection.Empty);
        var host = HostOf(value.AsSpan().Trim());
        if (host.IsEmpty) return MatchKeyResult.Rejected(KeyRejection.Invalid);
        if (host[0] == '[' || IsIpAddress(host)) return MatchKeyResult.Rejected(KeyRejection.IpAddress);

        Span<char> lowered = stackalloc char[MatchKey.MaxLength];
        // A value that is its own host, in lower case already (a clean export's "acme.com"), is the key's string as well: one string less per row.
        if (!alwaysIdna && LowerPlainAscii(host, lowered) is var length and >= 0)
            return FromAscii(lowered[..length], length == value.Length && lowered[..length].SequenceEqual(value) ? value : null);

        string ascii;
        try { ascii = Idn.GetAscii(host.ToString().ToLowerInvariant()); }
        catch (ArgumentException) { return MatchKeyResult.Rejected(KeyRejection.Invalid); }
        return FromAscii(ascii, ascii);
    }

    /// <summary>
    /// A host of ASCII letters, digits, dots and hyphens, lower-cased into <paramref name="into"/>:
    /// its length, or -1 when the host needs IDNA (other characters, an ACE label "xn--...", or longer than a key).
    /// </summary>
    /// <remarks>
    /// IDNA (UTS #46 through ICU, ~1 µs a call with an ICU object opened and closed each time) maps
    /// such a host to itself, lower case aside, or fails on an empty, too long or hyphen-edged label or
    /// a name over 253 characters; <see cref="IsDomainName"/> refuses all of those as well (a longer
    /// host is left to IDNA), so skipping IDNA for it changes no key and no rejection.
    /// </remarks>
    // Per row: see FromDomainLike.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LowerPlainAscii(ReadOnlySpan<char> host, Span<char> into)
    {
        if (host.Length > into.Length) return -1;
        for (var i = 0; i < host.Length; i++)
        {
            var c = host[i];
            if (char.IsAsciiLetterUpper(c)) c = (char)(c | 0x20);
            else if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')) return -1;
            into[i] = c;
        }
        var lowered = into[..host.Length];
        return lowered.StartsWith("xn--", StringComparison.Ordinal) || lowered.Contains(".xn--", StringComparison.Ordinal) ? -1 : host.Length;
    }

    /// <summary>The key of a host in lower-case punycode; <paramref name="whole"/> is a string of exactly <paramref name="ascii"/> when there is one, kept as the key when it is all of it.</summary>
    // Per row: see FromDomainLike.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static MatchKeyResult FromAscii(ReadOnlySpan<char> ascii, string? whole)
    {
        if (ascii.StartsWith("www.", StringComparison.Ordinal) && ascii[4..].Contains('.'))
        {
            ascii = ascii[4..];
            whole = null;
        }
        if (!IsDomainName(ascii)) return MatchKeyResult.Rejected(KeyRejection.Invalid);

        var freeMail = ReferenceData.FreeMailDomains;
        if (freeMail.Contains(ascii)) return MatchKeyResult.Rejected(KeyRejection.FreeMail);
        var start = ReferenceData.PublicSuffixes.RegistrableDomainStart(ascii);
        if (start < 0) return MatchKeyResult.Rejected(KeyRejection.PublicSuffix);
        if (start > 0 && freeMail.Contains(ascii[start..])) return MatchKeyResult.Rejected(KeyRejection.FreeMail);
        var key = start == 0 && whole is not null ? whole : ascii[start..].ToString();
        return new MatchKeyResult(new MatchKey(MatchKeyKind.Domain, key), KeyRejection.None);
    }

    /// <summary>
    /// The normalized company name: Unicode NFKC, lower case, <c>&amp;</c> → "and", punctuation
    /// removed, a leading "The" and trailing legal forms (Inc, LLC, GmbH, S.A., Pty Ltd, ...) dropped.
    /// A weaker key than the domain: different companies can share a name.
    /// </summary>
    public static MatchKeyResult FromCompanyName(string? value) => CompanyNames.Normalize(value);

    /// <summary>
    /// The host part of whatever was given: after the scheme and user info (or an e-mail local
    /// part), before the port, path, query or fragment, without a trailing dot.
    /// </summary>
    // Per row: see FromDomainLike.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<char> HostOf(ReadOnlySpan<char> value)
    {
        var scheme = value.IndexOf("://".AsSpan(), StringComparison.Ordinal);
        if (scheme >= 0) value = value[(scheme + 3)..];
        else if (value.StartsWith("//")) value = value[2..];
        else if (value.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)) value = value[7..];

        var end = value.IndexOfAny('/', '?', '#');
        if (end >= 0) value = value[..end];
        var at = value.LastIndexOf('@');
        if (at >= 0) value = value[(at + 1)..];
        if (value.StartsWith("[")) return value; // an IPv6 literal
        var colon = value.IndexOf(':');
        if (colon >= 0)
        {
            // One colon is a port; more is an unbracketed IPv6 address.
            if (value[(colon + 1)..].Contains(':')) return value;
            value = value[..colon];
        }
        return value.TrimEnd('.').Trim();
    }

    private static bool IsIpAddress(ReadOnlySpan<char> host) =>
        host.Contains(':') ? IPAddress.TryParse(host, out _)
        // Only dotted digits count as IPv4 here: "1" or "0x7f.1" parse as addresses but are not written as hosts.
        : !host.ContainsAnyExcept(DigitsAndDots) && IPAddress.TryParse(host, out _);

    // Per row: see FromDomainLike.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsDomainName(ReadOnlySpan<char> host)
    {
        if (host.Length is 0 or > MatchKey.MaxLength || !host.Contains('.')) return false;
        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) return false;
        }
        // A top-level domain is never all digits (RFC 3696 section 2).
        return host[(host.LastIndexOf('.') + 1)..].ContainsAnyExcept(Digits);
    }
}
