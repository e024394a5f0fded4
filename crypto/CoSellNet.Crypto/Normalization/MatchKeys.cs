using System.Globalization;
using System.Net;

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

    /// <summary>
    /// The registrable domain (eTLD+1, punycode) of a website, URL, e-mail address or host name:
    /// trims; lower-cases; strips scheme, user info, e-mail local part, <c>www.</c>, port, path,
    /// query, fragment and trailing dot; folds subdomains with the Public Suffix List (private
    /// section included, so <c>acme.github.io</c> stays itself). Free-mail domains, IP addresses,
    /// bare public suffixes and garbage give no key.
    /// </summary>
    public static MatchKeyResult FromDomainLike(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return MatchKeyResult.Rejected(KeyRejection.Empty);
        var host = HostOf(value.AsSpan().Trim());
        if (host.IsEmpty) return MatchKeyResult.Rejected(KeyRejection.Invalid);
        if (host[0] == '[' || IsIpAddress(host)) return MatchKeyResult.Rejected(KeyRejection.IpAddress);

        string ascii;
        try { ascii = Idn.GetAscii(host.ToString().ToLowerInvariant()); }
        catch (ArgumentException) { return MatchKeyResult.Rejected(KeyRejection.Invalid); }
        if (ascii.StartsWith("www.", StringComparison.Ordinal) && ascii.IndexOf('.', 4) > 0) ascii = ascii[4..];
        if (!IsDomainName(ascii)) return MatchKeyResult.Rejected(KeyRejection.Invalid);

        var freeMail = ReferenceData.FreeMailDomains;
        if (freeMail.Contains(ascii)) return MatchKeyResult.Rejected(KeyRejection.FreeMail);
        var start = ReferenceData.PublicSuffixes.RegistrableDomainStart(ascii);
        if (start < 0) return MatchKeyResult.Rejected(KeyRejection.PublicSuffix);
        var domain = ascii.AsSpan(start);
        if (freeMail.Contains(domain)) return MatchKeyResult.Rejected(KeyRejection.FreeMail);
        return new MatchKeyResult(new MatchKey(MatchKeyKind.Domain, start == 0 ? ascii : domain.ToString()), KeyRejection.None);
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
        : !host.ContainsAnyExcept("0123456789.") && IPAddress.TryParse(host, out _);

    private static bool IsDomainName(string host)
    {
        if (host.Length is 0 or > MatchKey.MaxLength || !host.Contains('.')) return false;
        foreach (var range in host.AsSpan().Split('.'))
        {
            var label = host.AsSpan(range);
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) return false;
        }
        // A top-level domain is never all digits (RFC 3696 section 2).
        return host.AsSpan(host.LastIndexOf('.') + 1).ContainsAnyExcept("0123456789");
    }
}
