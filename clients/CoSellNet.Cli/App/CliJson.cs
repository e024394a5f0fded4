using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CoSellNet.Cli.Config;
using CoSellNet.Cli.Feed;
using CoSellNet.Cli.Sync;
using CoSellNet.Client;
using CoSellNet.Crypto;

namespace CoSellNet.Cli.App;

/// <summary>
/// Compile-time JSON metadata for what cosell itself reads and writes: the config file, the shared
/// fields of an account (a flat string map, in the local index and sealed for partners), and the
/// views that <c>-o json</c> prints beside the protocol's types. cosell is compiled ahead of time,
/// where no reflection serializer exists; this build has none either, so a missing type fails the
/// tests rather than a user's run.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CliConfig))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(ConfigCommands.ConfigView))]
[JsonSerializable(typeof(PartnershipSync))]
[JsonSerializable(typeof(PublicKeyDocument))]
[JsonSerializable(typeof(ResolvedOverlap))]
[JsonSerializable(typeof(ResultCommands.SharedAccount))]
[JsonSerializable(typeof(IReadOnlyList<FeedAccount>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

/// <summary>The serializer options of cosell's JSON: the node's conventions, its types and cosell's own.</summary>
internal static class CliJson
{
    /// <summary>cosell's types first, then the protocol's (<see cref="CoSellNetJson.Options"/>); nothing by reflection.</summary>
    public static IJsonTypeInfoResolver Resolver { get; } =
        JsonTypeInfoResolver.Combine(CliJsonContext.Default, CoSellNetJson.Options.TypeInfoResolver!);

    /// <summary>Web defaults over <see cref="Resolver"/>, as <see cref="CoSellNetJson.Options"/> but with cosell's types too.</summary>
    public static JsonSerializerOptions Options { get; } = ReadOnly(new JsonSerializerOptions(CoSellNetJson.Options) { TypeInfoResolver = Resolver });

    /// <summary>Makes options read-only (their metadata is cached from then on) and returns them.</summary>
    public static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly();
        return options;
    }

    /// <summary>The metadata the options have for <typeparamref name="T"/>; throws for a type no context lists.</summary>
    public static JsonTypeInfo<T> Info<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
