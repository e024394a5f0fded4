using System.Text;
using System.Text.RegularExpressions;
using CoSellNet.Cli.App;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Accounts;

/// <summary>
/// Population values mapped by hand, as written on the command line:
/// <c>--population-map "Partner=prospects,Former Customer=prospects"</c>. A value is matched
/// ignoring case, spaces and punctuation (<c>Customer - Direct</c> = <c>customer-direct</c>);
/// <c>(blank)</c> stands for an empty cell, and the target <c>skip</c> leaves such rows out without
/// calling them a problem. The map takes precedence over the format's defaults.
/// </summary>
internal sealed class PopulationMap
{
    public const string Syntax = "Value=population[,Value=population...], e.g. Partner=prospects,Former Customer=prospects";

    /// <summary>The value that stands for an empty cell.</summary>
    public const string Blank = "(blank)";

    /// <summary>The target that leaves rows with the value out.</summary>
    public const string Skip = "skip";

    private readonly Dictionary<string, Entry> _entries;

    private PopulationMap(Dictionary<string, Entry> entries) => _entries = entries;

    /// <summary>The mapped values in the order given, with their population (null for <c>skip</c>).</summary>
    public IReadOnlyList<(string Value, string? Population)> Entries =>
        [.. _entries.Values.OrderBy(e => e.Order).Select(e => (e.Value, e.Population))];

    /// <summary>Parses a map; a <see cref="CliException"/> names every problem and how to write it.</summary>
    public static PopulationMap Parse(string text) => Parse([text]);

    /// <summary>Parses several maps (a repeated option) into one.</summary>
    public static PopulationMap Parse(IEnumerable<string> texts)
    {
        var errors = new List<string>();
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            foreach (var part in (text ?? "").Split(','))
            {
                var item = part.Trim();
                if (item.Length == 0) continue;
                // Population names have no '=', so the last one separates: a value may contain '='.
                var equals = item.LastIndexOf('=');
                if (equals < 0)
                {
                    errors.Add($"'{item}' is not a population mapping: write {Syntax}.");
                    continue;
                }
                var value = item[..equals].Trim();
                var target = item[(equals + 1)..].Trim();
                if (value.Length == 0)
                {
                    errors.Add($"'{item}' names no value before '='; write Value=population, or {Blank}=population for empty cells.");
                    continue;
                }
                if (target.Length == 0)
                {
                    errors.Add($"'{item}' names no population after '='; write {value}=customers, for example, or {value}={Skip} to leave such rows out.");
                    continue;
                }
                string? population = target.Equals(Skip, StringComparison.OrdinalIgnoreCase) ? null : target;
                if (population is not null && !PopulationNames.IsValid(population))
                {
                    errors.Add($"'{target}' in '{item}' is not a population name: {PopulationNames.Rule}; or {Skip} to leave such rows out.");
                    continue;
                }
                var key = Key(value);
                if (entries.TryGetValue(key, out var earlier))
                {
                    if (earlier.Population != population)
                        errors.Add($"'{value}' is mapped twice ({earlier.Value}={earlier.Population ?? Skip} and {value}={population ?? Skip}); values are matched ignoring case, spaces and punctuation, so map it once.");
                    continue;
                }
                entries[key] = new Entry(value, population, entries.Count);
            }
        }
        if (errors.Count == 0 && entries.Count == 0)
            errors.Add($"The population map is empty: write {Syntax}.");
        if (errors.Count > 0)
            throw new CliException(string.Join(Environment.NewLine, errors));
        return new PopulationMap(entries);
    }

    /// <summary>Looks a cell's value up; true with the population, or null for <c>skip</c>.</summary>
    public bool TryMap(string? cell, out string? population)
    {
        if (_entries.TryGetValue(Key(cell), out var entry))
        {
            population = entry.Population;
            return true;
        }
        population = null;
        return false;
    }

    /// <summary>
    /// The form values are compared in: lower case letters and digits only, so that case, spaces and
    /// punctuation do not matter; an empty cell is <see cref="Blank"/>.
    /// </summary>
    internal static string Key(string? value)
    {
        var trimmed = value?.Trim() ?? "";
        if (trimmed.Length == 0 || trimmed.Equals(Blank, StringComparison.OrdinalIgnoreCase)) return Blank;
        var folded = new StringBuilder(trimmed.Length);
        foreach (var c in trimmed)
            if (char.IsLetterOrDigit(c)) folded.Append(char.ToLowerInvariant(c));
        // Only punctuation: compare it as written rather than fold it to nothing.
        return folded.Length > 0 ? folded.ToString() : trimmed.ToLowerInvariant();
    }

    private sealed record Entry(string Value, string? Population, int Order);
}

/// <summary>The population name rule of the protocol (<see cref="Vocabulary.PopulationPattern"/>).</summary>
internal static partial class PopulationNames
{
    public const string Rule = "lower-case letters, digits and dashes, starting with a letter, at most 40 characters (e.g. customers, prospects, opportunities)";

    public static bool IsValid(string name) => Pattern().IsMatch(name);

    [GeneratedRegex(Vocabulary.PopulationPattern)]
    private static partial Regex Pattern();
}
