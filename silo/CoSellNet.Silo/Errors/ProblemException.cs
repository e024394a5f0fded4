namespace CoSellNet.Silo.Errors;

/// <summary>What kind of refusal a <see cref="ProblemException"/> is; the API maps it to a status code.</summary>
public enum ProblemKind
{
    Validation,
    NotFound,
    Conflict,
    Forbidden,
    Gone,
}

/// <summary>
/// A refusal that grains raise on purpose: bad input, a missing or foreign resource, a conflict
/// with the current state. It crosses grain calls intact (Orleans serializes it) and becomes an
/// RFC 7807 ProblemDetails at the API. <see cref="Exception.Message"/> is the detail: it says
/// what was wrong and what to do, and never contains a secret.
/// </summary>
[GenerateSerializer]
public sealed class ProblemException : Exception
{
    public ProblemException(ProblemKind kind, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null,
        IReadOnlyDictionary<string, string>? extensions = null)
        : base(detail)
    {
        Kind = kind;
        Title = title;
        Errors = errors is null ? null : new Dictionary<string, string[]>(errors);
        Extensions = extensions is null ? null : new Dictionary<string, string>(extensions);
    }

    [Id(0)] public ProblemKind Kind { get; }
    [Id(1)] public string Title { get; }
    /// <summary>Per-field messages for validation problems.</summary>
    [Id(2)] public Dictionary<string, string[]>? Errors { get; }
    /// <summary>Machine-readable facts of the refusal (e.g. the rule that refused it), added to the ProblemDetails as members.</summary>
    [Id(3)] public Dictionary<string, string>? Extensions { get; }

    public static ProblemException NotFound(string what, string detail) => new(ProblemKind.NotFound, $"{what} not found", detail);
    public static ProblemException Conflict(string title, string detail) => new(ProblemKind.Conflict, title, detail);
    public static ProblemException Forbidden(string title, string detail) => new(ProblemKind.Forbidden, title, detail);

    public static ProblemException Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(ProblemKind.Validation, "The request is not valid",
            "One or more fields are not valid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
            errors);

    public static ProblemException Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });
}
