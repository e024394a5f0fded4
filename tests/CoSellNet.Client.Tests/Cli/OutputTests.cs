using System.Text.Encodings.Web;
using System.Text.Json;
using CoSellNet.Cli.Invitations;
using CoSellNet.Cli.Keys;
using CoSellNet.Cli.Output;
using CoSellNet.Cli.Partners;
using CoSellNet.Cli.Partnerships;
using CoSellNet.Cli.Sync;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Cli;

/// <summary>Table, CSV and JSON output of the node's DTOs.</summary>
public sealed class OutputTests
{
    private static string Render(OutputFormat format, Action<OutputWriter> write)
    {
        var text = new StringWriter();
        write(new OutputWriter(text, format));
        return text.ToString();
    }

    [Fact]
    public void A_table_aligns_columns_under_upper_case_headers()
    {
        var entries = new[] { Samples.Entry(), Samples.Entry(Samples.ThemId, "Beta", PartnerType.Service) with { Tier = "registered", Capabilities = new Capabilities() } };

        var lines = Render(OutputFormat.Table, o => o.WriteList(entries, PartnerViews.Directory, "none")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(3, lines.Length);
        Assert.StartsWith("ID ", lines[0]);
        var nameColumn = lines[0].IndexOf("NAME", StringComparison.Ordinal);
        var typeColumn = lines[0].IndexOf("TYPE", StringComparison.Ordinal);
        Assert.Equal("Acme Analytics", lines[1].Substring(nameColumn, "Acme Analytics".Length));
        Assert.Equal("Beta", lines[2].Substring(nameColumn, 4));
        Assert.Equal("technology", lines[1].Substring(typeColumn, "technology".Length));
        Assert.Equal("service", lines[2].Substring(typeColumn, "service".Length));
        Assert.Contains("saas, fintech", lines[1]);
        Assert.Contains("2026-03-01 09:30:00Z", lines[1]);
        Assert.All(lines, l => Assert.Equal(l.TrimEnd(), l));
        Assert.Contains(" - ", lines[2]); // empty cells show as '-'
    }

    [Fact]
    public void A_single_item_is_a_field_list_and_rules_use_the_rule_syntax()
    {
        var lines = Render(OutputFormat.Table, o => o.WriteItem(Samples.Partnership(), PartnershipViews.Detail)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains("Status         active", lines);
        Assert.Contains("My rules       customers=overlaps, prospects=counts:5", lines);
        Assert.Contains("Proposed by    me", lines);
        Assert.Contains("They paused    no", lines);
    }

    [Fact]
    public void An_empty_list_says_so_in_a_table_and_is_a_bare_header_in_csv_and_an_empty_array_in_json()
    {
        Assert.Equal("No API keys." + Environment.NewLine, Render(OutputFormat.Table, o => o.WriteList<ApiKeyView>([], KeyViews.List, "No API keys.")));
        Assert.Equal("Id,Name,Scopes,Created,Last used,Revoked\n", Render(OutputFormat.Csv, o => o.WriteList<ApiKeyView>([], KeyViews.List, "No API keys.")));
        Assert.Equal("[]", Render(OutputFormat.Json, o => o.WriteList<ApiKeyView>([], KeyViews.List, "No API keys.")).Trim());
    }

    [Fact]
    public void Csv_quotes_commas_quotes_and_newlines()
    {
        var entry = Samples.Entry(name: "Smith, \"Jones\" & Co\nLtd");

        var csv = Render(OutputFormat.Csv, o => o.WriteList([entry], PartnerViews.Directory, "none"));

        Assert.StartsWith("Id,Name,Domain,Type,Tier,Industries,Regions,Products,Populations,Public keys,Joined\n", csv);
        Assert.Contains($"{Samples.MeId},\"Smith, \"\"Jones\"\" & Co\nLtd\",acme.com,technology,gold,\"saas, fintech\",emea,Acme Insight,\"customers, prospects\",v1,2026-03-01 09:30:00Z\n", csv);
    }

    [Fact]
    public void Csv_defuses_spreadsheet_formulas_from_other_partners()
    {
        var entry = Samples.Entry(name: "=HYPERLINK(\"http://evil.test\")");

        var csv = Render(OutputFormat.Csv, o => o.WriteList([entry], PartnerViews.Directory, "none"));

        Assert.DoesNotContain(",=HYPERLINK", csv);
        Assert.Contains("'=HYPERLINK", csv);
    }

    [Fact]
    public void A_table_cannot_be_used_to_inject_terminal_escapes_and_long_cells_are_shortened()
    {
        var entry = Samples.Entry(name: "Evil\u001b[2J\u001b]0;pwned\u0007 Corp" + new string('x', 100));

        var table = Render(OutputFormat.Table, o => o.WriteList([entry], PartnerViews.Directory, "none"));

        Assert.DoesNotContain('\u001b', table);
        Assert.DoesNotContain('\u0007', table);
        Assert.Contains("Evil [2J ]0;pwned  Corp", table);
        Assert.Contains("x…", table);
        Assert.DoesNotContain(new string('x', 100), table);
    }

    [Fact]
    public void Table_cells_that_end_in_a_control_character_keep_their_column_and_no_line_ends_in_white_space()
    {
        var text = new StringWriter();

        TableRenderer.WriteRows(text, ["x", "y", "z"], [["a\u0007", "b", "c\u0007"], [" d ", "\u2028", "e"], ["f", "g", null]]);

        Assert.Equal(["X   Y  Z", "a   b  c", "d   -  e", "f   g  -"], text.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Json_is_the_nodes_json_indented_with_lower_case_enums_and_readable_text()
    {
        var json = Render(OutputFormat.Json, o => o.WriteList([Samples.Partnership()], PartnershipViews.List, "none"));

        Assert.Contains("\n  {\n    \"id\":", json);
        using var doc = JsonDocument.Parse(json);
        var p = doc.RootElement[0];
        Assert.Equal("active", p.GetProperty("status").GetString());
        Assert.Equal("counts", p.GetProperty("mine").GetProperty("rules")[1].GetProperty("level").GetString());
        Assert.Equal(5, p.GetProperty("mine").GetProperty("rules")[1].GetProperty("minSegmentSize").GetInt32());
        Assert.Equal("Beta Services", p.GetProperty("theirs").GetProperty("partnerName").GetString());

        var named = Render(OutputFormat.Json, o => o.WriteItem(Samples.Entry(name: "Müller & Söhne's"), PartnerViews.Directory));
        Assert.Contains("\"name\": \"Müller & Söhne's\"", named);
    }

    [Fact]
    public void Overlaps_in_json_are_exactly_what_the_serializer_writes()
    {
        string[] customers = ["customers"];
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["industry"] = "Fin\"tech\" <b> & co", ["owner"] = "Zoë\n\u0001" };
        ResolvedOverlap[] overlaps =
        [
            new(Samples.ThemId, "Beta Services", "Acme, Inc.", "acme.com", "acme.com", "customers", customers,
                new SortedDictionary<string, string>(StringComparer.Ordinal), "crm.csv:2", "000102030405060708090a0b0c0d0e0f"),
            new(Samples.ThemId, "Beta \"Services\" 🚀", "Müller & Söhne's <GmbH>", null, "n:muller soehne", "prospects", ["customers", "opportunities"],
                fields, "crm.csv:3\t", "ffeeddccbbaa99887766554433221100"),
            new(Samples.MeId, "Beta Services", "\u2028Evil\u001b[2J", "evil.test", "evil.test", "customers", customers,
                new SortedDictionary<string, string>(StringComparer.Ordinal), "crm.csv:4", "0f0e0d0c0b0a09080706050403020100"),
        ];
        var options = new JsonSerializerOptions(ReflectionJson.Options) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        var json = Render(OutputFormat.Json, o => o.WriteList(overlaps, ResultCommands.OverlapColumns, "none"));

        Assert.Equal(JsonSerializer.Serialize(overlaps, options) + Environment.NewLine, json);
        Assert.Equal("[]" + Environment.NewLine, Render(OutputFormat.Json, o => o.WriteList<ResolvedOverlap>([], ResultCommands.OverlapColumns, "none")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    public void Overlaps_in_json_written_in_chunks_on_two_threads_are_the_serializers_json(int chunkSize)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["industry"] = "Fin\"tech\"", ["owner"] = "Zoë\n" };
        var overlaps = Enumerable.Range(0, 7).Select(i => new ResolvedOverlap(Samples.ThemId, "Beta Services", $"Acme {i}", i % 2 == 0 ? null : "acme.com",
            $"acme{i}.com", "customers", ["customers", "prospects"], i % 3 == 0 ? fields : new SortedDictionary<string, string>(StringComparer.Ordinal),
            $"crm.csv:{i}", $"{i:x32}")).ToArray();
        var options = new JsonSerializerOptions(ReflectionJson.Options) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var json = new MemoryStream();

        OutputWriter.WriteJsonChunks(json, overlaps, OverlapJson.Write, chunkSize);

        Assert.Equal(JsonSerializer.Serialize(overlaps, options), System.Text.Encoding.UTF8.GetString(json.ToArray()));
    }

    [Fact]
    public void A_chunk_that_fails_stops_both_threads_and_its_error_is_thrown()
    {
        var items = Enumerable.Range(0, 100).ToArray();

        var e = Assert.Throws<InvalidOperationException>(() => OutputWriter.WriteJsonChunks(new MemoryStream(), items, (json, i) =>
        {
            if (i == 31) throw new InvalidOperationException("item 31");
            json.WriteNumberValue(i);
        }, 4));

        Assert.Equal("item 31", e.Message);
    }

    [Fact]
    public void Many_overlaps_sorted_in_two_halves_and_merged_are_in_key_then_population_order()
    {
        var random = new Random(7);
        var keys = Enumerable.Range(0, 1001).Select(_ => $"k{random.Next(300)}.com").ToArray();
        var populations = Enumerable.Range(0, 1001).Select(_ => random.Next(2) == 0 ? "customers" : "prospects").ToArray();

        var order = Resolver.Order(keys, populations, 1000);

        Assert.Equal(Enumerable.Range(0, 1000).OrderBy(i => keys[i], StringComparer.Ordinal).ThenBy(i => populations[i], StringComparer.Ordinal)
            .Select(i => (keys[i], populations[i])), order.Select(i => (keys[i], populations[i])));
        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
    }

    [Fact]
    public void Overlaps_are_sorted_by_key_then_my_population_ordinally()
    {
        static ResolvedOverlap O(string key, string population) =>
            new("p", "P", key, null, key, population, [], new SortedDictionary<string, string>(), "s", "00");
        List<ResolvedOverlap> list = [O("b.com", "prospects"), O("B.com", "customers"), O("a.com", "prospects"), O("b.com", "customers"), O("a.com", "customers"), O("ab.com", "x")];

        var sorted = Resolver.Sorted(list);

        Assert.Same(list, sorted);
        Assert.Equal(["B.com/customers", "a.com/customers", "a.com/prospects", "ab.com/x", "b.com/customers", "b.com/prospects"],
            sorted.Select(o => $"{o.MatchKey}/{o.MyPopulation}"));
    }

    [Fact]
    public void A_single_item_in_csv_is_one_header_and_one_row()
    {
        var csv = Render(OutputFormat.Csv, o => o.WriteItem(Samples.CreatedKey(), KeyViews.Created));

        Assert.Equal($"Id,Name,Scopes,Created,Key\nfedcba9876543210,ci,\"read, write, admin\",2026-03-01 09:30:00Z,{Keys.Other}\n", csv);
    }

    [Fact]
    public void Invitation_state_is_derived_from_its_dates()
    {
        var now = Samples.Joined.AddHours(1);
        var open = Samples.Invitation();

        Assert.Equal("open", InvitationViews.State(open, now));
        Assert.Equal("expired", InvitationViews.State(open, now.AddDays(5)));
        Assert.Equal("redeemed", InvitationViews.State(open with { RedeemedAt = now, RedeemedByPartner = Samples.ThemId }, now));
        Assert.Equal("revoked", InvitationViews.State(open with { RevokedAt = now }, now));
    }

    [Fact]
    public void History_lists_changes_in_order()
    {
        PartnershipChange[] changes =
        [
            new(1, "proposed", Samples.MeId, Samples.Joined, null),
            new(2, "rules", Samples.ThemId, Samples.Joined.AddMinutes(5), "customers=counts"),
        ];

        var lines = Render(OutputFormat.Table, o => o.WriteList(changes, PartnershipViews.History, "none")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["SEQ", "AT", "BY", "ACTION", "DETAIL"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("1    2026-03-01 09:30:00Z", lines[1]);
        Assert.EndsWith("rules     customers=counts", lines[2]);
    }
}
