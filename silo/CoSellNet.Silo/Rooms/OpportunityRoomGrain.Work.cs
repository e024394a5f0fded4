using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Rooms;

/// <summary>Working the deal: messages, tasks, the opportunity and touches.</summary>
public sealed partial class OpportunityRoomGrain
{
    public async Task<RoomMessage> Post(string by, PostMessage message)
    {
        RoomAccess.Writer(S, by);
        var text = RoomRules.Message(message);
        var posted = new RoomMessage(await LastMessage() + 1, by, clock.GetUtcNow(), text);
        await store.AppendMessage(Id, posted);
        lastMessage = posted.Sequence;
        await Announce(FeedEventTypes.RoomMessage, by, new { message = posted });
        return posted;
    }

    public async Task<IReadOnlyList<RoomMessage>> Messages(string by, long after, int limit)
    {
        RoomAccess.Reader(S, by);
        return await store.Messages(Id, after, limit);
    }

    public async Task<IReadOnlyList<RoomMessage>> MessagesBefore(string by, long before, int limit)
    {
        RoomAccess.Reader(S, by);
        return await store.MessagesBefore(Id, before, limit);
    }

    public async Task<RoomTask> AddTask(string by, NewRoomTask task)
    {
        RoomAccess.Writer(S, by);
        var v = new Validator();
        v.Text(task.Title, "title", RoomLimits.MaxTitleLength);
        RoomRules.Date(task.DueDate, "dueDate", v);
        var owner = task.OwnerId ?? by;
        CheckTaskOwner(owner, v);
        v.ThrowIfInvalid();
        if (S.Tasks.Count >= RoomLimits.MaxTasks)
            throw ProblemException.Conflict("Too many tasks", $"A room holds at most {RoomLimits.MaxTasks} tasks.");

        var now = clock.GetUtcNow();
        var created = new TaskState(S.LastTaskId + 1, task.Title.Trim(), owner, task.DueDate, RoomTaskStatus.Open, by, now, now);
        S.Tasks.Add(created);
        state.State = S with { LastTaskId = created.Id };
        Record("task-created", by, $"#{created.Id} {created.Title}");
        await Save();
        await Announce(FeedEventTypes.RoomTaskChanged, by, new { action = "created", task = created.ToTask() });
        return created.ToTask();
    }

    public async Task<RoomTask> UpdateTask(string by, int taskId, RoomTaskUpdate update)
    {
        RoomAccess.Writer(S, by);
        var index = S.Tasks.FindIndex(t => t.Id == taskId);
        if (index < 0) throw ProblemException.NotFound("Task", $"This room has no task #{taskId}. List its tasks with GET /api/v1/rooms/{{roomId}}/tasks.");
        var v = new Validator();
        if (update.Title is not null) v.Text(update.Title, "title", RoomLimits.MaxTitleLength);
        RoomRules.Date(update.DueDate, "dueDate", v);
        v.Require(update.Status is null || Enum.IsDefined(update.Status.Value), "status", "must be one of open, done, cancelled.");
        if (update.OwnerId is not null) CheckTaskOwner(update.OwnerId, v);
        v.ThrowIfInvalid();

        var task = S.Tasks[index];
        var next = task with
        {
            Title = update.Title?.Trim() ?? task.Title,
            OwnerId = update.OwnerId ?? task.OwnerId,
            DueDate = update.DueDate ?? task.DueDate,
            Status = update.Status ?? task.Status,
        };
        var changed = new List<string>();
        if (next.Title != task.Title) changed.Add("title");
        if (next.OwnerId != task.OwnerId) changed.Add($"owner {next.OwnerId}");
        if (next.DueDate != task.DueDate) changed.Add($"due {next.DueDate:yyyy-MM-dd}");
        if (next.Status != task.Status) changed.Add(RoomRules.Name(next.Status));
        if (changed.Count == 0) return task.ToTask();
        S.Tasks[index] = next = next with { UpdatedAt = clock.GetUtcNow() };
        Record("task-updated", by, $"#{next.Id} {string.Join(", ", changed)}");
        await Save();
        await Announce(FeedEventTypes.RoomTaskChanged, by, new { action = "updated", task = next.ToTask() });
        return next.ToTask();
    }

    public Task<IReadOnlyList<RoomTask>> Tasks(string by)
    {
        RoomAccess.Reader(S, by);
        return Task.FromResult<IReadOnlyList<RoomTask>>([.. S.Tasks.Select(t => t.ToTask())]);
    }

    public Task<Opportunity> GetOpportunity(string by)
    {
        RoomAccess.Reader(S, by);
        return Task.FromResult(S.Opportunity.ToOpportunity());
    }

