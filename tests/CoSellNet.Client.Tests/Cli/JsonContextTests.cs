using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Config;
using CoSellNet.Cli.Output;
using CoSellNet.Cli.Partners;
using CoSellNet.Cli.Sync;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Cli;

/// <summary>
/// The source-generated JSON metadata is complete and writes what the reflection serializer wrote:
/// cosell is compiled ahead of time, where a type without metadata fails at its first use.
/// </summary>
public sealed class JsonContextTests
{
    private static readonly JsonSerializerOptions ReflectionOutput =
        new(ReflectionJson.Options) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void Every_protocol_type_has_metadata_in_the_clients_options()
    {
        var types = typeof(PartnershipView).Assembly.GetExportedTypes()
            .Where(t => !(t.IsAbstract && t.IsSealed) && !t.IsGenericTypeDefinition)
            .ToList();
        Assert.Contains(typeof(UploadKind), types);
        Assert.All(types, t => Assert.NotNull(CoSellNetJson.Options.GetTypeInfo(t)));
    }

    [Fact]
    public void Every_view_that_output_takes_has_metadata_in_its_options()
    {
        // Every Columns<T> the commands hold or build: WriteItem and WriteList serialize T. Feed lines
        // are the exception: FeedWriter writes their JSON itself (FeedLine.ToJson), never OutputWriter.
        var members = typeof(CliApp).Assembly.GetTypes().SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly));
        var views = members
            .Select(m => m switch { FieldInfo f => f.FieldType, PropertyInfo p => p.PropertyType, MethodInfo method => method.ReturnType, _ => null })
            .Where(t => t is { IsGenericType: true, ContainsGenericParameters: false } && t.GetGenericTypeDefinition() == typeof(Columns<>))
            .Select(t => t!.GetGenericArguments()[0])
            .Where(t => t != typeof(CoSellNet.Cli.Feed.FeedLine))
            .Distinct()
            .ToList();
        Assert.Contains(typeof(ConfigCommands.ConfigView), views);
        Assert.Contains(typeof(ResultCommands.SharedAccount), views);
        // Property metadata too: -o json writes indented and relaxed, unlike the contexts' own options,
        // so a type generated for the serialization fast path only cannot be written.
        Assert.All(views, t => Assert.True(OutputWriter.Json.GetTypeInfo(t) is { Kind: not JsonTypeInfoKind.Object } or { Properties.Count: > 0 }, t.Name));
    }

    [Fact]
    public void A_type_without_metadata_fails_rather_than_falling_back_to_reflection()
    {
        Assert.Throws<NotSupportedException>(() => CoSellNetJson.Options.GetTypeInfo(typeof(Unlisted)));
        Assert.Throws<NotSupportedException>(() => Render(o => o.WriteItem(new Unlisted("x"), [])));
    }

    [Fact]
    public void Views_in_json_are_what_the_reflection_serializer_wrote()
    {
        var sync = new PartnershipSync(Samples.ThemId, "Beta \"Services\" 🚀", 3, 10, 2, 1, 40, null, "<note> & 'quotes'");
        var shared = new ResultCommands.SharedAccount("Müller & Söhne", "n:muller", "customers", 2, "Beta, Gamma", "crm.csv:2");
        var config = new ConfigCommands.ConfigView("default", true, true, "https://node.test/", "config file", null, "none", "/tmp/c.json", ["default", "zoë"]);
        var entries = new[] { Samples.Entry(), Samples.Entry(Samples.ThemId, "Beta", PartnerType.Service) with { Tier = "registered", Capabilities = new Capabilities() } };

        Assert.Equal(JsonSerializer.Serialize(sync, ReflectionOutput) + Environment.NewLine, Render(o => o.WriteItem(sync, [])));
        Assert.Equal(JsonSerializer.Serialize(shared, ReflectionOutput) + Environment.NewLine, Render(o => o.WriteItem(shared, [])));
        Assert.Equal(JsonSerializer.Serialize(config, ReflectionOutput) + Environment.NewLine, Render(o => o.WriteItem(config, [])));
        Assert.Equal(JsonSerializer.Serialize<IReadOnlyList<ResultCommands.SharedAccount>>([shared, shared], ReflectionOutput) + Environment.NewLine,
            Render(o => o.WriteList([shared, shared], new Columns<ResultCommands.SharedAccount>(), "none")));
        Assert.Equal(JsonSerializer.Serialize(entries, ReflectionOutput) + Environment.NewLine, Render(o => o.WriteList(entries, PartnerViews.Directory, "none")));
        Assert.Equal(JsonSerializer.Serialize(Samples.Partnership(), ReflectionOutput) + Environment.NewLine,
            Render(o => o.WriteItem(Samples.Partnership(), CoSellNet.Cli.Partnerships.PartnershipViews.Detail)));
    }

    private static string Render(Action<OutputWriter> write)
    {
        var text = new StringWriter();
        write(new OutputWriter(text, OutputFormat.Json));
        return text.ToString();
    }

    public sealed record Unlisted(string Name);
}
