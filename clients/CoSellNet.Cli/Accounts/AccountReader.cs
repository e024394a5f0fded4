using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using CoSellNet.Cli.App;
using CsvHelper;
using CsvHelper.Configuration;
using System.Runtime.CompilerServices;

namespace CoSellNet.Cli.Accounts;

/// <summary>
/// Reads an account list from a CRM export: a Salesforce account or opportunity report, a HubSpot
/// company export, or any CSV with a <see cref="ColumnMap"/>.
/// </summary>
/// <remarks>
/// <para>
/// The header line decides the delimiter (',', ';' or tab, whichever occurs most outside quotes) and
/// the format (by column names, case-insensitive). A byte order mark, CRLF, LF or CR line ends and
/// quoted fields with line breaks are read as CsvHelper reads RFC 4180.
/// </para>
/// <para>
/// A malformed record (wrong number of fields, a stray or unclosed quote), a record with neither a
/// website nor a name, or one whose population is unknown is reported as a <see cref="RowProblem"/>
/// with the line it starts on, and skipped; every other record is still read. A quote that is never
/// closed would swallow the lines after it into one field: the lines after the one with the quote are
/// then read again on their own, so one bad quote costs one row. Blank records, closed-lost
/// opportunities, values mapped to <c>skip</c> and a Salesforce report's footer (the one-column lines
/// after a blank line at the end of a report) are left out without being problems, and counted in
/// <see cref="AccountFile.Skipped"/>.
/// </para>
/// <para>
/// Errors that concern the whole file (not a CSV, a column that is not there, no population, too many
/// rows) are a <see cref="CliException"/> that names the file's columns where that helps.
/// </para>
/// </remarks>
internal static class AccountReader
{
    private const int MaxShownHeaders = 60;
    private const int MaxShownValue = 60;

    /// <summary>Rows per batch handed to a caller's <c>batches</c> while the rest of the file is read.</summary>
    /// <remarks>A batch (40 bytes a row) and its keys stay under the 85,000 bytes that would put them on the large object heap, which only a full collection frees.</remarks>
    public const int BatchRows = 2048;

