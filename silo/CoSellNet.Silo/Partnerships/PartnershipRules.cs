using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Partnerships;

/// <summary>Checks motions and sharing rules against the vocabulary and the owner's populations.</summary>
public static class PartnershipRules
{
    public const int MaxMinSegmentSize = 1_000_000;

    public static string[] CheckMotions(IReadOnlyList<string>? motions, string field, Validator v)
    {
        if (motions is null) return [];
        foreach (var m in motions)
            if (!Vocabulary.Motions.Contains(m))
                v.Add(field, $"'{m}' is not a motion; use {string.Join(", ", Vocabulary.Motions)}.");
        return [.. motions.Distinct().Order(StringComparer.Ordinal)];
    }

    public static RuleState[] CheckRules(IReadOnlyList<SharingRule>? rules, IReadOnlyList<string> ownPopulations, Validator v)
    {
        if (rules is null) return [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var r = rules[i];
            var f = $"rules[{i}]";
            if (r is null) { v.Add(f, "is empty."); continue; }
            if (!ownPopulations.Contains(r.Population))
                v.Add($"{f}.population", $"'{r.Population}' is not one of your populations ({string.Join(", ", ownPopulations)}); add it to your profile first.");
            else if (!seen.Add(r.Population))
                v.Add($"{f}.population", $"'{r.Population}' has more than one rule; give one rule per population.");
            v.Require(Enum.IsDefined(r.Level), $"{f}.level", "must be one of none, counts, overlaps, fields.");
            v.Require(r.MinSegmentSize is >= 0 and <= MaxMinSegmentSize, $"{f}.minSegmentSize", $"must be between 0 and {MaxMinSegmentSize}.");
        }
        return [.. rules.Where(r => r is not null).Select(r => new RuleState(r.Population, r.Level, r.MinSegmentSize)).OrderBy(r => r.Population, StringComparer.Ordinal)];
    }
}
