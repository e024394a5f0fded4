using System.Globalization;
using System.Text.RegularExpressions;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Partnerships;

/// <summary>
/// Sharing rules as written on the command line: <c>population=level[:minimum]</c>, e.g.
/// <c>customers=overlaps</c> or <c>prospects=counts:5</c> (counts below 5 are shown as "fewer than 5").
/// </summary>
internal static partial class SharingRules
{
    public const string Syntax = "population=level[:minimum], e.g. customers=overlaps or prospects=counts:5";

    private static readonly string Levels = string.Join(", ", CoSellNetJson.EnumNames<SharingLevel>());

    /// <summary>Parses one rule; false with a message that says what is wrong and how to write it.</summary>
    public static bool TryParse(string text, out SharingRule rule, out string error)
    {
        rule = null!;
        var trimmed = text.Trim();
        var equals = trimmed.IndexOf('=');
        if (equals < 0)
        {
            error = $"'{text}' is not a sharing rule: write {Syntax}.";
            return false;
        }

        var population = trimmed[..equals].Trim();
        var rest = trimmed[(equals + 1)..].Trim();
        if (population.Length == 0)
        {
            error = $"'{text}' names no population before '='; write {Syntax}.";
            return false;
        }
        if (!PopulationName().IsMatch(population))
        {
            error = $"'{population}' in '{text}' is not a population name: lower-case letters, digits and dashes, starting with a letter, at most 40 characters (e.g. {string.Join(", ", Vocabulary.StandardPopulations)}).";
            return false;
        }

        var colon = rest.IndexOf(':');
        var levelText = (colon < 0 ? rest : rest[..colon]).Trim();
        if (!CoSellNetJson.TryParseEnum<SharingLevel>(levelText, out var level) || levelText.Length == 0)
        {
            error = levelText.Length == 0
                ? $"'{text}' has no sharing level after '='; use one of {Levels}."
                : $"'{levelText}' in '{text}' is not a sharing level; use one of {Levels}.";
            return false;
        }

        var minimum = 0;
        if (colon >= 0)
        {
            var minimumText = rest[(colon + 1)..].Trim();
            if (minimumText.Length == 0)
            {
                error = $"'{text}' has no minimum segment size after ':'; write {population}={levelText}:5, or leave out ':'.";
                return false;
            }
            if (!int.TryParse(minimumText, NumberStyles.None, CultureInfo.InvariantCulture, out minimum))
            {
                error = $"'{minimumText}' in '{text}' is not a minimum segment size: give a whole number, 0 or more.";
                return false;
            }
            if (level == SharingLevel.None && minimum > 0)
            {
                error = $"'{text}': a minimum segment size needs level counts or above; drop ':{minimumText}' or raise the level.";
                return false;
            }
        }

        rule = new SharingRule(population, level, minimum);
        error = "";
        return true;
    }

    /// <summary>Parses several rules, refusing malformed ones and two rules for one population.</summary>
    public static bool TryParseAll(IEnumerable<string> texts, out IReadOnlyList<SharingRule> rules, out IReadOnlyList<string> errors)
    {
        var parsed = new List<SharingRule>();
        var problems = new List<string>();
        var byPopulation = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            if (!TryParse(text, out var rule, out var error))
            {
                problems.Add(error);
                continue;
            }
            if (byPopulation.TryGetValue(rule.Population, out var earlier))
            {
                problems.Add($"Population '{rule.Population}' has two rules ({earlier} and {text.Trim()}); give one rule per population.");
                continue;
            }
            byPopulation[rule.Population] = text.Trim();
            parsed.Add(rule);
        }
        rules = parsed;
        errors = problems;
        return problems.Count == 0;
    }

    /// <summary>A rule in the syntax <see cref="TryParse"/> reads.</summary>
    public static string Format(SharingRule rule) =>
        $"{rule.Population}={CoSellNetJson.EnumName(rule.Level)}" +
        (rule.MinSegmentSize > 0 ? ":" + rule.MinSegmentSize.ToString(CultureInfo.InvariantCulture) : "");

    [GeneratedRegex(Vocabulary.PopulationPattern)]
    private static partial Regex PopulationName();
}
