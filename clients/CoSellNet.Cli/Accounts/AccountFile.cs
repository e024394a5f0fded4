namespace CoSellNet.Cli.Accounts;

/// <summary>The kinds of CRM export <see cref="AccountReader"/> recognises, by the names it reports.</summary>
internal static class AccountFormats
{
    /// <summary>A Salesforce account report: Account Name, Website, Type, Account ID, Billing Country, Industry, ...</summary>
    public const string SalesforceAccounts = "salesforce-accounts";

    /// <summary>A Salesforce opportunity report: Opportunity Name, Account Name, Stage, Amount, Close Date, Account Website, ...</summary>
    public const string SalesforceOpportunities = "salesforce-opportunities";

    /// <summary>A HubSpot company export: Record ID, Company name, Company Domain Name, Website URL, Lifecycle Stage, ...</summary>
    public const string HubSpotCompanies = "hubspot-companies";

    /// <summary>Any other CSV, read through an explicit <see cref="ColumnMap"/>.</summary>
    public const string Mapped = "mapped";
}

/// <summary>
/// One account read from an export, before normalization: the sync step turns <see cref="Website"/>
/// and <see cref="Name"/> into match keys with the crypto library.
/// </summary>
/// <param name="Line">1-based physical line where the record starts (the header is line 1); a record with a multi-line field spans more.</param>
/// <param name="Population">The population the row belongs to, e.g. <c>customers</c>.</param>
/// <param name="Website">The raw website, domain or e-mail text, trimmed; null when empty.</param>
/// <param name="Name">The raw company name, trimmed; null when empty.</param>
/// <param name="Fields">The columns chosen to share (header → value); empty values are left out.</param>
/// <remarks>A value, not an object: a million rows pass through an import, each only on its way to an account.</remarks>
internal readonly record struct AccountRow(long Line, string Population, string? Website, string? Name, IReadOnlyDictionary<string, string> Fields);

/// <summary>A record that was skipped because it is malformed or cannot be placed; the rest of the file is still read.</summary>
/// <param name="Line">1-based physical line where the record starts (the header is line 1).</param>
/// <param name="Problem">What is wrong and, where possible, how to fix it.</param>
internal sealed record RowProblem(long Line, string Problem);

/// <summary>Which columns of the file the rows were taken from.</summary>
/// <param name="Website">Website columns, in order of preference: a row takes the first that is not empty.</param>
/// <param name="Name">Company name columns, in order of preference.</param>
/// <param name="Population">The column the population comes from; null when one population was given for the whole file.</param>
/// <param name="Fields">The columns copied into <see cref="AccountRow.Fields"/>, as the file spells them.</param>
internal sealed record AccountColumns(IReadOnlyList<string> Website, IReadOnlyList<string> Name, string? Population, IReadOnlyList<string> Fields);

/// <summary>What <see cref="AccountReader"/> made of one export.</summary>
/// <param name="Format">One of <see cref="AccountFormats"/>.</param>
/// <param name="Delimiter">The field delimiter found on the header line: ',', ';' or a tab.</param>
/// <param name="Headers">The header line's column names, trimmed.</param>
/// <param name="Columns">Which columns were used.</param>
/// <param name="Records">Records read after the header (rows, problems and skipped records together).</param>
/// <param name="Rows">The accounts, in file order; empty when they were handed over in batches as they were read.</param>
/// <param name="Problems">Records skipped because they are malformed or have no population, in file order.</param>
/// <param name="Skipped">
/// Records left out on purpose, which are not problems, counted by reason: empty records, closed-lost
/// opportunities, values mapped to <c>skip</c>, a Salesforce report's footer.
/// </param>
internal sealed record AccountFile(
    string Format,
    char Delimiter,
    IReadOnlyList<string> Headers,
    AccountColumns Columns,
    long Records,
    IReadOnlyList<AccountRow> Rows,
    IReadOnlyList<RowProblem> Problems,
    IReadOnlyDictionary<string, long> Skipped);
