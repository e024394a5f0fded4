using System.Text;
using CoSellNet.Cli.App;

namespace CoSellNet.Cli.Accounts;

/// <summary>
/// The start of a CSV file, read before CsvHelper sees it: the byte order mark is dropped and the
/// delimiter is taken from the header line. The text read is replayed by <see cref="Replay"/>.
/// </summary>
internal sealed class CsvInput
{
    /// <summary>A header line longer than this is not a CSV header.</summary>
    internal const int MaxHeaderChars = 1 << 20;

    /// <summary>Delimiters tried on the header line, in order of preference on a tie.</summary>
    internal static readonly char[] Delimiters = [',', ';', '\t'];

    private CsvInput(string prefix, char delimiter)
    {
        Prefix = prefix;
        Delimiter = delimiter;
    }

    /// <summary>The text read so far (without a byte order mark), to be read again before the rest.</summary>
    public string Prefix { get; }

    public char Delimiter { get; }

    /// <summary>Reads up to the end of the first non-blank line (quoted line breaks included) and picks its delimiter.</summary>
    public static CsvInput Open(TextReader reader, string source)
    {
        var text = new StringBuilder();
        var chunk = new char[8192];
        var inQuotes = false;
        var scanned = 0;
        var lineStart = 0;
        var headerEnd = -1;
        var first = true;
        while (headerEnd < 0)
        {
            var read = reader.Read(chunk, 0, chunk.Length);
            if (read == 0) break;
            var start = first && chunk[0] == '\uFEFF' ? 1 : 0;
            first = false;
            text.Append(chunk, start, read - start);
            for (; scanned < text.Length; scanned++)
            {
                var c = text[scanned];
                if (c == '"')
                {
                    inQuotes = !inQuotes;
                }
                else if (!inQuotes && c is '\r' or '\n')
                {
                    if (!IsBlank(text, lineStart, scanned))
                    {
                        headerEnd = scanned;
                        break;
                    }
                    lineStart = scanned + 1;
                }
            }
            if (headerEnd < 0 && text.Length > MaxHeaderChars)
                throw new CliException($"The first line of {source} is longer than {MaxHeaderChars / 1024} KiB: it is not a CSV header. Is this a CSV export?");
        }
        if (headerEnd < 0) headerEnd = text.Length;
        if (IsBlank(text, lineStart, headerEnd))
            throw new CliException($"There is nothing in {source}: expected a header line with the column names, then one account per line.");
        return new CsvInput(text.ToString(), PickDelimiter(text, lineStart, headerEnd));
    }

    /// <summary>A reader that gives <see cref="Prefix"/> and then the rest of <paramref name="rest"/>; it does not close <paramref name="rest"/>.</summary>
    public TextReader Replay(TextReader rest) => new PrefixedReader(Prefix, rest);

    /// <summary>The delimiter that occurs most often outside quotes; ',' when none does or on a tie with it.</summary>
    private static char PickDelimiter(StringBuilder text, int start, int end)
    {
        var counts = new int[Delimiters.Length];
        var inQuotes = false;
        for (var i = start; i < end; i++)
        {
            var c = text[i];
            if (c == '"') inQuotes = !inQuotes;
            else if (!inQuotes && Array.IndexOf(Delimiters, c) is var d and >= 0) counts[d]++;
        }
        var best = 0;
        for (var d = 1; d < counts.Length; d++)
            if (counts[d] > counts[best]) best = d;
        return Delimiters[best];
    }

    private static bool IsBlank(StringBuilder text, int start, int end)
    {
        for (var i = start; i < end; i++)
            if (!char.IsWhiteSpace(text[i])) return false;
        return true;
    }

    private sealed class PrefixedReader(string prefix, TextReader rest) : TextReader
    {
        private int _position;

        public override int Peek() => _position < prefix.Length ? prefix[_position] : rest.Peek();

        public override int Read() => _position < prefix.Length ? prefix[_position++] : rest.Read();

        public override int Read(char[] buffer, int index, int count)
        {
            ArgumentNullException.ThrowIfNull(buffer);
            return Read(buffer.AsSpan(index, count));
        }

        public override int Read(Span<char> buffer)
        {
            if (_position >= prefix.Length) return rest.Read(buffer);
            var n = Math.Min(buffer.Length, prefix.Length - _position);
            prefix.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
    }
}
