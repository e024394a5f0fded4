using System.CommandLine;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.App;

/// <summary>Small helpers shared by the feature folders to declare commands, options and actions.</summary>
internal sealed class CommandBuilder(CliEnvironment env, GlobalOptions global)
{
    public CliEnvironment Environment => env;

    public GlobalOptions Global => global;

    /// <summary>Runs <paramref name="body"/> when the command is invoked; failures become messages and exit codes.</summary>
    public void Action(Command command, Func<CommandContext, Task<int>> body) =>
        command.SetAction(async (parse, ct) =>
        {
            using var context = new CommandContext(parse, env, global, ct);
            try
            {
                return await body(context);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return ErrorReporter.Report(e, env.Error, SafeKeySource(context));
            }
        });

    private static string? SafeKeySource(CommandContext context)
    {
        try { return context.Settings.Key is null ? null : context.Settings.KeySource; }
        catch (CliException) { return null; }
    }

    public static Argument<string> IdArgument(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value.Trim();
            if (text.Length == 0) result.AddError($"<{name}> must not be empty.");
            return text;
        },
    };

    /// <summary>An option taking one of an enum's wire names (e.g. --type technology).</summary>
    public static Option<TEnum?> EnumOption<TEnum>(string name, string description) where TEnum : struct, Enum
    {
        var names = CoSellNetJson.EnumNames<TEnum>();
        var option = new Option<TEnum?>(name)
        {
            Description = $"{description} ({string.Join(", ", names)})",
            HelpName = string.Join("|", names),
            CustomParser = result =>
            {
                var text = result.Tokens[0].Value;
                if (CoSellNetJson.TryParseEnum<TEnum>(text, out var value)) return value;
                result.AddError($"'{text}' is not a valid {name.TrimStart('-')}; use one of: {string.Join(", ", names)}.");
                return null;
            },
        };
        option.CompletionSources.Add(names.ToArray());
        return option;
    }

    /// <summary>A repeatable option, one value per occurrence (e.g. --industry saas --industry fintech).</summary>
    public static Option<string[]> Repeated(string name, string description, Func<string, string?>? check = null)
    {
        var option = new Option<string[]>(name)
        {
            Description = description + " Repeat for several.",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        if (check is not null)
            option.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                    if (check(token.Value) is { } error) result.AddError(error);
            });
        return option;
    }

    /// <summary>--motion, checked against the motions the node knows.</summary>
    public static Option<string[]> Motions(string description) =>
        Repeated("--motion", $"{description} ({string.Join(", ", Vocabulary.Motions)}).", text =>
            Vocabulary.Motions.Contains(text)
                ? null
                : $"'{text}' is not a motion; use {string.Join(", ", Vocabulary.Motions)}.");

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    public static Option<int?> Limit() => new("--limit")
    {
        Description = "Show at most this many items (all by default).",
        Validators =
        {
            result =>
            {
                // Only a number can be checked: a token that is not one already has its parse error.
                if (result.Tokens is [var token] && int.TryParse(token.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) && n < 1)
                    result.AddError("--limit must be 1 or more.");
            },
        },
    };

    /// <summary>The first <paramref name="limit"/> items (all when null).</summary>
    public static async Task<List<T>> Take<T>(IAsyncEnumerable<T> items, int? limit, CancellationToken ct)
    {
        var list = new List<T>();
        if (limit is 0) return list;
        await foreach (var item in items.WithCancellation(ct))
        {
            list.Add(item);
            if (list.Count == limit) break;
        }
        return list;
    }
}
