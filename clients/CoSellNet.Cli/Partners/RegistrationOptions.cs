using System.CommandLine;
using System.Text.RegularExpressions;
using CoSellNet.Cli.App;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Partners;

/// <summary>The options that describe a partner, shared by 'partners create', 'invitations redeem' and 'me update'.</summary>
internal sealed partial class RegistrationOptions
{
    public Option<string?> Name { get; } = new("--name") { Description = "The company's name." };
    public Option<string?> Domain { get; } = new("--domain") { Description = "The company's website domain, e.g. acme.com." };
    public Option<PartnerType?> Type { get; } = CommandBuilder.EnumOption<PartnerType>("--type", "What kind of partner");
    public Option<string?> Tier { get; } = new("--tier") { Description = "The partner's tier, e.g. gold." };
    public Option<string[]> Industries { get; } = CommandBuilder.Repeated("--industry", "An industry the partner works in.");
    public Option<string[]> Regions { get; } = CommandBuilder.Repeated("--region", "A region the partner works in.");
    public Option<string[]> Products { get; } = CommandBuilder.Repeated("--product", "A product the partner sells or builds.");
    public Option<string[]> Populations { get; } = CommandBuilder.Repeated("--population",
        $"A population of accounts (standard: {string.Join(", ", Vocabulary.StandardPopulations)}; custom names allowed).",
        text => PopulationName().IsMatch(text)
            ? null
            : $"'{text}' is not a population name: lower-case letters, digits and dashes, starting with a letter, at most 40 characters.");
    public Option<string?> ContactEmail { get; } = new("--contact-email") { Description = "A contact e-mail only the partner itself sees." };
    public Option<SharingLevel?> DefaultSharing { get; } = CommandBuilder.EnumOption<SharingLevel>("--default-sharing", "The sharing level new partnerships start from");

    /// <param name="required">Whether name, domain and type must be given (creating), or all are optional (updating).</param>
    public RegistrationOptions(bool required)
    {
        Name.Required = Domain.Required = Type.Required = required;
    }

    public IEnumerable<Option> All => [Name, Domain, Type, Tier, Industries, Regions, Products, Populations, ContactEmail, DefaultSharing];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    /// <summary>A new partner's registration from the options (name, domain and type are required by the parser).</summary>
    public PartnerRegistration Build(CommandContext ctx)
    {
        var email = Trimmed(ctx.Get(ContactEmail));
        var sharing = ctx.Get(DefaultSharing);
        return new PartnerRegistration(
            Trimmed(ctx.Get(Name)) ?? "",
            Trimmed(ctx.Get(Domain)) ?? "",
            ctx.Get(Type) ?? default,
            Trimmed(ctx.Get(Tier)),
            new Capabilities(Values(ctx, Industries), Values(ctx, Regions), Values(ctx, Products)),
            Values(ctx, Populations),
            PublicKeys: null,
            PrivateSettings: email is null && sharing is null ? null : new PrivateSettings(email, sharing ?? SharingLevel.None));
    }

    /// <summary>Throws a usage error when none of the options was given.</summary>
    public void RequireAny(CommandContext ctx)
    {
        if (!All.Any(o => ctx.Parse.GetResult(o) is { Implicit: false }))
            throw new CliException("Nothing to update: give at least one of " + string.Join(", ", All.Select(o => o.Name)) + ".");
    }

    /// <summary>
    /// My current profile with the given options changed; options not given keep their values, and a
    /// repeated option replaces its whole list.
    /// </summary>
    public PartnerRegistration Merge(CommandContext ctx, PartnerProfile current)
    {
        var e = current.Entry;
        var caps = e.Capabilities ?? new Capabilities();
        var settings = current.PrivateSettings ?? new PrivateSettings();
        return new PartnerRegistration(
            Trimmed(ctx.Get(Name)) ?? e.Name,
            Trimmed(ctx.Get(Domain)) ?? e.Domain,
            ctx.Get(Type) ?? e.Type,
            Trimmed(ctx.Get(Tier)) ?? e.Tier,
            new Capabilities(
                Values(ctx, Industries) ?? caps.Industries,
                Values(ctx, Regions) ?? caps.Regions,
                Values(ctx, Products) ?? caps.Products),
            Values(ctx, Populations) ?? e.Populations,
            PublicKeys: null, // the node keeps the published keys
            new PrivateSettings(
                Trimmed(ctx.Get(ContactEmail)) ?? settings.ContactEmail,
                ctx.Get(DefaultSharing) ?? settings.DefaultSharing));
    }

    private static string[]? Values(CommandContext ctx, Option<string[]> option) =>
        ctx.Get(option) is { Length: > 0 } values
            ? [.. values.Select(v => v.Trim()).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal)]
            : null;

    private static string? Trimmed(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    [GeneratedRegex(Vocabulary.PopulationPattern)]
    private static partial Regex PopulationName();
}
