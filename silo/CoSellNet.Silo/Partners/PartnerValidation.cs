using System.Text.RegularExpressions;
using CoSellNet.Crypto;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Partners;

/// <summary>Checks what a partner says about itself, naming every problem at once.</summary>
public static partial class PartnerValidation
{
    public const int MaxTierLength = 40;
    public const int MaxEmailLength = 254;

    /// <summary>Validates and normalizes a registration into state (keeping what the state already has).</summary>
    public static PartnerState Apply(PartnerState current, PartnerRegistration r)
    {
        var v = new Validator();
        v.Text(r.Name, "name", Vocabulary.MaxNameLength);
        var domain = NormalizeDomain(r.Domain, v);
        v.Require(Enum.IsDefined(r.Type), "type", $"must be one of: {string.Join(", ", PartnerTypes)}.");
        v.Text(r.Tier, "tier", MaxTierLength, required: false);
        var caps = r.Capabilities ?? new Capabilities();
        v.List(caps.Industries, "capabilities.industries", Vocabulary.MaxCapabilityItems, Vocabulary.MaxCapabilityLength);
        v.List(caps.Regions, "capabilities.regions", Vocabulary.MaxCapabilityItems, Vocabulary.MaxCapabilityLength);
        v.List(caps.Products, "capabilities.products", Vocabulary.MaxCapabilityItems, Vocabulary.MaxCapabilityLength);
        var populations = Populations(r.Populations, v);
        var settings = r.PrivateSettings ?? new PrivateSettings();
        if (settings.ContactEmail is not null)
        {
            v.Text(settings.ContactEmail, "privateSettings.contactEmail", MaxEmailLength);
            v.Require(EmailShape().IsMatch(settings.ContactEmail), "privateSettings.contactEmail", "is not an e-mail address.");
        }
        v.Require(Enum.IsDefined(settings.DefaultSharing), "privateSettings.defaultSharing", "must be one of: none, counts, overlaps, fields.");
        var keys = r.PublicKeys is null ? null : CheckKeys(r.PublicKeys, v);
        v.ThrowIfInvalid();

        return current with
        {
            Name = r.Name.Trim(),
            Domain = domain!,
            Type = r.Type,
            Tier = string.IsNullOrWhiteSpace(r.Tier) ? "registered" : r.Tier.Trim(),
            Industries = Clean(caps.Industries),
            Regions = Clean(caps.Regions),
            Products = Clean(caps.Products),
            Populations = populations,
            ContactEmail = settings.ContactEmail?.Trim(),
            DefaultSharing = settings.DefaultSharing,
            KeysVersion = keys?.Version ?? current.KeysVersion,
            X25519 = keys?.X25519 ?? current.X25519,
            Ed25519 = keys?.Ed25519 ?? current.Ed25519,
        };
    }

    /// <summary>Checks a public key document with the crypto library's own parser.</summary>
    public static PublicKeys CheckKeys(PublicKeys keys, Validator v)
    {
        if (!PublicKeyDocument.TryParse(keys.Version, keys.X25519 ?? "", keys.Ed25519 ?? "", out _, out var error))
            v.Add("publicKeys", error + " Export the document with `cosell keys init` or CoSellNet.Crypto's PublicKeyDocument.");
        return keys;
    }

    private static readonly string[] PartnerTypes = ["vendor", "reseller", "referral", "influence", "technology", "service"];

    private static string? NormalizeDomain(string? input, Validator v)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            v.Add("domain", "is required: give the company's website domain, e.g. acme.com.");
            return null;
        }
        var key = MatchKeys.FromDomainLike(input);
        if (key.Key is not { } domain)
        {
            v.Add("domain", $"'{Shorten(input)}' is not a company website domain ({key.Reason}). Give the registrable domain of the company's website, e.g. acme.com.");
            return null;
        }
        return domain.Value;
    }

    private static string[] Populations(IReadOnlyList<string>? requested, Validator v)
    {
        var all = new List<string>(Vocabulary.StandardPopulations);
        if (requested is null) return [.. all];
        v.Require(requested.Count <= Vocabulary.MaxPopulations, "populations", $"has {requested.Count} items; the limit is {Vocabulary.MaxPopulations}.");
        for (var i = 0; i < requested.Count && i < Vocabulary.MaxPopulations; i++)
        {
            var p = requested[i];
            if (p is null || !PopulationName().IsMatch(p))
                v.Add($"populations[{i}]", $"'{Shorten(p)}' is not a population name: use lower-case letters, digits and dashes, starting with a letter, at most 40 characters.");
            else if (!all.Contains(p)) all.Add(p);
        }
        return [.. all];
    }

    private static string[] Clean(IReadOnlyList<string>? values) =>
        values is null ? [] : [.. values.Select(x => x.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)];

    private static string Shorten(string? s) => s is null ? "" : s.Length <= 60 ? s : s[..60] + "…";

    [GeneratedRegex(Vocabulary.PopulationPattern)]
    private static partial Regex PopulationName();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailShape();
}
