using System.CommandLine;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Output;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Rooms;

/// <summary>
/// <c>cosell rooms …</c>: opportunity rooms where partners of any type work one deal together —
/// members and invitations, messages, tasks, the opportunity, each partner's touches, the room's
/// history and its deal registrations. Tables name partners by the names the room's members go by;
/// -o json prints the node's JSON (partner ids).
/// </summary>
internal static class RoomCommands
{
    public static Command Build(CommandBuilder b)
    {
        var command = new Command("rooms", "Opportunity rooms: open one on an account, invite partners, and work the deal together.");
        command.Subcommands.Add(List(b));
        command.Subcommands.Add(Show(b));
        command.Subcommands.Add(Open(b));
        command.Subcommands.Add(Invite(b));
        command.Subcommands.Add(Answer(b, "accept", "Accept my invitation to a room: I then see and work it with the role I was invited with."));
        command.Subcommands.Add(Answer(b, "decline", "Decline my invitation to a room."));
        command.Subcommands.Add(Role(b));
        command.Subcommands.Add(Leave(b));
        command.Subcommands.Add(Remove(b));
        command.Subcommands.Add(Members(b));
        command.Subcommands.Add(Say(b));
        command.Subcommands.Add(Messages(b));
        command.Subcommands.Add(Tasks(b));
        command.Subcommands.Add(TaskCommand(b));
        command.Subcommands.Add(OpportunityCommand(b));
        command.Subcommands.Add(TouchCommand(b));
        command.Subcommands.Add(Touches(b));
        command.Subcommands.Add(History(b));
        command.Subcommands.Add(Register(b));
        command.Subcommands.Add(Registrations(b));
        return command;
    }

    /// <summary>The names of the room's members for a table; none (ids as they are) for JSON, which is the node's own.</summary>
    private static async Task<RoomNames> Names(CommandContext ctx, string roomId)
    {
        if (ctx.Output.Format == OutputFormat.Json) return RoomNames.None;
        var room = await ctx.Client().GetRoomAsync(roomId, ctx.Cancellation);
        return new RoomNames(room.Members, room.Me.PartnerId);
    }

