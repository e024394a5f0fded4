using System.Text;
using System.Text.Encodings.Web;
using System.Runtime.Intrinsics;
using System.Text.Json;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// An overlap in JSON, as the serializer writes a <see cref="ResolvedOverlap"/>: its properties in
/// declaration order, camel case, in an indented list.
/// </summary>
/// <remarks>
/// 200,000 overlaps are ~100 MB of indented JSON. Through <see cref="Utf8JsonWriter"/>, a call per
/// property, each with its own indentation, escaping check and transcoding, cost ~0.3 CPU-s; here an
/// overlap is laid out as bytes in one go (the fixed parts prepared once) and handed to the writer as
/// one raw value. A text that needs escaping (a quote, a control character) is escaped by a writer
/// with the same options, so the bytes are the writer's own. Any other writer (not indented by two
/// spaces, not in a list) writes through the writer as before.
/// </remarks>
internal static class OverlapJson
{
    private static readonly JsonEncodedText Partner = JsonEncodedText.Encode("partner");
    private static readonly JsonEncodedText PartnerName = JsonEncodedText.Encode("partnerName");
    private static readonly JsonEncodedText Account = JsonEncodedText.Encode("account");
    private static readonly JsonEncodedText Website = JsonEncodedText.Encode("website");
    private static readonly JsonEncodedText MatchKey = JsonEncodedText.Encode("matchKey");
    private static readonly JsonEncodedText MyPopulation = JsonEncodedText.Encode("myPopulation");
    private static readonly JsonEncodedText TheirPopulations = JsonEncodedText.Encode("theirPopulations");
    private static readonly JsonEncodedText TheirFields = JsonEncodedText.Encode("theirFields");
    private static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText RecordId = JsonEncodedText.Encode("recordId");
    private static readonly JsonEncodedText Reference = JsonEncodedText.Encode("reference");

    [ThreadStatic] private static Body? _body;

    public static void Write(Utf8JsonWriter json, ResolvedOverlap o)
    {
        var options = json.Options;
        if (json.CurrentDepth != 1 || !options.Indented || options.IndentCharacter != ' ' || options.IndentSize != 2 || options.Encoder is null)
        {
            WriteThroughWriter(json, o);
            return;
        }
        var body = _body is { } known && known.Fits(options) ? known : _body = new Body(options);
        json.WriteRawValue(body.Of(o), skipInputValidation: true);
    }

    private static void WriteThroughWriter(Utf8JsonWriter json, ResolvedOverlap o)
    {
        json.WriteStartObject();
        json.WriteString(Partner, o.Partner);
        json.WriteString(PartnerName, o.PartnerName);
        json.WriteString(Account, o.Account);
        json.WriteString(Website, o.Website);
        json.WriteString(MatchKey, o.MatchKey);
        json.WriteString(MyPopulation, o.MyPopulation);
        json.WriteStartArray(TheirPopulations);
        foreach (var population in o.TheirPopulations) json.WriteStringValue(population);
        json.WriteEndArray();
        json.WriteStartObject(TheirFields);
        foreach (var (name, value) in o.TheirFields) json.WriteString(name, value);
        json.WriteEndObject();
        json.WriteString(Source, o.Source);
        json.WriteString(RecordId, o.RecordId);
        json.WriteString(Reference, o.Reference);
        json.WriteEndObject();
    }

    /// <summary>One overlap's bytes, as an indented writer puts them after the list's comma: a new line, two spaces, the object.</summary>
    private sealed class Body(JsonWriterOptions options)
    {
        private readonly JavaScriptEncoder encoder = options.Encoder!;
        // Whether the encoder leaves exactly the printable ASCII characters but a quote and a backslash
        // as they are (the relaxed one does), asked of it once for each ASCII character.
        private readonly bool relaxedAscii = Enumerable.Range(0, 0x80).All(c =>
            options.Encoder!.FindFirstCharacterToEncodeUtf8([(byte)c]) < 0 == (c is >= ' ' and < 0x7F and not '"' and not '\\'));
        private readonly byte[] open = Bytes(options.NewLine + "  {");
        private readonly byte[] close = Bytes(options.NewLine + "  }");
        private readonly byte[][] names = [.. new[] { Partner, PartnerName, Account, Website, MatchKey, MyPopulation, TheirPopulations, TheirFields, Source, RecordId, OverlapJson.Reference }
            .Select((name, i) => Bytes((i == 0 ? "" : ",") + options.NewLine + "    \"" + name + "\": "))];
        private readonly byte[] item = Bytes(options.NewLine + "      ");
        private readonly byte[] endList = Bytes(options.NewLine + "    ]");
        private readonly byte[] endFields = Bytes(options.NewLine + "    }");
        // Texts that need escaping go through a writer of the same options: its bytes, not a copy of its rules.
        private readonly System.Buffers.ArrayBufferWriter<byte> escaped = new();
        private Utf8JsonWriter? escaper;
        private byte[] buffer = new byte[4096];
        private int used;

