using System.Text;

namespace CoSellNet.Crypto;

/// <summary>
/// What normalizing a list did: rows read, distinct keys made, duplicates folded, and the rows
/// that gave no key, by reason, with their line numbers. Feed it one result per row with
/// <see cref="Add(long, MatchKeyResult)"/>; it also tells the caller whether the row's key is new. Not thread-safe.
/// </summary>
public sealed class HygieneReport
{
    private readonly HashSet<MatchKey> seen;
    private readonly Dictionary<KeyRejection, List<long>> rejected = [];
    private long keysCounted;

    /// <summary>A report for a list of any length.</summary>
    public HygieneReport() => seen = [];

    /// <summary>A report for a list of about <paramref name="rows"/> rows (room for that many keys from the start).</summary>
    public HygieneReport(int rows) => seen = new HashSet<MatchKey>(Math.Max(rows, 0));

    /// <summary>Rows given to <see cref="Add(long, MatchKeyResult)"/>.</summary>
    public long RowsRead { get; private set; }
    /// <summary>Distinct keys made.</summary>
    public long KeysMade => seen.Count + keysCounted;
    /// <summary>Rows whose key an earlier row already had.</summary>
    public long DuplicatesFolded { get; private set; }
    /// <summary>Rows without a key.</summary>
    public long RowsWithoutKey => rejected.Values.Sum(lines => (long)lines.Count);

    /// <summary>Line numbers of the rows without a key, by reason, in the order they were added.</summary>
    public IReadOnlyDictionary<KeyRejection, IReadOnlyList<long>> Rejections =>
        rejected.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<long>)pair.Value);

    /// <summary>Records one row's result; true when it made a key no earlier row made.</summary>
    public bool Add(long line, MatchKeyResult result)
    {
        RowsRead++;
        if (result.Key is not { } key)
        {
            Reject(line, result.Rejection);
            return false;
        }
        if (seen.Add(key)) return true;
        DuplicatesFolded++;
        return false;
    }

    /// <summary>
    /// Records one row's result for a caller that keeps its own set of keys and so knows whether the
    /// key is new (a million keys need not be hashed and held twice). Use either this or
    /// <see cref="Add(long, MatchKeyResult)"/> for one report, not both.
    /// </summary>
    /// <param name="line">The row's line, listed when it has no key.</param>
    /// <param name="result">The row's key or rejection.</param>
    /// <param name="newKey">Whether no earlier row of this report had the key; ignored when there is no key.</param>
    public void Add(long line, MatchKeyResult result, bool newKey)
    {
        RowsRead++;
        if (result.Key is null) Reject(line, result.Rejection);
        else if (newKey) keysCounted++;
        else DuplicatesFolded++;
    }

    private void Reject(long line, KeyRejection why)
    {
        if (!rejected.TryGetValue(why, out var lines)) rejected[why] = lines = [];
        lines.Add(line);
    }

    /// <summary>A few lines of English for a person, listing at most <paramref name="maxLines"/> line numbers per reason.</summary>
    public string Describe(int maxLines = 10)
    {
        var text = new StringBuilder()
            .Append($"{RowsRead:N0} rows read, {KeysMade:N0} keys made, {DuplicatesFolded:N0} duplicates folded, {RowsWithoutKey:N0} rows without a key");
        foreach (var (reason, lines) in rejected.OrderByDescending(pair => pair.Value.Count))
        {
            var shown = string.Join(", ", lines.Take(maxLines));
            var more = lines.Count > maxLines ? $" and {lines.Count - maxLines:N0} more" : "";
            text.AppendLine().Append($"  {new MatchKeyResult(null, reason).Reason}: {lines.Count:N0} (lines {shown}{more})");
        }
        return text.ToString();
    }
}