    public async Task<Opportunity> UpdateOpportunity(string by, OpportunityUpdate update)
    {
        RoomAccess.Writer(S, by);
        var before = S.Opportunity;
        var (next, changed) = RoomRules.Apply(before, update, by, clock.GetUtcNow());
        if (changed.Length == 0) return before.ToOpportunity();
        state.State = S with { Opportunity = next };
        Record("opportunity-changed", by, string.Join("; ", changed.Select(f => f switch
        {
            "stage" => $"stage {RoomRules.Name(before.Stage)} → {RoomRules.Name(next.Stage)}",
            "amount" or "currency" => $"{f} {next.Amount} {next.Currency}",
            "closeDate" => $"close date {next.CloseDate:yyyy-MM-dd}",
            _ => $"products {string.Join(", ", next.Products)}",
        }).Distinct()));
        await Save();
        await Announce(FeedEventTypes.RoomOpportunityChanged, by, new { changed, opportunity = next.ToOpportunity() });
        if (changed.Contains("stage"))
        {
            var stages = new { previousStage = RoomRules.Name(before.Stage), stage = RoomRules.Name(next.Stage) };
            await NotifyVendors(WebhookEventTypes.RoomStageChanged, by, stages);
            if (next.Stage == OpportunityStage.ClosedWon) await NotifyVendors(WebhookEventTypes.RoomClosedWon, by, stages);
        }
        return next.ToOpportunity();
    }

    public async Task<Touch> RecordTouch(string by, NewTouch touch)
    {
        RoomAccess.Writer(S, by);
        var now = clock.GetUtcNow();
        var v = new Validator();
        v.Require(Enum.IsDefined(touch.Kind), "kind", "must be one of sourced, influenced, transacted.");
        RoomRules.TouchTime(touch.At, now, v);
        RoomRules.Note(touch.Note, "note", v);
        v.ThrowIfInvalid();
        if (S.Touches.Count >= RoomLimits.MaxTouches)
            throw ProblemException.Conflict("Too many touches", $"A room holds at most {RoomLimits.MaxTouches} touches.");

        var recorded = new TouchState(S.LastTouchId + 1, by, touch.Kind, touch.At ?? now, touch.Note?.Trim(), now);
        S.Touches.Add(recorded);
        state.State = S with { LastTouchId = recorded.Id };
        Record("touch-recorded", by, $"#{recorded.Id} {RoomRules.Name(recorded.Kind)}");
        await Save();
        await Announce(FeedEventTypes.RoomTouch, by, new { action = "recorded", touch = recorded.ToTouch() });
        return recorded.ToTouch();
    }

    public async Task<Touch> UpdateTouch(string by, int touchId, TouchUpdate update)
    {
        var index = MyTouch(by, touchId);
        var now = clock.GetUtcNow();
        var v = new Validator();
        v.Require(update.Kind is null || Enum.IsDefined(update.Kind.Value), "kind", "must be one of sourced, influenced, transacted.");
        RoomRules.TouchTime(update.At, now, v);
        RoomRules.Note(update.Note, "note", v);
        v.ThrowIfInvalid();

        var touch = S.Touches[index];
        var next = touch with { Kind = update.Kind ?? touch.Kind, At = update.At ?? touch.At, Note = update.Note?.Trim() ?? touch.Note };
        if (next == touch) return touch.ToTouch();
        S.Touches[index] = next;
        Record("touch-changed", by, $"#{next.Id} {RoomRules.Name(next.Kind)}");
        await Save();
        await Announce(FeedEventTypes.RoomTouch, by, new { action = "changed", touch = next.ToTouch() });
        return next.ToTouch();
    }

    public async Task RemoveTouch(string by, int touchId)
    {
        var index = MyTouch(by, touchId);
        var touch = S.Touches[index];
        S.Touches.RemoveAt(index);
        Record("touch-removed", by, $"#{touch.Id} {RoomRules.Name(touch.Kind)}");
        await Save();
        await Announce(FeedEventTypes.RoomTouch, by, new { action = "removed", touch = touch.ToTouch() });
    }

    public Task<IReadOnlyList<Touch>> Touches(string by)
    {
        RoomAccess.Reader(S, by);
        return Task.FromResult<IReadOnlyList<Touch>>([.. S.Touches.Select(t => t.ToTouch())]);
    }

    /// <summary>The index of one of <paramref name="by"/>'s own touches: a partner changes only what it recorded.</summary>
    private int MyTouch(string by, int touchId)
    {
        RoomAccess.Writer(S, by);
        var index = S.Touches.FindIndex(t => t.Id == touchId);
        if (index < 0) throw ProblemException.NotFound("Touch", $"This room has no touch #{touchId}. List its touches with GET /api/v1/rooms/{{roomId}}/touches.");
        var touch = S.Touches[index];
        if (touch.PartnerId != by)
            throw ProblemException.Forbidden("Not your touch",
                $"Touch #{touchId} was recorded by {S.Member(touch.PartnerId)?.Name ?? touch.PartnerId}; a partner records, changes and removes only its own touches.");
        return index;
    }

    private void CheckTaskOwner(string owner, Validator v)
    {
        var member = S.Member(owner);
        v.Require(member is { Status: MemberStatus.Accepted, Role: not RoomRole.Viewer }, "ownerId",
            $"'{Clip(owner)}' is not an accepted owner or member of this room; a task's owner is one of them (viewers take no tasks).");
    }
}
