using System.Collections.Concurrent;
using System.Text.Json;

namespace CoSellNet.Client;

/// <summary>The node's JSON conventions: System.Text.Json web defaults, enums as their lower-case wire names.</summary>
public static class CoSellNetJson
{
    /// <summary>The serializer options the client reads and writes with (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static readonly ConcurrentDictionary<Enum, string> Names = new();

    /// <summary>An enum value's wire name, e.g. <c>PartnerType.Technology</c> → <c>technology</c>.</summary>
    public static string EnumName<TEnum>(TEnum value) where TEnum : struct, Enum =>
        Names.GetOrAdd(value, v => JsonSerializer.Serialize((TEnum)v, Options).Trim('"'));

    /// <summary>All wire names of an enum, in declaration order.</summary>
    public static IReadOnlyList<string> EnumNames<TEnum>() where TEnum : struct, Enum =>
        [.. Enum.GetValues<TEnum>().Select(EnumName)];

    /// <summary>Parses an enum from its wire name (case-insensitive); false for anything else, including numbers.</summary>
    public static bool TryParseEnum<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(EnumName(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
