using CoSellNet.Protocol;

namespace CoSellNet.Client;

/// <summary>
/// Opportunity rooms: one co-sell play on one account, shared by members of several partners.
/// A room I am not in (or declined) is not found (404) whether it exists or not; an invitee may only
/// look and answer (403 otherwise); a viewer may only read.
/// </summary>
public sealed partial class CoSellNetClient
{
    /// <summary>One page of the rooms I am a member of or invited to (invitations show the account, title and members only).</summary>
    public Task<Page<RoomView>> ListRoomsAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RoomView>>(WithPaging(Routes.Rooms, cursor, limit), cancellationToken);

    /// <summary>All the rooms I am a member of or invited to, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<RoomView> ListAllRoomsAsync(CancellationToken cancellationToken = default) =>
        WalkAsync((cursor, ct) => ListRoomsAsync(cursor, Vocabulary.MaxPageSize, ct), cancellationToken);

    /// <summary>One room, as I may see it.</summary>
    public Task<RoomView> GetRoomAsync(string roomId, CancellationToken cancellationToken = default) =>
        GetAsync<RoomView>(Routes.Room(Id(roomId, nameof(roomId))), cancellationToken);

    /// <summary>
    /// Opens a room on an account, with me as its owner. Naming the account is the act of consent that
    /// reveals it to the members I invite (recorded in the room's history). Not idempotent: each call opens a room.
    /// </summary>
    public Task<RoomView> OpenRoomAsync(OpenRoom request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Account, nameof(request));
        return PostAsync<RoomView>(Routes.Rooms, request, cancellationToken);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> history entries just before sequence <paramref name="before"/> (by
    /// default the latest), oldest first; go further back with the first item's sequence.
    /// </summary>
    public Task<Page<RoomChange>> ListRoomHistoryBeforeAsync(string roomId, long before = long.MaxValue, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RoomChange>>(WithPaging(Part(roomId, "history"), null, limit, Before(before)), cancellationToken);

    /// <summary>One page of the room's history (who did what, when), oldest first.</summary>
    public Task<Page<RoomChange>> ListRoomHistoryAsync(string roomId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RoomChange>>(WithPaging(Part(roomId, "history"), cursor, limit), cancellationToken);

    /// <summary>The room's whole history, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<RoomChange> ListAllRoomHistoryAsync(string roomId, CancellationToken cancellationToken = default)
    {
        Id(roomId, nameof(roomId));
        return WalkAsync((cursor, ct) => ListRoomHistoryAsync(roomId, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);
    }

    /// <summary>Accepts my invitation to a room; I then see and work it with the role I was invited with.</summary>
    public Task<RoomView> AcceptRoomAsync(string roomId, CancellationToken cancellationToken = default) =>
        PostAsync<RoomView>(Part(roomId, "accept"), null, cancellationToken);

    /// <summary>Declines my invitation to a room.</summary>
    public Task<RoomView> DeclineRoomAsync(string roomId, CancellationToken cancellationToken = default) =>
        PostAsync<RoomView>(Part(roomId, "decline"), null, cancellationToken);

    /// <summary>One page of the room's members and invitees, with roles, in partner id order.</summary>
    public Task<Page<RoomMember>> ListRoomMembersAsync(string roomId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RoomMember>>(WithPaging(Part(roomId, "members"), cursor, limit), cancellationToken);

    /// <summary>All the room's members and invitees, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<RoomMember> ListAllRoomMembersAsync(string roomId, CancellationToken cancellationToken = default)
    {
        Id(roomId, nameof(roomId));
        return WalkAsync((cursor, ct) => ListRoomMembersAsync(roomId, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);
    }

    /// <summary>Invites a partner of any type as owner, member or viewer (owners only); it accepts or declines.</summary>
    public Task<RoomMember> InviteToRoomAsync(string roomId, InviteMember invitation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invitation);
        Id(invitation.PartnerId, nameof(invitation));
        return PostAsync<RoomMember>(Part(roomId, "members"), invitation, cancellationToken);
    }

    /// <summary>Sets a member's role (owners only; a room keeps at least one owner).</summary>
    public Task<RoomMember> SetRoomMemberRoleAsync(string roomId, string partnerId, RoomRole role, CancellationToken cancellationToken = default) =>
        PutAsync<RoomMember>(Routes.RoomMemberRole(Id(roomId, nameof(roomId)), Id(partnerId, nameof(partnerId))), new SetMemberRole(role), cancellationToken);

    /// <summary>
    /// Leaves the room (<paramref name="partnerId"/> is my own partner id) or, as an owner, removes a
    /// member or invitee. The partner that goes reads nothing of the room afterwards; its touches stay.
    /// Refused (409) for the last owner while others stay, and for the last member of an open room with
    /// a pending or approved deal registration (rule <see cref="DealRules.LastMemberKeepsDeal"/>).
    /// </summary>
    public Task RemoveRoomMemberAsync(string roomId, string partnerId, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(HttpMethod.Delete, Routes.RoomMember(Id(roomId, nameof(roomId)), Id(partnerId, nameof(partnerId))), cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> messages just before sequence <paramref name="before"/> (by default
    /// the latest), oldest first; the page has no nextCursor: go further back with the first item's sequence.
    /// </summary>
    public Task<Page<RoomMessage>> ListRoomMessagesBeforeAsync(string roomId, long before = long.MaxValue, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RoomMessage>>(WithPaging(Part(roomId, "messages"), null, limit, Before(before)), cancellationToken);

    /// <summary>One page of the room's messages, oldest first.</summary>
    public Task<Page<RoomMessage>> ListRoomMessagesAsync(string roomId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RoomMessage>>(WithPaging(Part(roomId, "messages"), cursor, limit), cancellationToken);

    /// <summary>All the room's messages, oldest first, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<RoomMessage> ListAllRoomMessagesAsync(string roomId, CancellationToken cancellationToken = default)
    {
        Id(roomId, nameof(roomId));
        return WalkAsync((cursor, ct) => ListRoomMessagesAsync(roomId, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);
    }

    /// <summary>Posts a message (at most <see cref="RoomLimits.MaxMessageLength"/> characters). Not idempotent: each call posts one.</summary>
    public Task<RoomMessage> PostRoomMessageAsync(string roomId, string text, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return PostAsync<RoomMessage>(Part(roomId, "messages"), new PostMessage(text), cancellationToken);
    }

    /// <summary>One page of the room's tasks, by task id.</summary>
    public Task<Page<RoomTask>> ListRoomTasksAsync(string roomId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RoomTask>>(WithPaging(Part(roomId, "tasks"), cursor, limit), cancellationToken);

    /// <summary>All the room's tasks, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<RoomTask> ListAllRoomTasksAsync(string roomId, CancellationToken cancellationToken = default)
    {
        Id(roomId, nameof(roomId));
        return WalkAsync((cursor, ct) => ListRoomTasksAsync(roomId, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);
    }

    /// <summary>Adds a task; its owner (an accepted owner or member) defaults to me. Not idempotent: each call adds one.</summary>
    public Task<RoomTask> AddRoomTaskAsync(string roomId, NewRoomTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        return PostAsync<RoomTask>(Part(roomId, "tasks"), task, cancellationToken);
    }

    /// <summary>Changes a task: title, owner, due date, status; fields left null stay as they are.</summary>
    public Task<RoomTask> UpdateRoomTaskAsync(string roomId, int taskId, RoomTaskUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return PatchAsync<RoomTask>(Routes.RoomTask(Id(roomId, nameof(roomId)), Positive(taskId, nameof(taskId))), update, cancellationToken);
    }

    /// <summary>The room's opportunity: stage, amount and currency, close date, products.</summary>
    public Task<Opportunity> GetOpportunityAsync(string roomId, CancellationToken cancellationToken = default) =>
        GetAsync<Opportunity>(Part(roomId, "opportunity"), cancellationToken);

    /// <summary>
    /// Changes the opportunity; fields left null stay as they are. Closed-won (which needs an amount)
    /// and closed-lost are final and close the room.
    /// </summary>
    public Task<Opportunity> UpdateOpportunityAsync(string roomId, OpportunityUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return PatchAsync<Opportunity>(Part(roomId, "opportunity"), update, cancellationToken);
    }

    /// <summary>One page of every partner's touches on the deal, by touch id.</summary>
    public Task<Page<Touch>> ListTouchesAsync(string roomId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<Touch>>(WithPaging(Part(roomId, "touches"), cursor, limit), cancellationToken);

    /// <summary>Every partner's touches on the deal, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<Touch> ListAllTouchesAsync(string roomId, CancellationToken cancellationToken = default)
    {
        Id(roomId, nameof(roomId));
        return WalkAsync((cursor, ct) => ListTouchesAsync(roomId, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);
    }

    /// <summary>Records a touch of my own partner (sourced, influenced or transacted); the time defaults to now. Not idempotent.</summary>
    public Task<Touch> RecordTouchAsync(string roomId, NewTouch touch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(touch);
        return PostAsync<Touch>(Part(roomId, "touches"), touch, cancellationToken);
    }

    /// <summary>Changes one of my own touches; fields left null stay as they are.</summary>
    public Task<Touch> UpdateTouchAsync(string roomId, int touchId, TouchUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return PatchAsync<Touch>(Routes.RoomTouch(Id(roomId, nameof(roomId)), Positive(touchId, nameof(touchId))), update, cancellationToken);
    }

    /// <summary>Removes one of my own touches.</summary>
    public Task RemoveTouchAsync(string roomId, int touchId, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(HttpMethod.Delete, Routes.RoomTouch(Id(roomId, nameof(roomId)), Positive(touchId, nameof(touchId))), cancellationToken);

    /// <summary>One page of the deal registrations made from the room, oldest first.</summary>
    public Task<Page<DealRegistration>> ListRoomRegistrationsAsync(string roomId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<DealRegistration>>(WithPaging(Part(roomId, "registrations"), cursor, limit), cancellationToken);

    /// <summary>All the deal registrations made from the room, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<DealRegistration> ListAllRoomRegistrationsAsync(string roomId, CancellationToken cancellationToken = default)
    {
        Id(roomId, nameof(roomId));
        return WalkAsync((cursor, ct) => ListRoomRegistrationsAsync(roomId, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);
    }

    /// <summary>
    /// Registers the room's deal with a vendor's program, for my partner. Refused with 409 while an
    /// approved registration protects the account for that vendor (the problem names the rule, the
    /// protected partner and the expiry), and with 403 when my partner type is not eligible.
    /// </summary>
    public Task<DealRegistration> RegisterDealAsync(string roomId, RegisterDeal request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Id(request.VendorId, nameof(request));
        return PostAsync<DealRegistration>(Part(roomId, "registrations"), request, cancellationToken);
    }

    private static (string, string?) Before(long before) =>
        before >= 1 ? ("before", before.ToString(System.Globalization.CultureInfo.InvariantCulture))
        : throw new ArgumentOutOfRangeException(nameof(before), before, "Sequences start at 1.");

    private static string Part(string roomId, string part) => Routes.RoomPart(Id(roomId, nameof(roomId)), part);

    private static int Positive(int id, string name) =>
        id >= 1 ? id : throw new ArgumentOutOfRangeException(name, id, "Task and touch ids are 1 or more.");
}