    /// <summary>Reads the export at <paramref name="path"/> (UTF-8 unless a byte order mark says otherwise).</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="options">Columns, populations, fields and the row limit.</param>
    /// <param name="batches">
    /// Given the rows as they are read, in file order, <see cref="BatchRows"/> at a time (the last batch
    /// may be shorter), so the caller can work on them while the rest is read. The rows are then the
    /// caller's alone: <see cref="AccountFile.Rows"/> is empty (a million rows are not kept twice).
    /// </param>
    /// <param name="spare">
    /// Batches of <see cref="BatchRows"/> rows the caller is done with, filled again rather than new
    /// ones made (a million rows in new batches are 40 MB of garbage).
    /// </param>
    public static AccountFile Read(string path, AccountReadOptions options, Action<AccountRow[]>? batches = null, ConcurrentQueue<AccountRow[]>? spare = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        StreamReader reader;
        try
        {
            reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true,
                new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 1 << 16, Options = FileOptions.SequentialScan });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"{path} does not exist: give the path of a CSV export.");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException($"{path} cannot be read: permission denied, or it is a directory.");
        }
        catch (IOException e)
        {
            throw new CliException($"{path} cannot be read: {e.Message}", ExitCodes.Error);
        }
        using (reader)
            return Read(reader, options, Path.GetFileName(path), batches, spare);
    }

    /// <summary>Reads an export from <paramref name="reader"/>, which is left open.</summary>
    /// <param name="reader">The CSV text.</param>
    /// <param name="options">Columns, populations, fields and the row limit.</param>
    /// <param name="source">How messages name the input, e.g. its file name.</param>
    /// <param name="batches">As for <see cref="Read(string, AccountReadOptions, Action{AccountRow[]}?, ConcurrentQueue{AccountRow[]}?)"/>.</param>
    /// <param name="spare">As there.</param>
    public static AccountFile Read(TextReader reader, AccountReadOptions options, string source = "the file", Action<AccountRow[]>? batches = null, ConcurrentQueue<AccountRow[]>? spare = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(options);

        var input = CsvInput.Open(reader, source);
        using var replay = input.Replay(reader);
        using var main = new RecordSource(replay, input.Delimiter, lineOffset: 0);
        if (!main.Next())
            throw new CliException($"There is nothing in {source}: expected a header line with the column names, then one account per line.");
        if (main.BadField is not null)
            throw new CliException($"The header line of {source} has malformed quotes: a quoted column name must be enclosed in quotes with inner quotes doubled (\"\").");
        var headers = main.Fields.Select(h => h.Trim().Trim('\uFEFF').Trim()).ToArray();

        var plan = Plan.Create(headers, options, source);
        var state = new ReadState(plan, headers, input.Delimiter, options, source, main.EndLine, batches, spare);
        state.Run(main);
        return state.Result();
    }

    private static void CheckOptions(AccountReadOptions options)
    {
        if (options.MaxRows < 1)
            throw new CliException($"The row limit must be 1 or more, not {options.MaxRows}.");
        if (options.Population is { } population)
        {
            if (population.Equals(PopulationMap.Skip, StringComparison.OrdinalIgnoreCase))
                throw new CliException($"'{PopulationMap.Skip}' leaves rows out and cannot be the population of a whole file; give a population such as customers.");
            if (!PopulationNames.IsValid(population))
                throw new CliException($"'{population}' is not a population name: {PopulationNames.Rule}.");
            if (options.Columns?.Population is { } column)
                throw new CliException($"Give one population for the whole file ({population}) or a population column (--map population={column}), not both.");
        }
    }

    /// <summary>"Its columns are: ...", for messages about a column that is not there.</summary>
    private static string ColumnsOf(IReadOnlyList<string> headers)
    {
        var shown = headers.Take(MaxShownHeaders).Select(h => h.Length == 0 ? "(unnamed)" : h);
        var more = headers.Count > MaxShownHeaders ? $" and {headers.Count - MaxShownHeaders} more" : "";
        return $"Its columns are: {string.Join(", ", shown)}{more}.";
    }

    private static string Shown(string value) =>
        value.Length <= MaxShownValue ? value : value[..MaxShownValue] + "…";

    /// <summary>A command-line argument as the user would type it: quoted when it has spaces or shell characters.</summary>
    private static string Argument(string text) =>
        text.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '=' or '.' or '/' or ':' or '@') ? text : "\"" + text.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string DelimiterName(char delimiter) => delimiter == '\t' ? "tab" : $"'{delimiter}'";

    /// <summary>Which column indexes hold what, decided once from the header.</summary>
    private sealed record Plan(
        CrmFormat Format,
        int[] Website,
        int[] Name,
        int Population,
        string? FixedPopulation,
        Func<string, PopulationDecision> Defaults,
        (string Header, int Index)[] Fields)
    {
        public static Plan Create(string[] headers, AccountReadOptions options, string source)
        {
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < headers.Length; i++)
                if (headers[i].Length > 0) index.TryAdd(headers[i], i);

            var map = options.Columns;
            var detected = CrmFormat.Detect(headers);
            if (detected is null && map is null)
                throw new CliException(
                    $"{source} is not a Salesforce account or opportunity report or a HubSpot company export by its column names. " +
                    $"Say which columns to read with --map {ColumnMap.Syntax}. {ColumnsOf(headers)}");
            var format = detected ?? CrmFormat.Mapped;

            int Require(string column, string option) =>
                index.TryGetValue(column.Trim(), out var i) ? i
                    : throw new CliException($"Column '{column.Trim()}' ({option}) is not in {source}. {ColumnsOf(headers)}");
            int[] Present(IReadOnlyList<string> columns) =>
                [.. columns.Where(index.ContainsKey).Select(c => index[c]).Distinct()];

            var website = map?.Domain is { } domain ? [Require(domain, $"--map domain={domain}")] : Present(format.Website);
            var name = map?.Name is { } nameColumn ? [Require(nameColumn, $"--map name={nameColumn}")] : Present(format.CompanyName);
            if (website.Length == 0 && name.Length == 0)
                throw new CliException(
                    $"{source} has no column to match accounts on: map the website, domain or e-mail column with --map domain=COLUMN, " +
                    $"or the company name with --map name=COLUMN. {ColumnsOf(headers)}");

            var population = -1;
            var defaults = format.Defaults;
            if (options.Population is null)
            {
                var formatColumn = format.Population is { } own && index.TryGetValue(own, out var ownIndex) ? ownIndex : -1;
                if (map?.Population is { } column)
                {
                    population = Require(column, $"--map population={column}");
                    // A format's defaults belong to its own population column; any other column gets the generic ones.
                    if (population != formatColumn) defaults = CrmFormat.Generic;
                }
                else if (formatColumn >= 0)
                {
                    population = formatColumn;
                }
                else
                {
                    var missing = format.Population is { } expected ? $" (a {format.Name} export has it in '{expected}')" : "";
                    throw new CliException(
                        $"{source} has no population column{missing}: give one population for the whole file with --population NAME (e.g. customers), " +
                        $"or say which column holds it with --map population=COLUMN. {ColumnsOf(headers)}");
                }
            }

            var fields = new List<(string, int)>();
            var unknown = new List<string>();
            foreach (var requested in options.FieldColumns.Select(c => c.Trim()).Where(c => c.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (index.TryGetValue(requested, out var i)) fields.Add((headers[i], i));
                else unknown.Add($"'{requested}'");
            }
            if (unknown.Count > 0)
                throw new CliException(unknown.Count == 1
                    ? $"Column {unknown[0]} (in --fields) is not in {source}. {ColumnsOf(headers)}"
                    : $"Columns {string.Join(", ", unknown)} (in --fields) are not in {source}. {ColumnsOf(headers)}");

            return new Plan(format, website, name, population, options.Population, defaults, [.. fields]);
        }
    }

    /// <summary>The records of a CSV text as CsvHelper parses them, with the physical lines each one spans.</summary>
    private sealed class RecordSource : IDisposable
    {
        private readonly CsvParser _parser;
        private readonly long _lineOffset;
        private long _previousRow;
        private long _previousRawRow;

        public RecordSource(TextReader reader, char delimiter, long lineOffset)
        {
            _lineOffset = lineOffset;
            var config = new CsvConfiguration(CultureInfo.InvariantCulture)
            {
                Delimiter = delimiter.ToString(),
                DetectDelimiter = false,
                Mode = CsvMode.RFC4180,
                IgnoreBlankLines = true,
                BufferSize = 1 << 16,
                BadDataFound = args => BadField ??= args.Field,
            };
            _parser = new CsvParser(reader, config, leaveOpen: true);
        }

        /// <summary>The current record's fields, valid until the next record is read (the array is used again).</summary>
        public string[] Fields { get; private set; } = [];

        /// <summary>The first field of the current record that CsvHelper found malformed quotes in; null when none.</summary>
        public string? BadField { get; private set; }

        public long StartLine { get; private set; }

        public long EndLine { get; private set; }

        // Per record: compiled optimized at its first call (see AccountImport.KeysOf).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Next()
        {
            BadField = null;
            if (!_parser.Read()) return false;
            // Row counts records and blank lines, RawRow counts physical lines (both up to the end of
            // this record): what RawRow gained over Row here is the line breaks inside the record.
            var breaks = _parser.RawRow - _parser.Row - (_previousRawRow - _previousRow);
            _previousRow = _parser.Row;
            _previousRawRow = _parser.RawRow;
            EndLine = _lineOffset + _parser.RawRow;
            StartLine = EndLine - breaks;
            // Every field is processed, which is when bad quotes are found. Into an array of this
            // source's own while the width stays the same (the record's array goes nowhere else).
            var count = _parser.Count;
            if (Fields.Length != count) Fields = new string[count];
            for (var i = 0; i < count; i++) Fields[i] = _parser[i];
            return true;
        }

        /// <summary>The current record's text after its first line break: the lines to read again after an unclosed quote.</summary>
        public string TextAfterFirstLine()
        {
            var raw = _parser.RawRecord;
            var cut = raw.IndexOfAny(['\r', '\n']);
            if (cut < 0) return "";
            if (raw[cut] == '\r' && cut + 1 < raw.Length && raw[cut + 1] == '\n') cut++;
            return raw[(cut + 1)..];
        }

        public void Dispose() => _parser.Dispose();
    }

    private sealed class ReadState(Plan plan, string[] headers, char delimiter, AccountReadOptions options, string source, long headerEndLine,
        Action<AccountRow[]>? batches, ConcurrentQueue<AccountRow[]>? spare)
    {
        private const string EmptyRecord = "empty record";
        private const string ReportFooter = "report footer line";
        private const int MaxCachedPopulationValues = 1024;

        private static readonly IReadOnlyDictionary<string, string> NoFields = ReadOnlyDictionary<string, string>.Empty;

        /// <summary>The rows read, without <c>batches</c>.</summary>
        private readonly List<AccountRow> _rows = [];
        /// <summary>With <c>batches</c>, the rows read since the last batch was handed over: the first <see cref="_batched"/> of this batch.</summary>
        private AccountRow[]? _batch;
        private int _batched;
        private readonly List<RowProblem> _problems = [];
        private readonly Dictionary<string, long> _skipped = new(StringComparer.Ordinal);
        private readonly Dictionary<string, PopulationDecision> _populations = new(StringComparer.Ordinal);
        private readonly string[] _fieldNames = [.. plan.Fields.Select(f => f.Header)];
        private readonly bool _salesforce = plan.Format.Name is AccountFormats.SalesforceAccounts or AccountFormats.SalesforceOpportunities;
        private long _records;
        private long _rowsCounted;
        private long _lastEndLine = headerEndLine;
        private bool _afterBlank;
        private bool _inFooter;

        public void Run(RecordSource main)
        {
            // Lines read again after an unclosed quote are a source of their own, read before the rest.
            var sources = new Stack<RecordSource>();
            sources.Push(main);
            while (sources.Count > 0)
            {
                var current = sources.Peek();
                if (!current.Next())
                {
                    sources.Pop();
                    if (current != main) current.Dispose();
                    continue;
                }
                _records++;
                if (current.BadField is { } bad && current.EndLine > current.StartLine)
                {
                    // Probably a quote that was never closed: report this line, and read the lines it swallowed again.
                    CountRow();
                    var rest = current.TextAfterFirstLine();
                    var lastLine = current.StartLine + LineCount(rest);
                    Problem(current.StartLine,
                        $"malformed quotes in {Quoted(bad)}: the quoted field that starts here runs on to line {lastLine}, " +
                        $"so lines {current.StartLine + 1} to {lastLine} were read again on their own. " +
                        "Enclose a field that has quotes in quotes, and double the quotes inside it (\"\").");
                    sources.Push(new RecordSource(new StringReader(rest), delimiter, current.StartLine));
                    _lastEndLine = current.StartLine;
                    continue;
                }
                Take(current);
                _lastEndLine = current.EndLine;
            }
            if (_batched > 0) HandRows();
        }

        /// <summary>Gives the rows read since the last batch to <c>batches</c>, in an array of their own, and forgets them.</summary>
        private void HandRows()
        {
            // The last batch, shorter, in an array of its length.
            var batch = _batched == BatchRows ? _batch! : _batch.AsSpan(0, _batched).ToArray();
            _batch = null;
            _batched = 0;
            batches!(batch);
        }

        private void Add(AccountRow row)
        {
            if (batches is null)
            {
                _rows.Add(row);
                return;
            }
            if (_batch is null && (spare is null || !spare.TryDequeue(out _batch))) _batch = new AccountRow[BatchRows];
            _batch[_batched++] = row;
            if (_batched == BatchRows) HandRows();
        }

        /// <summary>Counts a record that is an account or a problem (not an empty record or a footer line) against the limit.</summary>
        private void CountRow()
        {
            if (++_rowsCounted > options.MaxRows)
                throw new CliException(
                    $"{source} has more than {options.MaxRows.ToString("N0", CultureInfo.InvariantCulture)} rows, the limit for one file. " +
                    "Split the file, or raise the limit with --max-rows.");
        }

        // Per record: compiled optimized at its first call (see AccountImport.KeysOf).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Take(RecordSource record)
        {
            var fields = record.Fields;
            var line = record.StartLine;
            var afterBlank = _afterBlank || line > _lastEndLine + 1;
            _afterBlank = false;

            if (IsBlank(fields))
            {
                Skip(EmptyRecord);
                _afterBlank = true;
                return;
            }
            // A Salesforce report ends with a blank line and one-column lines: title, copyright, "Generated By".
            if (_salesforce && fields.Length == 1 && headers.Length > 1 && (afterBlank || _inFooter))
            {
                _inFooter = true;
                Skip(ReportFooter);
                return;
            }
            _inFooter = false;
            CountRow();
            if (record.BadField is { } bad)
            {
                Problem(line, $"malformed quotes in {Quoted(bad)}: enclose a field that has quotes in quotes, and double the quotes inside it (\"\").");
                return;
            }
            if (!WidthFits(fields))
            {
                Problem(line,
                    $"has {fields.Length} {(fields.Length == 1 ? "field" : "fields")} but the header has {headers.Length}: " +
                    $"check for a stray {DelimiterName(delimiter)} or a missing quote in this row.");
                return;
            }

            var website = First(fields, plan.Website);
            var name = First(fields, plan.Name);
            if (website is null && name is null)
            {
                var columns = plan.Website.Concat(plan.Name).Select(i => $"'{headers[i]}'").ToList();
                Problem(line, $"no website or name to match on: {string.Join(" and ", columns)} {(columns.Count == 1 ? "is" : "are")} empty.");
                return;
            }

            var population = plan.FixedPopulation;
            if (population is null)
            {
                var cell = Cell(fields, plan.Population).Trim();
                var decision = PopulationOf(cell);
                if (decision.SkipReason is { } reason)
                {
                    Skip(reason);
                    return;
                }
                if (decision.Population is null)
                {
                    Problem(line, UnknownPopulation(cell, headers[plan.Population]));
                    return;
                }
                population = decision.Population;
            }

            Add(new AccountRow(line, population, website, name, SharedFields(fields)));
        }

        /// <summary>
        /// What a population cell means: the user's map first, then the format's defaults. A file holds
        /// a handful of distinct values, so each is decided once (folding a value allocates).
        /// </summary>
        private PopulationDecision PopulationOf(string cell)
        {
            if (_populations.TryGetValue(cell, out var known)) return known;
            PopulationDecision decision;
            if (options.Populations?.TryMap(cell, out var mapped) == true)
                decision = mapped is null
                    ? PopulationDecision.Skipped($"'{(cell.Length == 0 ? PopulationMap.Blank : Shown(cell))}' mapped to {PopulationMap.Skip}")
                    : PopulationDecision.Of(mapped);
            else
                decision = plan.Defaults(cell);
            // A column of free text (the wrong column mapped) must not grow the cache with the file.
            if (_populations.Count < MaxCachedPopulationValues) _populations[cell] = decision;
            return decision;
        }

        public AccountFile Result() => new(
            plan.Format.Name,
            delimiter,
            headers,
            new AccountColumns(
                [.. plan.Website.Select(i => headers[i])],
                [.. plan.Name.Select(i => headers[i])],
                plan.Population >= 0 ? headers[plan.Population] : null,
                [.. plan.Fields.Select(f => f.Header)]),
            _records,
            _rows,
            _problems,
            _skipped);

        private static string UnknownPopulation(string cell, string column) =>
            cell.Length == 0
                ? $"population unknown: '{column}' is empty; map empty cells with --population-map {Argument(PopulationMap.Blank + "=prospects")} " +
                  "(any population, or skip), or give one population for the whole file with --population."
                : $"population unknown: '{Shown(cell)}' in '{column}'; map it with --population-map {Argument(cell + "=customers")} (any population, or skip).";

        /// <summary>
        /// The record has the header's number of fields, or differs only by empty cells at the end
        /// (a trailing delimiter on the row) or by unnamed header columns at the end (one on the header).
        /// </summary>
        private bool WidthFits(string[] fields)
        {
            for (var i = headers.Length; i < fields.Length; i++)
                if (!string.IsNullOrWhiteSpace(fields[i])) return false;
            for (var i = fields.Length; i < headers.Length; i++)
                if (headers[i].Length > 0) return false;
            return true;
        }

        private IReadOnlyDictionary<string, string> SharedFields(string[] fields)
        {
            if (plan.Fields.Length == 0) return NoFields;
            string?[]? values = null;
            for (var i = 0; i < plan.Fields.Length; i++)
            {
                var value = Cell(fields, plan.Fields[i].Index).Trim();
                if (value.Length > 0) (values ??= new string?[plan.Fields.Length])[i] = value;
            }
            return values is null ? NoFields : new RowFields(_fieldNames, values);
        }

        private static string? First(string[] fields, int[] columns)
        {
            foreach (var column in columns)
            {
                var value = Cell(fields, column).Trim();
                if (value.Length > 0) return value;
            }
            return null;
        }

        /// <summary>Physical lines in a text: CR, LF and CRLF each end one; a line end at the very end starts no new line.</summary>
        private static long LineCount(string text)
        {
            if (text.Length == 0) return 0;
            long lines = 1;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                if ((c == '\r' || c == '\n') && i + 1 < text.Length) lines++;
            }
            return lines;
        }

        private static string Cell(string[] fields, int index) => index < fields.Length ? fields[index] : "";

        private static bool IsBlank(string[] fields)
        {
            // A loop rather than All(): that allocates an enumerator a record.
            foreach (var field in fields)
                if (!string.IsNullOrWhiteSpace(field)) return false;
            return true;
        }

        /// <summary>The field as it was read, up to its first line break.</summary>
        private static string Quoted(string field)
        {
            var cut = field.IndexOfAny(['\r', '\n']);
            return $"field '{Shown((cut < 0 ? field : field[..cut]).Trim())}'";
        }

        private void Problem(long line, string problem) => _problems.Add(new RowProblem(line, problem));

        private void Skip(string reason) => _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;
    }
}
