using CoSellNet.Cli.Partnerships;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Cli;

/// <summary>The --rule syntax: population=level[:minimum].</summary>
public sealed class SharingRuleTests
{
    [Theory]
    [InlineData("customers=overlaps", "customers", SharingLevel.Overlaps, 0)]
    [InlineData("prospects=counts:5", "prospects", SharingLevel.Counts, 5)]
    [InlineData("opportunities=fields", "opportunities", SharingLevel.Fields, 0)]
    [InlineData("partner-sourced-2024=none", "partner-sourced-2024", SharingLevel.None, 0)]
    [InlineData(" customers = Counts : 10 ", "customers", SharingLevel.Counts, 10)]
    [InlineData("customers=none:0", "customers", SharingLevel.None, 0)]
    public void Well_formed_rules_parse(string text, string population, SharingLevel level, int minimum)
    {
        Assert.True(SharingRules.TryParse(text, out var rule, out var error), error);
        Assert.Equal(new SharingRule(population, level, minimum), rule);
    }

    [Theory]
    [InlineData("customers", "is not a sharing rule: write population=level[:minimum]")]
    [InlineData("=overlaps", "names no population")]
    [InlineData("Customers=overlaps", "'Customers' in 'Customers=overlaps' is not a population name")]
    [InlineData("9lives=counts", "is not a population name")]
    [InlineData("customers=", "has no sharing level after '='; use one of none, counts, overlaps, fields")]
    [InlineData("customers=everything", "'everything' in 'customers=everything' is not a sharing level; use one of none, counts, overlaps, fields")]
    [InlineData("customers=2", "is not a sharing level")]
    [InlineData("prospects=counts:", "has no minimum segment size after ':'; write prospects=counts:5")]
    [InlineData("prospects=counts:abc", "'abc' in 'prospects=counts:abc' is not a minimum segment size")]
    [InlineData("prospects=counts:-5", "is not a minimum segment size: give a whole number, 0 or more")]
    [InlineData("prospects=counts:99999999999", "is not a minimum segment size")]
    [InlineData("customers=none:5", "a minimum segment size needs level counts or above; drop ':5'")]
    public void Malformed_rules_are_refused_with_a_message_that_says_how_to_fix_them(string text, string message)
    {
        Assert.False(SharingRules.TryParse(text, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void Two_rules_for_one_population_are_refused_and_every_problem_is_reported()
    {
        Assert.False(SharingRules.TryParseAll(["customers=counts", "prospects=bogus", "customers=overlaps"], out var rules, out var errors));

        Assert.Equal(2, errors.Count);
        Assert.Contains("'bogus'", errors[0]);
        Assert.Equal("Population 'customers' has two rules (customers=counts and customers=overlaps); give one rule per population.", errors[1]);
        Assert.Equal([new SharingRule("customers", SharingLevel.Counts)], rules);
    }

    [Theory]
    [InlineData("customers=overlaps")]
    [InlineData("prospects=counts:5")]
    [InlineData("opportunities=fields:25")]
    public void Formatting_gives_back_what_was_parsed(string text)
    {
        Assert.True(SharingRules.TryParse(text, out var rule, out _));
        Assert.Equal(text, SharingRules.Format(rule));
    }
}
