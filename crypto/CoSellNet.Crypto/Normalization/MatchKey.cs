namespace CoSellNet.Crypto;

/// <summary>What a match key was made from.</summary>
public enum MatchKeyKind : byte
{
    /// <summary>The registrable domain of the company's website (eTLD+1), in punycode.</summary>
    Domain = 1,
    /// <summary>The normalized company name: a weaker, optional second key.</summary>
    CompanyName = 2,
}

/// <summary>
/// A normalized match key. Only <see cref="MatchKeys"/> makes them, so two records of the same
/// company always produce equal keys, and keys of different kinds never collide when blinded.
/// </summary>
public readonly record struct MatchKey
{
    /// <summary>Longest <see cref="Value"/> in characters (a DNS name is at most 253).</summary>
    public const int MaxLength = 253;

    internal MatchKey(MatchKeyKind kind, string value)
    {
        Kind = kind;
        Value = value;
    }

    /// <summary>What the key was made from.</summary>
    public MatchKeyKind Kind { get; }

    /// <summary>The normalized text, e.g. <c>acme.com</c> or <c>acme widgets</c>.</summary>
    public string Value { get; }

    /// <summary>A compact text form for a local store: <c>d:acme.com</c> or <c>n:acme widgets</c>. Read back with <see cref="Parse"/>.</summary>
    public override string ToString() => (Kind == MatchKeyKind.Domain ? "d:" : "n:") + Value;

    /// <summary>Reads <see cref="ToString"/>'s form back, normalizing again so that a stored key can never be unnormalized.</summary>
    /// <exception cref="FormatException">The text is not a stored match key.</exception>
    public static MatchKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = text.StartsWith("d:", StringComparison.Ordinal) ? MatchKeys.FromDomainLike(text[2..])
            : text.StartsWith("n:", StringComparison.Ordinal) ? MatchKeys.FromCompanyName(text[2..])
            : throw new FormatException("A stored match key starts with 'd:' (domain) or 'n:' (company name).");
        if (result.Key is not { } key || key.Value != text[2..])
            throw new FormatException($"'{text}' is not a normalized match key.");
        return key;
    }
}

/// <summary>Why a value gave no match key.</summary>
public enum KeyRejection
{
    /// <summary>A key was made.</summary>
    None = 0,
    /// <summary>The value is empty.</summary>
    Empty,
    /// <summary>The value is not a domain, URL, e-mail address or company name.</summary>
    Invalid,
    /// <summary>The host is an IP address, which says nothing about the company.</summary>
    IpAddress,
    /// <summary>The host is itself a public suffix (e.g. <c>co.uk</c>), shared by many companies.</summary>
    PublicSuffix,
    /// <summary>The domain is a free e-mail provider's, never a company's.</summary>
    FreeMail,
}

/// <summary>The outcome of normalizing one value: a key, or the reason there is none.</summary>
public readonly record struct MatchKeyResult(MatchKey? Key, KeyRejection Rejection)
{
    /// <summary>True when a key was made.</summary>
    public bool IsValid => Key is not null;

    /// <summary>A short English explanation of the rejection, or null when a key was made.</summary>
    public string? Reason => Rejection switch
    {
        KeyRejection.None => null,
        KeyRejection.Empty => "empty",
        KeyRejection.Invalid => "not a domain name",
        KeyRejection.IpAddress => "an IP address",
        KeyRejection.PublicSuffix => "a public suffix shared by many companies",
        KeyRejection.FreeMail => "a free e-mail provider",
        _ => Rejection.ToString(),
    };

    internal static MatchKeyResult Rejected(KeyRejection why) => new(null, why);
}
