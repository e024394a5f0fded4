namespace CoSellNet.Silo.Errors;

/// <summary>Collects field errors so that one response names every problem, not just the first.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public Validator Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    public Validator Require(bool condition, string field, string message) => condition ? this : Add(field, message);

    public Validator Text(string? value, string field, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) Add(field, "is required.");
        }
        else if (value.Length > maxLength)
        {
            Add(field, $"is {value.Length} characters long; the limit is {maxLength}.");
        }
        else if (value.Any(char.IsControl))
        {
            Add(field, "must not contain control characters.");
        }
        return this;
    }

    public Validator List(IReadOnlyList<string>? values, string field, int maxItems, int maxLength)
    {
        if (values is null) return this;
        if (values.Count > maxItems) Add(field, $"has {values.Count} items; the limit is {maxItems}.");
        for (var i = 0; i < values.Count && i < maxItems; i++) Text(values[i], $"{field}[{i}]", maxLength);
        return this;
    }

    /// <summary>Throws a validation <see cref="ProblemException"/> naming every collected error.</summary>
    public void ThrowIfInvalid()
    {
        if (!IsValid) throw ProblemException.Invalid(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }
}