        public bool Fits(JsonWriterOptions other) =>
            ReferenceEquals(other.Encoder, encoder) && other.NewLine == options.NewLine;

        public ReadOnlySpan<byte> Of(ResolvedOverlap o)
        {
            used = 0;
            Raw(open);
            Raw(names[0]);
            Text(o.Partner);
            Raw(names[1]);
            Text(o.PartnerName);
            Raw(names[2]);
            Text(o.Account);
            Raw(names[3]);
            Text(o.Website);
            Raw(names[4]);
            Text(o.MatchKey);
            Raw(names[5]);
            Text(o.MyPopulation);
            Raw(names[6]);
            var theirs = o.TheirPopulations;
            if (theirs.Count == 0) Raw("[]"u8);
            else
            {
                Raw("["u8);
                for (var i = 0; i < theirs.Count; i++)
                {
                    if (i > 0) Raw(","u8);
                    Raw(item);
                    Text(theirs[i]);
                }
                Raw(endList);
            }
            Raw(names[7]);
            if (o.TheirFields.Count == 0) Raw("{}"u8);
            else
            {
                Raw("{"u8);
                var first = true;
                foreach (var (name, value) in o.TheirFields)
                {
                    if (!first) Raw(","u8);
                    first = false;
                    Raw(item);
                    Text(name);
                    Raw(": "u8);
                    Text(value);
                }
                Raw(endFields);
            }
            Raw(names[8]);
            Text(o.Source);
            Raw(names[9]);
            Text(o.RecordId);
            Raw(names[10]);
            PartnerRecord(o.Partner, o.RecordId);
            Raw(close);
            return buffer.AsSpan(0, used);
        }

        /// <summary>partner:record, as <see cref="ResolvedOverlap.Reference"/> gives it, without that string unless it needs escaping.</summary>
        private void PartnerRecord(string partner, string recordId)
        {
            var start = used;
            Raw("\""u8);
            if (Plain(partner))
            {
                Raw(":"u8);
                if (Plain(recordId))
                {
                    Raw("\""u8);
                    return;
                }
            }
            used = start;
            Escaped(partner + ":" + recordId);
        }

        /// <summary>A JSON string (or null), quoted.</summary>
        private void Text(string? value)
        {
            if (value is null)
            {
                Raw("null"u8);
                return;
            }
            var start = used;
            Raw("\""u8);
            if (Plain(value)) Raw("\""u8);
            else
            {
                used = start;
                Escaped(value);
            }
        }

        /// <summary>Appends the text as UTF-8 when it needs no escaping; false (and anything appended undone) otherwise.</summary>
        private bool Plain(string value)
        {
            Reserve(value.Length * 3);
            var target = buffer.AsSpan(used);
            if (System.Text.Unicode.Utf8.FromUtf16(value, target, out _, out var written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
                return false;
            var utf8 = target[..written];
            // Printable ASCII by a vector test; the encoder for the rest (its search is generic code
            // a ReadyToRun build leaves to the JIT, and slow until that has optimized it).
            if ((relaxedAscii && PrintableAscii(utf8)) || encoder.FindFirstCharacterToEncodeUtf8(utf8) < 0)
            {
                used += written;
                return true;
            }
            return false;
        }

        /// <summary>Whether every byte is printable ASCII other than a quote and a backslash.</summary>
        private static bool PrintableAscii(ReadOnlySpan<byte> utf8)
        {
            var i = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                var (space, delete, quote, backslash) = (Vector128.Create((byte)' '), Vector128.Create((byte)0x7F), Vector128.Create((byte)'"'), Vector128.Create((byte)'\\'));
                for (; i + Vector128<byte>.Count <= utf8.Length; i += Vector128<byte>.Count)
                {
                    var v = Vector128.Create(utf8.Slice(i, Vector128<byte>.Count));
                    if ((Vector128.LessThan(v, space) | Vector128.GreaterThanOrEqual(v, delete) | Vector128.Equals(v, quote) | Vector128.Equals(v, backslash)) != Vector128<byte>.Zero)
                        return false;
                }
            }
            for (; i < utf8.Length; i++)
            {
                var b = utf8[i];
                if (b < (byte)' ' || b >= 0x7F || b == (byte)'"' || b == (byte)'\\') return false;
            }
            return true;
        }

        private void Escaped(string value)
        {
            escaped.ResetWrittenCount();
            if (escaper is null) escaper = new Utf8JsonWriter(escaped, options);
            else escaper.Reset(escaped);
            escaper.WriteStringValue(value);
            escaper.Flush();
            Raw(escaped.WrittenSpan);
        }

        private void Raw(ReadOnlySpan<byte> bytes)
        {
            Reserve(bytes.Length);
            bytes.CopyTo(buffer.AsSpan(used));
            used += bytes.Length;
        }

        private void Reserve(int more)
        {
            if (used + more > buffer.Length) Array.Resize(ref buffer, Math.Max(buffer.Length * 2, used + more));
        }

        private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
    }
}
