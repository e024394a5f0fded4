using CoSellNet.Cli.App;

namespace CoSellNet.Cli.Accounts;

/// <summary>
/// Which file column holds what, as written on the command line:
/// <c>--map domain=Website,name=Account Name,population=Type</c>. Column names are matched to the
/// file's header case-insensitively; they cannot contain commas.
/// </summary>
/// <param name="Domain">The column with the website, domain or e-mail address.</param>
/// <param name="Name">The column with the company name.</param>
/// <param name="Population">The column the population is read from (through the population map).</param>
internal sealed record ColumnMap(string? Domain = null, string? Name = null, string? Population = null)
{
    public const string Syntax = "target=Column[,target=Column...], e.g. domain=Website,name=Account Name,population=Type";

    /// <summary>The targets a column can be mapped to.</summary>
    public static readonly IReadOnlyList<string> Targets = ["domain", "name", "population"];

    /// <summary>Parses a mapping; a <see cref="CliException"/> names every problem and how to write it.</summary>
    public static ColumnMap Parse(string text)
    {
        var errors = new List<string>();
        var chosen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in (text ?? "").Split(','))
        {
            var entry = part.Trim();
            if (entry.Length == 0) continue;
            var equals = entry.IndexOf('=');
            if (equals < 0)
            {
                errors.Add($"'{entry}' is not a column mapping: write {Syntax}.");
                continue;
            }
            var target = entry[..equals].Trim().ToLowerInvariant();
            var column = entry[(equals + 1)..].Trim();
            if (target.Length == 0)
                errors.Add($"'{entry}' names no target before '='; use one of {string.Join(", ", Targets)}.");
            else if (!Targets.Contains(target))
                errors.Add($"'{entry[..equals].Trim()}' in '{entry}' is not a column mapping target; use one of {string.Join(", ", Targets)}.");
            else if (column.Length == 0)
                errors.Add($"'{entry}' names no column after '='; write {target}=Column, with the column's name as in the file's header.");
            else if (chosen.TryGetValue(target, out var earlier))
                errors.Add($"'{target}' is mapped twice ({target}={earlier} and {target}={column}); map each target once.");
            else
                chosen[target] = column;
        }
        if (errors.Count == 0 && chosen.Count == 0)
            errors.Add($"The column mapping is empty: write {Syntax}.");
        if (errors.Count > 0)
            throw new CliException(string.Join(Environment.NewLine, errors));
        return new ColumnMap(chosen.GetValueOrDefault("domain"), chosen.GetValueOrDefault("name"), chosen.GetValueOrDefault("population"));
    }

    /// <summary>The mapping in the syntax <see cref="Parse"/> reads.</summary>
    public override string ToString() =>
        string.Join(",", new[] { ("domain", Domain), ("name", Name), ("population", Population) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}={p.Item2}"));
}
