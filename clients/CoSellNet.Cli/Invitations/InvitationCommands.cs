using System.CommandLine;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Config;
using CoSellNet.Cli.Partners;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Invitations;

/// <summary><c>cosell invitations …</c>: invite companies, and join the network with an invitation.</summary>
internal static class InvitationCommands
{
    public static Command Build(CommandBuilder b)
    {
        var command = new Command("invitations", "Invite companies to the network, or join it with an invitation token.");
        command.Subcommands.Add(Create(b));
        command.Subcommands.Add(List(b));
        command.Subcommands.Add(Revoke(b));
        command.Subcommands.Add(Redeem(b));
        return command;
    }

    private static Command Create(CommandBuilder b)
    {
        var company = new Option<string?>("--company") { Description = "The invited company's name (a note for you)." };
        var hours = new Option<int>("--expires-in-hours")
        {
            Description = "How long the token stays valid.",
            DefaultValueFactory = _ => 72,
            Validators = { r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--expires-in-hours must be 1 or more."); } },
        };
        var motions = CommandBuilder.Motions("A motion of the partnership proposed when a partner invites");
        var command = new Command("create", "Create a single-use, expiring invitation; prints its token, once.") { company, hours, motions };
        b.Action(command, async ctx =>
        {
            var request = new InvitationRequest(
                string.IsNullOrWhiteSpace(ctx.Get(company)) ? null : ctx.Get(company)!.Trim(),
                ctx.Get(hours),
                ctx.Get(motions) is { Length: > 0 } m ? m : null);
            var created = await ctx.Client().CreateInvitationAsync(request, ctx.Cancellation);
            ctx.Output.WriteItem(created, InvitationViews.Created);
            ctx.Warn("This is the only time the token is shown. Send it to the invitee securely; they join with 'cosell invitations redeem <token> --name … --domain … --type …'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandBuilder b)
    {
        var limit = CommandBuilder.Limit();
        var command = new Command("list", "List the invitations I issued.") { limit };
        b.Action(command, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllInvitationsAsync(ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, InvitationViews.List(DateTimeOffset.UtcNow), "No invitations.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke(CommandBuilder b)
    {
        var id = CommandBuilder.IdArgument("invitation-id", "The invitation's id (see 'cosell invitations list').");
        var command = new Command("revoke", "Revoke an invitation that has not been redeemed.") { id };
        b.Action(command, async ctx =>
        {
            ctx.Output.WriteItem(await ctx.Client().RevokeInvitationAsync(ctx.Get(id), ctx.Cancellation), InvitationViews.List(DateTimeOffset.UtcNow));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Redeem(CommandBuilder b)
    {
        var token = new Argument<string>("token") { Description = "The invitation token (inv_…)." };
        token.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>()?.Trim() ?? "";
            if (!text.StartsWith("inv_", StringComparison.Ordinal))
                r.AddError(text.StartsWith("csn_", StringComparison.Ordinal)
                    ? "That is an API key, not an invitation token; invitation tokens start with inv_."
                    : "That is not an invitation token: they look like inv_<inviter>_<id>_<secret>. Copy the whole token.");
        });
        var replace = CommandBuilder.Flag("--replace-key", "Overwrite the API key already stored in the profile.");
        var options = new RegistrationOptions(required: true);
        var command = new Command("redeem",
            "Join the network with an invitation token: creates my partner and its first API key, and stores the key in the profile (--profile, or the default).")
        {
            token, replace,
        };
        options.AddTo(command);
        b.Action(command, async ctx =>
        {
            var profileName = ctx.Settings.Profile;
            var config = ctx.Config;
            var existing = config.Profiles.GetValueOrDefault(profileName);
            // Checked before redeeming: a key shown once must never be overwritten by accident.
            if (existing?.Key is { Length: > 0 } && !ctx.Get(replace))
                throw new CliException(
                    $"Profile '{profileName}' already holds an API key ({ApiKeyFormat.Redact(existing.Key)}). Redeem into a new profile with --profile NAME, or pass --replace-key.");

            var url = ctx.Settings.RequireUrl();
            var created = await ctx.Client(anonymous: true).RedeemInvitationAsync(
                new RedeemInvitation(ctx.Get(token).Trim(), options.Build(ctx)), ctx.Cancellation);

            try
            {
                var profile = existing ?? new Profile();
                profile.Url = url.ToString();
                profile.Key = created.ApiKey.Secret;
                config.Profiles[profileName] = profile;
                if (config.DefaultProfile is null && !config.Profiles.ContainsKey(Settings.DefaultProfileName))
                    config.DefaultProfile = profileName;
                ctx.Store.Save(config);
            }
            catch (CliException e)
            {
                // The key exists only in this answer: show it rather than lose it.
                ctx.Output.WriteItem(created, PartnerViews.Created(showSecret: true));
                ctx.Warn($"The new API key could not be saved ({e.Message}). It is shown above only this once: store it now.");
                return ExitCodes.Error;
            }

            var shown = created with { ApiKey = created.ApiKey with { Secret = ApiKeyFormat.Redact(created.ApiKey.Secret) } };
            ctx.Output.WriteItem(shown, PartnerViews.Created(showSecret: true)); // already redacted
            ctx.Note($"Saved the new API key to profile '{profileName}' in {ctx.Store.Path}.");
            if (ctx.Environment.GetVariable(CliEnvironment.KeyVariable) is { Length: > 0 })
                ctx.Warn($"{CliEnvironment.KeyVariable} is set and overrides the saved key; unset it to act as the new partner.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
