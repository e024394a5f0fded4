using CoSellNet.Cli.Accounts;
using CoSellNet.Cli.App;

namespace CoSellNet.Client.Tests.Cli.Accounts;

/// <summary>The --map and --population-map syntaxes.</summary>
public sealed class MapParsingTests
{
    [Theory]
    [InlineData("domain=Website,name=Account Name,population=Type", "Website", "Account Name", "Type")]
    [InlineData(" Domain = Email Domain , NAME=Company ", "Email Domain", "Company", null)]
    [InlineData("population=Segment", null, null, "Segment")]
    [InlineData("name=Company,,", null, "Company", null)]
    [InlineData("domain=E-mail", "E-mail", null, null)]
    public void Column_maps_parse(string text, string? domain, string? name, string? population)
    {
        Assert.Equal(new ColumnMap(domain, name, population), ColumnMap.Parse(text));
    }

    [Theory]
    [InlineData("", "The column mapping is empty: write target=Column")]
    [InlineData("Website", "'Website' is not a column mapping: write target=Column[,target=Column...], e.g. domain=Website")]
    [InlineData("website=Website", "'website' in 'website=Website' is not a column mapping target; use one of domain, name, population.")]
    [InlineData("=Website", "'=Website' names no target before '='")]
    [InlineData("domain=", "'domain=' names no column after '='; write domain=Column")]
    [InlineData("domain=Website,domain=Email", "'domain' is mapped twice (domain=Website and domain=Email); map each target once.")]
    public void Malformed_column_maps_are_refused_with_a_message_that_says_how_to_write_them(string text, string message)
    {
        var e = Assert.Throws<CliException>(() => ColumnMap.Parse(text));
        Assert.Contains(message, e.Message);
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Fact]
    public void Every_problem_in_a_column_map_is_named_at_once()
    {
        var e = Assert.Throws<CliException>(() => ColumnMap.Parse("url=Website,name=,population=Type"));
        Assert.Contains("'url'", e.Message);
        Assert.Contains("'name='", e.Message);
        Assert.Equal(2, e.Message.Split(Environment.NewLine).Length);
    }

    [Fact]
    public void A_column_map_formats_back_to_its_syntax() =>
        Assert.Equal("domain=Website,population=Type", ColumnMap.Parse("population=Type,domain=Website").ToString());

    [Theory]
    [InlineData("Partner=prospects", "partner", "prospects")]
    [InlineData("Former Customer=prospects", "former customer", "prospects")]
    [InlineData("Former Customer=prospects", "Former-Customer", "prospects")]
    [InlineData("Customer - Direct=renewals", "customer direct", "renewals")]
    [InlineData("(blank)=prospects", "", "prospects")]
    [InlineData("(blank)=prospects", "   ", "prospects")]
    [InlineData("Stage=1=opportunities", "stage=1", "opportunities")]
    [InlineData("Partner=skip", "PARTNER", null)]
    [InlineData("Partner=SKIP", "partner", null)]
    public void Population_maps_match_values_ignoring_case_spaces_and_punctuation(string text, string cell, string? population)
    {
        var map = PopulationMap.Parse(text);
        Assert.True(map.TryMap(cell, out var mapped));
        Assert.Equal(population, mapped);
    }

    [Fact]
    public void A_population_map_holds_its_entries_in_order_and_misses_other_values()
    {
        var map = PopulationMap.Parse(["Partner=prospects,Former Customer=prospects", "Analyst=skip"]);

        Assert.Equal([("Partner", "prospects"), ("Former Customer", "prospects"), ("Analyst", (string?)null)], map.Entries);
        Assert.False(map.TryMap("Competitor", out _));
        Assert.False(map.TryMap("", out _));
    }

    [Theory]
    [InlineData("", "The population map is empty")]
    [InlineData("Partner", "'Partner' is not a population mapping: write Value=population")]
    [InlineData("=prospects", "'=prospects' names no value before '='; write Value=population, or (blank)=population for empty cells.")]
    [InlineData("Partner=", "'Partner=' names no population after '='; write Partner=customers, for example, or Partner=skip")]
    [InlineData("Partner=Prospects", "'Prospects' in 'Partner=Prospects' is not a population name: lower-case letters")]
    [InlineData("Partner=2nd-tier", "'2nd-tier' in 'Partner=2nd-tier' is not a population name")]
    [InlineData("Partner=prospects,partner=customers", "'partner' is mapped twice (Partner=prospects and partner=customers)")]
    public void Malformed_population_maps_are_refused_with_a_message_that_says_how_to_write_them(string text, string message)
    {
        var e = Assert.Throws<CliException>(() => PopulationMap.Parse(text));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Mapping_a_value_twice_to_the_same_population_is_not_a_conflict()
    {
        var map = PopulationMap.Parse("Partner=prospects,PARTNER=prospects");
        Assert.Single(map.Entries);
    }
}
