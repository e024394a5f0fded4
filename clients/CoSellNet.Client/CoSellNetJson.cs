using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CoSellNet.Client;

/// <summary>
/// The node's JSON conventions: System.Text.Json web defaults, enums as their lower-case wire names.
/// The options know the protocol's types only (source-generated, <see cref="CoSellNetJsonContext"/>):
/// serializing any other type with them throws rather than falling back to reflection.
/// </summary>
public static class CoSellNetJson
{
    /// <summary>The serializer options the client reads and writes with (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static readonly ConcurrentDictionary<Enum, string> Names = new();

    /// <summary>An enum value's wire name, e.g. <c>PartnerType.Technology</c> → <c>technology</c>.</summary>
    public static string EnumName<TEnum>(TEnum value) where TEnum : struct, Enum =>
        Names.GetOrAdd(value, static v => WireName((TEnum)v));

    /// <summary>
    /// What <see cref="JsonStringEnumConverter{TEnum}"/> (no naming policy) writes for a value: its
    /// <see cref="JsonStringEnumMemberNameAttribute"/>, else its member name. Read from the attributes
    /// rather than by serializing: every <c>cosell</c> run lists the names of the enums its options
    /// take, and going through the serializer compiled ~750 methods at each start. An enum without
    /// that converter is written as the serializer writes it.
    /// </summary>
    private static string WireName<TEnum>(TEnum value) where TEnum : struct, Enum
    {
        if (typeof(TEnum).GetCustomAttribute<JsonConverterAttribute>()?.ConverterType != typeof(JsonStringEnumConverter<TEnum>)
            || Enum.GetName(value) is not { } member)
            return JsonSerializer.Serialize(value, TypeInfo<TEnum>()).Trim('"');
        return typeof(TEnum).GetField(member)!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? member;
    }

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

    /// <summary>The metadata <see cref="Options"/> has for a type; throws for a type the context does not list.</summary>
    internal static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = CoSellNetJsonContext.Default };
        options.MakeReadOnly();
        return options;
    }
}
