using System.CommandLine;
using System.Globalization;
using CoSellNet.Cli.App;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Rooms;

/// <summary>
/// The arguments and options of <c>cosell rooms</c> and <c>cosell programs</c>, each checked as the
/// command line is parsed against the node's own limits (<see cref="RoomLimits"/>, <see cref="DealRules"/>),
/// so that a bad value is a usage error (exit 2) and nothing is sent.
/// </summary>
internal static class RoomOptions
{
    public static readonly DateOnly EarliestDate = new(2000, 1, 1);
    public static readonly DateOnly LatestDate = new(2100, 12, 31);

    /// <summary>Whether <paramref name="text"/> is a room or registration id: 32 hex digits (the node's ids are lower case).</summary>
    public static bool IsHexId(string text) => text.Length == 32 && text.All(char.IsAsciiHexDigit);

    public static Argument<string> RoomId() => HexId("room-id", "The room's id (see 'cosell rooms list').", "room");

    public static Argument<string> RegistrationId() =>
        HexId("registration-id", "The registration's id (see 'cosell programs registrations').", "registration");

    private static Argument<string> HexId(string name, string description, string what) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            if (!IsHexId(text)) result.AddError($"'{text}' is not a {what} id: {what} ids are 32 hex digits.");
            return text.ToLowerInvariant();
        },
    };

    public static Argument<int> Number(string name, string description, string what) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id >= 1) return id;
            result.AddError($"'{text}' is not a {what} id: {what} ids are numbers from 1 (see the Id column).");
            return 0;
        },
    };

    /// <summary>A free text option checked for length (and, when <paramref name="required"/>, for being there and not blank).</summary>
    public static Option<string?> Text(string name, string description, int maxLength, bool required = false) => new(name)
    {
        Description = $"{description} At most {maxLength:N0} characters.",
        Required = required,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            if (text.Length == 0) result.AddError($"{name} must not be empty.");
            else if (text.Length > maxLength) result.AddError($"{name} is {text.Length:N0} characters long; the limit is {maxLength:N0}.");
            return text;
        },
    };

    public static Option<string?> Domain() => new("--domain")
    {
        Description = "The account's web domain, e.g. acme.com (a URL works too: the node keeps the registrable domain).",
        Required = true,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            var key = MatchKeys.FromDomainLike(text);
            if (key.Key is null)
                result.AddError(key.Rejection switch
                {
                    KeyRejection.Empty => "--domain must not be empty: give the account's web domain, e.g. acme.com.",
                    KeyRejection.FreeMail => $"--domain '{text}' is a free e-mail provider, not a company's domain.",
                    KeyRejection.PublicSuffix => $"--domain '{text}' is a public suffix shared by many companies; give the company's own domain.",
                    KeyRejection.IpAddress => $"--domain '{text}' is an IP address; give the company's web domain.",
                    _ => $"--domain '{text}' is not a domain; give the company's web domain, e.g. acme.com.",
                });
            return text;
        },
    };

    /// <summary>--from-overlap partner-id:record-id.</summary>
    public static Option<OverlapReference?> FromOverlap() => new("--from-overlap")
    {
        Description = "Open the room from one of my overlaps: the partner's id and my record id (32 hex digits), as partner-id:record-id. " +
                      "The overlap must be visible to me now; only I ever see this reference.",
        HelpName = "partner-id:record-id",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            var parts = text.Split(':', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || !IsHexId(parts[1]))
            {
                result.AddError($"--from-overlap '{text}' is not partner-id:record-id (the record id is 32 hex digits).");
                return null;
            }
            return new OverlapReference(parts[0], parts[1].ToLowerInvariant());
        },
    };

    public static Option<decimal?> Amount(string description = "The opportunity's amount, 0 or more, in the currency's units (e.g. 120000 or 99.50).") => new("--amount")
    {
        Description = description,
        HelpName = "amount",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
                result.AddError($"--amount '{text}' is not a number; use digits and a decimal point, e.g. 120000 or 99.50.");
            else if (amount < 0) result.AddError("--amount must be 0 or more.");
            else if (amount > RoomLimits.MaxAmount) result.AddError($"--amount must be at most {RoomLimits.MaxAmount.ToString("0", CultureInfo.InvariantCulture)}.");
            return amount;
        },
    };

    public static Option<string?> Currency() => new("--currency")
    {
        Description = "The amount's currency: an ISO 4217 code such as USD or EUR.",
        HelpName = "code",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim().ToUpperInvariant();
            if (Currencies.MinorDigits.ContainsKey(text)) return text;
            result.AddError($"'{result.Tokens[0].Value}' is not a currency the node knows; use one of: {string.Join(", ", Currencies.All)}.");
            return null;
        },
    };

    /// <summary>An amount with more decimals than its currency has; null when it fits (or the currency is not known here).</summary>
    public static string? DecimalsError(decimal? amount, string? currency) =>
        amount is { } a && currency is not null && Currencies.MinorDigits.TryGetValue(currency, out var digits) && decimal.Round(a, digits) != a
            ? $"--amount {a.ToString(CultureInfo.InvariantCulture)} has more decimals than {currency} has ({digits})."
            : null;

    public static Option<DateOnly?> Date(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "yyyy-MM-dd",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                result.AddError($"'{text}' is not a date for {name}; use yyyy-MM-dd, e.g. 2026-06-30.");
            else if (date < EarliestDate || date > LatestDate)
                result.AddError($"{name} must be between {EarliestDate:yyyy-MM-dd} and {LatestDate:yyyy-MM-dd}.");
            return date;
        },
    };

    /// <summary>A time: ISO 8601 with an offset (2026-03-01T14:30:00+01:00), or in UTC without one; a date alone is its midnight UTC.</summary>
    public static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "time",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var at))
                result.AddError($"'{text}' is not a time for {name}; use ISO 8601, e.g. 2026-03-01T14:30:00Z or 2026-03-01.");
            else if (at < new DateTimeOffset(EarliestDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero))
                result.AddError($"{name} must be after {EarliestDate:yyyy-MM-dd}.");
            return at;
        },
    };

    public static Option<string[]> Products() =>
        CommandBuilder.Repeated("--product", $"A product of the opportunity (replaces the list; at most {RoomLimits.MaxProducts}).", text =>
            text.Trim().Length == 0 ? "--product must not be empty."
            : text.Trim().Length > RoomLimits.MaxProductLength ? $"--product '{text[..20]}…' is {text.Trim().Length} characters long; the limit is {RoomLimits.MaxProductLength}."
            : null);

    public static Option<int?> Days(string name, string description, int max) => new(name)
    {
        Description = $"{description} 1 to {max}.",
        HelpName = "days",
        Validators =
        {
            result =>
            {
                if (result.Tokens is [var token] && int.TryParse(token.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && (n < 1 || n > max))
                    result.AddError($"{name} must be 1 to {max} days.");
            },
        },
    };

    /// <summary>The message text of <c>rooms say</c>: '-' reads it from standard input (for several lines).</summary>
    public static string? MessageError(string text) =>
        string.IsNullOrWhiteSpace(text) ? "The message is empty."
        : text.Length > RoomLimits.MaxMessageLength
            ? $"The message is {text.Length:N0} characters long; the limit is {RoomLimits.MaxMessageLength:N0}. Split it into several messages."
        : text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'))
            ? "The message contains control characters; only line breaks and tabs are allowed."
        : null;

    /// <summary>The options that change an opportunity, shared by <c>rooms open</c> and <c>rooms opportunity</c>.</summary>
    public sealed class OpportunityOptions
    {
        public Option<OpportunityStage?> Stage { get; } = CommandBuilder.EnumOption<OpportunityStage>("--stage", "The stage; closed-won (with an amount) and closed-lost are final and close the room");
        public Option<decimal?> Amount { get; } = RoomOptions.Amount();
        public Option<string?> Currency { get; } = RoomOptions.Currency();
        public Option<DateOnly?> CloseDate { get; } = Date("--close-date", "The expected (or actual) close date, yyyy-MM-dd.");
        public Option<string[]> Products { get; } = RoomOptions.Products();
        public Option<bool> ClearProducts { get; } = CommandBuilder.Flag("--clear-products", "Remove every product.");

        public void AddTo(Command command, bool clear)
        {
            command.Options.Add(Stage);
            command.Options.Add(Amount);
            command.Options.Add(Currency);
            command.Options.Add(CloseDate);
            command.Options.Add(Products);
            if (clear) command.Options.Add(ClearProducts);
        }

        /// <summary>The update the options give (null when none is given); contradictions are usage errors.</summary>
        public OpportunityUpdate? Read(CommandContext ctx)
        {
            var products = ctx.Get(Products) ?? [];
            var clear = ctx.Get(ClearProducts);
            if (products.Length > 0 && clear) throw new CliException("--product and --clear-products contradict each other; give one of them.");
            if (products.Length > RoomLimits.MaxProducts) throw new CliException($"{products.Length} products given; an opportunity has at most {RoomLimits.MaxProducts}.");
            if (DecimalsError(ctx.Get(Amount), ctx.Get(Currency)) is { } error) throw new CliException(error);
            var update = new OpportunityUpdate(ctx.Get(Stage), ctx.Get(Amount), ctx.Get(Currency), ctx.Get(CloseDate),
                clear ? [] : products.Length > 0 ? [.. products.Select(p => p.Trim()).Distinct(StringComparer.Ordinal)] : null);
            return update == new OpportunityUpdate() ? null : update;
        }
    }
}
