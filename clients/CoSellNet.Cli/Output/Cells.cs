using System.Globalization;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Output;

/// <summary>How values become cells: invariant culture, UTC times, wire names for enums.</summary>
internal static class Cells
{
    public static string? Time(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string List(IEnumerable<string>? items) => items is null ? "" : string.Join(", ", items);

    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => CoSellNetJson.EnumName(value);

    public static string Names<TEnum>(IEnumerable<TEnum>? values) where TEnum : struct, Enum =>
        values is null ? "" : string.Join(", ", values.Select(Name));

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>Sharing rules in the syntax --rule accepts: customers=overlaps, prospects=counts:5.</summary>
    public static string Rules(IEnumerable<SharingRule>? rules) =>
        rules is null ? "" : string.Join(", ", rules.Select(Partnerships.SharingRules.Format));
}
