using CoSellNet.Crypto;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Rooms;

/// <summary>Checks what members put in a room: the account, messages, tasks, the opportunity and touches.</summary>
public static class RoomRules
{
    public static readonly DateOnly EarliestDate = new(2000, 1, 1);
    public static readonly DateOnly LatestDate = new(2100, 12, 31);
    /// <summary>How far in the future a touch may be dated (clock skew between machines).</summary>
    public static readonly TimeSpan TouchSkew = TimeSpan.FromMinutes(5);

    /// <summary>The account's registrable domain and display name.</summary>
    public static RoomAccount Account(RoomAccount? account, Validator v)
    {
        if (account is null)
        {
            v.Add("account", "is required: the account's domain and display name.");
            return new RoomAccount("", "");
        }
        v.Text(account.Name, "account.name", Vocabulary.MaxNameLength);
        var key = MatchKeys.FromDomainLike(account.Domain);
        if (key.Key is not { } domain)
        {
            v.Add("account.domain", key.Rejection switch
            {
                KeyRejection.Empty => "is required: the account's web domain, e.g. acme.com.",
                KeyRejection.FreeMail => $"'{Clip(account.Domain)}' is a free e-mail provider, not a company's domain.",
                KeyRejection.PublicSuffix => $"'{Clip(account.Domain)}' is a public suffix shared by many companies; give the company's own domain.",
                KeyRejection.IpAddress => "is an IP address; give the company's web domain.",
                _ => $"'{Clip(account.Domain)}' is not a domain; give the company's web domain, e.g. acme.com.",
            });
            return new RoomAccount("", account.Name ?? "");
        }
        return new RoomAccount(domain.Value, account.Name?.Trim() ?? "");
    }

    public static string Message(PostMessage? message)
    {
        var text = message?.Text;
        var v = new Validator();
        if (string.IsNullOrWhiteSpace(text)) v.Add("text", "is required.");
        else if (text.Length > RoomLimits.MaxMessageLength)
            v.Add("text", $"is {text.Length} characters long; the limit is {RoomLimits.MaxMessageLength}. Split it into several messages.");
        else if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            v.Add("text", "must not contain control characters other than line breaks and tabs.");
        v.ThrowIfInvalid();
        return text!;
    }

    public static void Date(DateOnly? date, string field, Validator v) =>
        v.Require(date is null || (date >= EarliestDate && date <= LatestDate), field, $"must be between {EarliestDate:yyyy-MM-dd} and {LatestDate:yyyy-MM-dd}.");

    public static void Note(string? note, string field, Validator v) => v.Text(note, field, RoomLimits.MaxNoteLength, required: false);

    public static void TouchTime(DateTimeOffset? at, DateTimeOffset now, Validator v) =>
        v.Require(at is null || (at >= new DateTimeOffset(EarliestDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) && at <= now + TouchSkew),
            "at", "must be a time in the past (a touch records what happened), after 2000-01-01.");

    /// <summary>
    /// The opportunity after <paramref name="update"/>, with the names of the fields that changed.
    /// Refuses field errors (400) and stage changes that cannot happen (409).
    /// </summary>
    public static (OpportunityState Next, string[] Changed) Apply(OpportunityState current, OpportunityUpdate update, string by, DateTimeOffset now)
    {
        var v = new Validator();
        v.Require(update.Stage is null || Enum.IsDefined(update.Stage.Value), "stage", "must be one of qualify, develop, propose, negotiate, closed-won, closed-lost.");
        string? currency = current.Currency;
        if (update.Currency is { } code)
        {
            currency = code.Trim().ToUpperInvariant();
            if (!Currencies.MinorDigits.ContainsKey(currency))
            {
                v.Add("currency", $"'{Clip(code)}' is not a currency this node knows; use an ISO 4217 code: {string.Join(", ", Currencies.All)}.");
                currency = null;
            }
        }
        var amount = update.Amount ?? current.Amount;
        if (update.Amount is { } a)
        {
            if (a < 0) v.Add("amount", "must be 0 or more.");
            else if (a > RoomLimits.MaxAmount) v.Add("amount", $"must be at most {RoomLimits.MaxAmount:0}.");
        }
        if (amount is not null && currency is null && (update.Currency is null || v.IsValid))
            v.Add("currency", "is required with an amount: give the amount's ISO 4217 currency code, e.g. USD.");
        if (amount is { } value && currency is not null && Currencies.MinorDigits.TryGetValue(currency, out var digits) && decimal.Round(value, digits) != value)
            v.Add("amount", $"has more decimals than {currency} has ({digits}).");
        Date(update.CloseDate, "closeDate", v);
        v.List(update.Products, "products", RoomLimits.MaxProducts, RoomLimits.MaxProductLength);
        v.ThrowIfInvalid();

        var stage = update.Stage ?? current.Stage;
        if (current.Stage is OpportunityStage.ClosedWon or OpportunityStage.ClosedLost)
            throw ProblemException.Conflict("Room closed",
                $"The opportunity is {Name(current.Stage)}, which is final: it can no longer change. Open a new room for a new opportunity on this account.");
        if (stage == OpportunityStage.ClosedWon && amount is null)
            throw ProblemException.Conflict("Amount required to close as won",
                "An opportunity closes as won with its amount: set amount and currency (in the same request or before).");

        var next = current with
        {
            Stage = stage,
            Amount = amount,
            Currency = currency,
            CloseDate = update.CloseDate ?? current.CloseDate,
            Products = update.Products is null ? current.Products : [.. update.Products.Select(p => p.Trim()).Distinct(StringComparer.Ordinal)],
        };
        var changed = new List<string>();
        if (next.Stage != current.Stage) changed.Add("stage");
        if (next.Amount != current.Amount) changed.Add("amount");
        if (next.Currency != current.Currency) changed.Add("currency");
        if (next.CloseDate != current.CloseDate) changed.Add("closeDate");
        if (!next.Products.SequenceEqual(current.Products)) changed.Add("products");
        return (changed.Count == 0 ? current : next with { UpdatedBy = by, UpdatedAt = now }, [.. changed]);
    }

    public static string Name<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonSerializer.Serialize(value).Trim('"');

    private static string Clip(string? value) => value is null ? "" : value.Length <= 80 ? value : value[..80] + "…";
}