    private static Command List(CommandBuilder b)
    {
        var limit = CommandBuilder.Limit();
        var command = new Command("list", "List the rooms I am a member of or invited to.") { limit };
        b.Action(command, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllRoomsAsync(ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, RoomViews.List, "No rooms yet. Open one with 'cosell rooms open --domain <domain> --name <account name>'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var command = new Command("show", "Show a room: the account, members, the opportunity and counts (an invitation shows the account, title and members only).") { id };
        b.Action(command, async ctx =>
        {
            ctx.Output.WriteItem(await ctx.Client().GetRoomAsync(ctx.Get(id), ctx.Cancellation), RoomViews.Detail);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Open(CommandBuilder b)
    {
        var domain = RoomOptions.Domain();
        var name = RoomOptions.Text("--name", "The account's display name, e.g. \"Acme Corp\".", Vocabulary.MaxNameLength, required: true);
        var title = RoomOptions.Text("--title", "The room's title (the account's name by default).", RoomLimits.MaxTitleLength);
        var overlap = RoomOptions.FromOverlap();
        var opportunity = new RoomOptions.OpportunityOptions();
        var command = new Command("open",
            "Open a room on an account, as its owner. Naming the account is the act of consent that reveals it to the members I invite; the room's history records it.")
        {
            domain, name, title, overlap,
        };
        opportunity.AddTo(command, clear: false);
        b.Action(command, async ctx =>
        {
            var request = new OpenRoom(new RoomAccount(ctx.Get(domain)!, ctx.Get(name)!), ctx.Get(title), ctx.Get(overlap), opportunity.Read(ctx));
            var room = await ctx.Client().OpenRoomAsync(request, ctx.Cancellation);
            ctx.Output.WriteItem(room, RoomViews.Detail);
            ctx.Note($"Opened room {room.Id}. Invite partners with 'cosell rooms invite {room.Id} <partner-id>'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Invite(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var partner = CommandBuilder.IdArgument("partner-id", "The partner to invite (see 'cosell directory'); any type: vendor, technology, service, reseller, …");
        var role = CommandBuilder.EnumOption<RoomRole>("--role", "The role: owners invite and set roles, members work the deal, viewers read; member by default");
        var command = new Command("invite", "Invite a partner to a room (owners only); it learns the account and title, and sees the rest once it accepts.") { id, partner, role };
        b.Action(command, async ctx =>
        {
            var member = await ctx.Client().InviteToRoomAsync(ctx.Get(id), new InviteMember(ctx.Get(partner), ctx.Get(role) ?? RoomRole.Member), ctx.Cancellation);
            ctx.Output.WriteItem(member, RoomViews.Members(RoomNames.None));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Answer(CommandBuilder b, string name, string description)
    {
        var id = RoomOptions.RoomId();
        var command = new Command(name, description) { id };
        b.Action(command, async ctx =>
        {
            var client = ctx.Client();
            var room = name == "accept"
                ? await client.AcceptRoomAsync(ctx.Get(id), ctx.Cancellation)
                : await client.DeclineRoomAsync(ctx.Get(id), ctx.Cancellation);
            ctx.Output.WriteItem(room, RoomViews.Detail);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Role(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var partner = CommandBuilder.IdArgument("partner-id", "The member whose role changes.");
        var role = CommandBuilder.EnumOption<RoomRole>("--role", "The new role");
        role.Required = true;
        var command = new Command("role", "Set a member's role (owners only; a room keeps at least one owner).") { id, partner, role };
        b.Action(command, async ctx =>
        {
            var member = await ctx.Client().SetRoomMemberRoleAsync(ctx.Get(id), ctx.Get(partner), ctx.Get(role)!.Value, ctx.Cancellation);
            ctx.Output.WriteItem(member, RoomViews.Members(RoomNames.None));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Leave(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var command = new Command("leave",
            "Leave a room: I read nothing of it afterwards and get none of its events; my touches stay. " +
            "The last owner makes another member an owner first; the last member of an open room with a live deal registration closes the opportunity first.") { id };
        b.Action(command, async ctx =>
        {
            var client = ctx.Client();
            var me = (await client.GetMeAsync(ctx.Cancellation)).Entry;
            await client.RemoveRoomMemberAsync(ctx.Get(id), me.Id, ctx.Cancellation);
            ctx.Note($"{me.Name} left room {ctx.Get(id)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var partner = CommandBuilder.IdArgument("partner-id", "The member or invitee to remove.");
        var command = new Command("remove", "Remove a member or withdraw an invitation (owners only); its touches stay in the room.") { id, partner };
        b.Action(command, async ctx =>
        {
            await ctx.Client().RemoveRoomMemberAsync(ctx.Get(id), ctx.Get(partner), ctx.Cancellation);
            ctx.Note($"Removed {ctx.Get(partner)} from room {ctx.Get(id)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Members(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var limit = CommandBuilder.Limit();
        var command = new Command("members", "The room's members and invitees, with their roles.") { id, limit };
        b.Action(command, async ctx =>
        {
            var members = await CommandBuilder.Take(ctx.Client().ListAllRoomMembersAsync(ctx.Get(id), ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(members, RoomViews.Members(new RoomNames(members)), "No members.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Say(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var text = new Argument<string>("text") { Description = $"The message (at most {RoomLimits.MaxMessageLength:N0} characters); '-' reads it from standard input." };
        var command = new Command("say", "Post a message to a room; every member sees it live.") { id, text };
        b.Action(command, async ctx =>
        {
            var message = ctx.Get(text);
            if (message == "-") message = (await ctx.Environment.In.ReadToEndAsync(ctx.Cancellation)).TrimEnd('\r', '\n');
            if (RoomOptions.MessageError(message) is { } error) throw new CliException(error);
            ctx.Output.WriteItem(await ctx.Client().PostRoomMessageAsync(ctx.Get(id), message, ctx.Cancellation), RoomViews.Posted);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Messages(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var limit = CommandBuilder.Limit();
        limit.Description = "Show only the most recent N messages (all by default).";
        var command = new Command("messages", "The room's messages, oldest first.") { id, limit };
        b.Action(command, async ctx =>
        {
            var names = await Names(ctx, ctx.Get(id));
            var client = ctx.Client();
            var messages = ctx.Get(limit) is { } n
                ? await Latest((before, size, ct) => client.ListRoomMessagesBeforeAsync(ctx.Get(id), before, size, ct), m => m.Sequence, n, ctx.Cancellation)
                : await CommandBuilder.Take(client.ListAllRoomMessagesAsync(ctx.Get(id), ctx.Cancellation), null, ctx.Cancellation);
            ctx.Output.WriteList(messages, RoomViews.Messages(names), $"No messages yet. Post one with 'cosell rooms say {ctx.Get(id)} <text>'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The most recent <paramref name="n"/> items of a sequenced room list, oldest first: read backward from the latest, page by page.</summary>
    private static async Task<List<T>> Latest<T>(Func<long, int, CancellationToken, Task<Page<T>>> before, Func<T, long> sequence, int n, CancellationToken ct)
    {
        var items = new List<T>();
        var from = long.MaxValue;
        while (items.Count < n)
        {
            var page = await before(from, Math.Min(n - items.Count, Vocabulary.MaxPageSize), ct);
            items.InsertRange(0, page.Items);
            if (page.Items.Count == 0 || sequence(page.Items[0]) <= 1) break;
            from = sequence(page.Items[0]);
        }
        return items;
    }

    private static Command Tasks(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var limit = CommandBuilder.Limit();
        var command = new Command("tasks", "The room's tasks: owner, due date, status.") { id, limit };
        b.Action(command, async ctx =>
        {
            var names = await Names(ctx, ctx.Get(id));
            var tasks = await CommandBuilder.Take(ctx.Client().ListAllRoomTasksAsync(ctx.Get(id), ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(tasks, RoomViews.Tasks(names), $"No tasks yet. Add one with 'cosell rooms task add {ctx.Get(id)} --title <title>'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<string?> Owner() => RoomOptions.Text("--owner", "The task's owner: the partner id of an accepted owner or member of the room.", 64);

    private static Command TaskCommand(CommandBuilder b)
    {
        var command = new Command("task", "Add a task to a room, mark one done, or change one.");

        var addId = RoomOptions.RoomId();
        var title = RoomOptions.Text("--title", "What is to be done.", RoomLimits.MaxTitleLength, required: true);
        var owner = Owner();
        owner.Description = "The task's owner: the partner id of an accepted owner or member (me by default).";
        var due = RoomOptions.Date("--due", "The due date, yyyy-MM-dd.");
        var add = new Command("add", "Add a task with an owner and a due date.") { addId, title, owner, due };
        b.Action(add, async ctx =>
        {
            var task = await ctx.Client().AddRoomTaskAsync(ctx.Get(addId), new NewRoomTask(ctx.Get(title)!, ctx.Get(owner), ctx.Get(due)), ctx.Cancellation);
            ctx.Output.WriteItem(task, RoomViews.Tasks(RoomNames.None));
            return ExitCodes.Ok;
        });

        var doneId = RoomOptions.RoomId();
        var doneTask = RoomOptions.Number("task-id", "The task's id (see 'cosell rooms tasks').", "task");
        var done = new Command("done", "Mark a task done.") { doneId, doneTask };
        b.Action(done, async ctx =>
        {
            var task = await ctx.Client().UpdateRoomTaskAsync(ctx.Get(doneId), ctx.Get(doneTask), new RoomTaskUpdate(Status: RoomTaskStatus.Done), ctx.Cancellation);
            ctx.Output.WriteItem(task, RoomViews.Tasks(RoomNames.None));
            return ExitCodes.Ok;
        });

        var updateId = RoomOptions.RoomId();
        var updateTask = RoomOptions.Number("task-id", "The task's id (see 'cosell rooms tasks').", "task");
        var newTitle = RoomOptions.Text("--title", "The new title.", RoomLimits.MaxTitleLength);
        var newOwner = Owner();
        var newDue = RoomOptions.Date("--due", "The new due date, yyyy-MM-dd.");
        var status = CommandBuilder.EnumOption<RoomTaskStatus>("--status", "The new status");
        var update = new Command("update", "Change a task; what is not given stays as it is.") { updateId, updateTask, newTitle, newOwner, newDue, status };
        b.Action(update, async ctx =>
        {
            var change = new RoomTaskUpdate(ctx.Get(newTitle), ctx.Get(newOwner), ctx.Get(newDue), ctx.Get(status));
            if (change == new RoomTaskUpdate()) throw new CliException("Nothing to change: give --title, --owner, --due or --status.");
            var task = await ctx.Client().UpdateRoomTaskAsync(ctx.Get(updateId), ctx.Get(updateTask), change, ctx.Cancellation);
            ctx.Output.WriteItem(task, RoomViews.Tasks(RoomNames.None));
            return ExitCodes.Ok;
        });

        command.Subcommands.Add(add);
        command.Subcommands.Add(done);
        command.Subcommands.Add(update);
        return command;
    }

    private static Command OpportunityCommand(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var options = new RoomOptions.OpportunityOptions();
        var command = new Command("opportunity",
            "Show the room's opportunity, or change it with the options: stage (qualify, develop, propose, negotiate; closed-won and closed-lost are final), amount and currency, close date, products.")
        {
            id,
        };
        options.AddTo(command, clear: true);
        b.Action(command, async ctx =>
        {
            var update = options.Read(ctx);
            var client = ctx.Client();
            var opportunity = update is null
                ? await client.GetOpportunityAsync(ctx.Get(id), ctx.Cancellation)
                : await client.UpdateOpportunityAsync(ctx.Get(id), update, ctx.Cancellation);
            ctx.Output.WriteItem(opportunity, RoomViews.Opportunity(update is null ? await Names(ctx, ctx.Get(id)) : RoomNames.None));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command TouchCommand(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var kind = CommandBuilder.EnumOption<TouchKind>("--kind", "How my partner took part in the deal");
        kind.Required = true;
        var at = RoomOptions.Time("--at", "When (ISO 8601, e.g. 2026-03-01T14:30:00Z; UTC when no offset is given); now by default.");
        var note = RoomOptions.Text("--note", "A note.", RoomLimits.MaxNoteLength);
        var command = new Command("touch", "Record a touch of my own partner on the deal: sourced, influenced or transacted.") { id, kind, at, note };
        b.Action(command, async ctx =>
        {
            var touch = await ctx.Client().RecordTouchAsync(ctx.Get(id), new NewTouch(ctx.Get(kind)!.Value, ctx.Get(at), ctx.Get(note)), ctx.Cancellation);
            ctx.Output.WriteItem(touch, RoomViews.Touches(RoomNames.None));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Touches(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var limit = CommandBuilder.Limit();
        var command = new Command("touches", "Every partner's touches on the deal.") { id, limit };
        b.Action(command, async ctx =>
        {
            var names = await Names(ctx, ctx.Get(id));
            var touches = await CommandBuilder.Take(ctx.Client().ListAllTouchesAsync(ctx.Get(id), ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(touches, RoomViews.Touches(names), $"No touches yet. Record one with 'cosell rooms touch {ctx.Get(id)} --kind sourced'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command History(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var limit = CommandBuilder.Limit();
        limit.Description = "Show only the most recent N changes (all by default).";
        var command = new Command("history", "Every change to the room: who did what, when (\"node\" for what the node did by a rule), oldest first.") { id, limit };
        b.Action(command, async ctx =>
        {
            var names = await Names(ctx, ctx.Get(id));
            var client = ctx.Client();
            var changes = ctx.Get(limit) is { } n
                ? await Latest((before, size, ct) => client.ListRoomHistoryBeforeAsync(ctx.Get(id), before, size, ct), c => c.Sequence, n, ctx.Cancellation)
                : await CommandBuilder.Take(client.ListAllRoomHistoryAsync(ctx.Get(id), ctx.Cancellation), null, ctx.Cancellation);
            ctx.Output.WriteList(changes, RoomViews.History(names), "No changes recorded.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Register(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var vendor = RoomOptions.Text("--vendor", "The vendor whose program to register with: its partner id (see 'cosell programs show <vendor-id>').", 64, required: true);
        var note = RoomOptions.Text("--note", "A note for the vendor.", RoomLimits.MaxNoteLength);
        var command = new Command("register",
            "Register the room's deal with a vendor's program, for my partner. The vendor approves or rejects it; an approved registration protects the account for the program's protection period.")
        {
            id, vendor, note,
        };
        b.Action(command, async ctx =>
        {
            var registration = await ctx.Client().RegisterDealAsync(ctx.Get(id), new RegisterDeal(ctx.Get(vendor)!, ctx.Get(note)), ctx.Cancellation);
            ctx.Output.WriteItem(registration, RoomViews.Registration);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Registrations(CommandBuilder b)
    {
        var id = RoomOptions.RoomId();
        var limit = CommandBuilder.Limit();
        var command = new Command("registrations", "The deal registrations made from the room, oldest first.") { id, limit };
        b.Action(command, async ctx =>
        {
            var items = await CommandBuilder.Take(ctx.Client().ListAllRoomRegistrationsAsync(ctx.Get(id), ctx.Cancellation), ctx.Get(limit), ctx.Cancellation);
            ctx.Output.WriteList(items, RoomViews.Registrations, $"No deal registrations. Register the deal with 'cosell rooms register {ctx.Get(id)} --vendor <vendor-id>'.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
