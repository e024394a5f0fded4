namespace CoSellNet.Cli.Accounts;

/// <summary>What one cell of the population column means for its row.</summary>
/// <param name="Population">The population; null when the row is skipped or the value is unknown.</param>
/// <param name="SkipReason">Why the row is left out on purpose (not a problem); null otherwise.</param>
internal readonly record struct PopulationDecision(string? Population, string? SkipReason)
{
    public static PopulationDecision Unknown => default;
    public static PopulationDecision Of(string population) => new(population, null);
    public static PopulationDecision Skipped(string reason) => new(null, reason);
}

/// <summary>
/// A CRM export the reader knows by its column names: where the website, the company name and
/// the population are, and what the population column's values mean by default.
/// </summary>
/// <param name="Name">One of <see cref="AccountFormats"/>.</param>
/// <param name="Website">Website columns in order of preference (a row takes the first that is not empty).</param>
/// <param name="CompanyName">Company name columns in order of preference.</param>
/// <param name="Population">The column the population is read from, if the file has it.</param>
/// <param name="Defaults">The population a value of that column stands for when the user did not map it.</param>
internal sealed record CrmFormat(
    string Name,
    IReadOnlyList<string> Website,
    IReadOnlyList<string> CompanyName,
    string? Population,
    Func<string, PopulationDecision> Defaults)
{
    private const string Customers = "customers";
    private const string Prospects = "prospects";
    private const string Opportunities = "opportunities";

    /// <summary>Salesforce account Type picklist values (standard and the usual sample values).</summary>
    private static readonly Dictionary<string, string> SalesforceTypes = Table(
        (Customers, ["Customer", "Customer - Direct", "Customer - Channel"]),
        (Prospects, ["Prospect"]));

    /// <summary>HubSpot lifecycle stages, by label and by internal value (they fold to the same key).</summary>
    private static readonly Dictionary<string, string> HubSpotStages = Table(
        (Customers, ["Customer", "Evangelist"]),
        (Prospects, ["Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead"]),
        (Opportunities, ["Opportunity"]));

    /// <summary>For a population column of the user's choosing: the CRM values above plus the population names themselves.</summary>
    private static readonly Dictionary<string, string> GenericValues = Merge(SalesforceTypes, HubSpotStages, Table(
        (Customers, [Customers]), (Prospects, [Prospects]), (Opportunities, [Opportunities])));

    /// <summary>
    /// Salesforce account report. Type: Customer, Customer - Direct, Customer - Channel → customers;
    /// Prospect → prospects; any other value (Partner, Reseller, Other, ...) is unknown until mapped.
    /// </summary>
    public static readonly CrmFormat SalesforceAccounts = new(AccountFormats.SalesforceAccounts,
        ["Website"], ["Account Name"], "Type", v => Lookup(SalesforceTypes, v));

    /// <summary>
    /// Salesforce opportunity report. Stage: Closed Won → customers (the deal made the account a
    /// customer); Closed Lost → left out and counted as "closed lost opportunity" (a lost deal is
    /// neither a customer nor an open opportunity, and not a problem of the file); any other stage
    /// is open → opportunities. The account, not the opportunity, is what is matched: Account Name
    /// and Account Website (or Website).
    /// </summary>
    public static readonly CrmFormat SalesforceOpportunities = new(AccountFormats.SalesforceOpportunities,
        ["Account Website", "Website"], ["Account Name"], "Stage", OpportunityStage);

    /// <summary>
    /// HubSpot company export. Lifecycle Stage: customer, evangelist → customers; subscriber, lead,
    /// marketing/sales qualified lead → prospects; opportunity → opportunities; other is unknown
    /// until mapped. Labels (Marketing Qualified Lead) and internal values (marketingqualifiedlead) both work.
    /// </summary>
    public static readonly CrmFormat HubSpotCompanies = new(AccountFormats.HubSpotCompanies,
        ["Company Domain Name", "Website URL"], ["Company name", "Name"], "Lifecycle Stage", v => Lookup(HubSpotStages, v));

    /// <summary>A CSV the reader does not know; its columns come from the column map.</summary>
    public static readonly CrmFormat Mapped = new(AccountFormats.Mapped, [], [], null, Generic);

    /// <summary>
    /// Defaults for a population column the user mapped: the Salesforce Type and HubSpot lifecycle
    /// values above, and the standard population names (customers, prospects, opportunities).
    /// Custom populations must be mapped by hand.
    /// </summary>
    public static PopulationDecision Generic(string value) => Lookup(GenericValues, value);

    /// <summary>The format whose columns the header has; null when none fits.</summary>
    public static CrmFormat? Detect(IReadOnlyCollection<string> headers)
    {
        var set = new HashSet<string>(headers.Select(h => h.Trim()), StringComparer.OrdinalIgnoreCase);
        bool Has(string column) => set.Contains(column);

        if (Has("Opportunity Name") && Has("Stage") && Has("Account Name"))
            return SalesforceOpportunities;
        if (Has("Account Name") && new[] { "Website", "Type", "Account ID", "Billing Country", "Industry", "Account Owner" }.Any(Has))
            return SalesforceAccounts;
        var hubSpotColumns = new[] { "Record ID", "Company name", "Company Domain Name", "Website URL", "Lifecycle Stage" }.Count(Has);
        if (hubSpotColumns >= 2 && (Has("Company name") || Has("Name") || Has("Company Domain Name") || Has("Website URL")))
            return HubSpotCompanies;
        return null;
    }

    private static PopulationDecision OpportunityStage(string value) =>
        PopulationMap.Key(value) switch
        {
            PopulationMap.Blank => PopulationDecision.Unknown,
            "closedwon" => PopulationDecision.Of(Customers),
            "closedlost" => PopulationDecision.Skipped("closed lost opportunity"),
            _ => PopulationDecision.Of(Opportunities),
        };

    private static PopulationDecision Lookup(Dictionary<string, string> table, string value) =>
        table.TryGetValue(PopulationMap.Key(value), out var population) ? PopulationDecision.Of(population) : PopulationDecision.Unknown;

    private static Dictionary<string, string> Table(params (string Population, string[] Values)[] groups)
    {
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (population, values) in groups)
            foreach (var value in values)
                table[PopulationMap.Key(value)] = population;
        return table;
    }

    private static Dictionary<string, string> Merge(params Dictionary<string, string>[] tables)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
            foreach (var (key, population) in table)
                merged[key] = population;
        return merged;
    }
}
