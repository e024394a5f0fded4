using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace CoSellNet.Cli.Accounts;

/// <summary>
/// The shared fields of one row: the column names are one array for the whole file, the row holds
/// only its values (a million rows with a dictionary each would cost several times the memory and time).
/// Columns whose cell is empty are not in the dictionary. Names compare ordinally.
/// </summary>
internal sealed class RowFields : IReadOnlyDictionary<string, string>
{
    private readonly string[] _names;
    private readonly string?[] _values;

    /// <param name="names">The column names, shared by every row of a file.</param>
    /// <param name="values">This row's values, one per name; null for an empty cell.</param>
    public RowFields(string[] names, string?[] values)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        if (names.Length != values.Length) throw new ArgumentException("One value per name is needed.", nameof(values));
        _names = names;
        _values = values;
        foreach (var value in values)
            if (value is not null) Count++;
    }

    public int Count { get; }

    public string this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"This row has no shared field '{key}'.");

    public IEnumerable<string> Keys => this.Select(p => p.Key);

    public IEnumerable<string> Values => this.Select(p => p.Value);

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var index = Array.IndexOf(_names, key);
        value = index >= 0 ? _values[index] : null;
        return value is not null;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (var i = 0; i < _names.Length; i++)
            if (_values[i] is { } value) yield return new KeyValuePair<string, string>(_names[i], value);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
