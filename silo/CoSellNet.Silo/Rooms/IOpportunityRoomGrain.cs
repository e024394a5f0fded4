using CoSellNet.Protocol;
using Orleans.Concurrency;

namespace CoSellNet.Silo.Rooms;

/// <summary>
/// One opportunity room (key: room id, 32 hex digits): the account named by consent, members and
/// roles, messages, tasks, the opportunity, each partner's touches and the room's deal
/// registrations, with a history of every change. Every method takes the acting partner's id. A
/// partner that is not a member (or declined) is told the room does not exist; an invitee may only
/// look and answer; a viewer may only read.
/// </summary>
public interface IOpportunityRoomGrain : IGrainWithStringKey
{
    /// <summary>Opens the room with <paramref name="by"/> as its owner; naming the account is recorded as the act of consent.</summary>
    Task<RoomView> Open(string by, OpenRoom request);
    Task<RoomView> Get(string by);
    /// <summary>Up to <paramref name="limit"/> history entries after sequence <paramref name="after"/>, oldest first.</summary>
    Task<IReadOnlyList<RoomChange>> History(string by, long after, int limit);
    /// <summary>Up to <paramref name="limit"/> history entries just before sequence <paramref name="before"/>, oldest first.</summary>
    Task<IReadOnlyList<RoomChange>> HistoryBefore(string by, long before, int limit);

    Task<RoomMember> Invite(string by, InviteMember invitation);
    Task<RoomView> Accept(string by);
    Task<RoomView> Decline(string by);
    Task<RoomMember> SetRole(string by, string partnerId, RoomRole role);
    Task<IReadOnlyList<RoomMember>> Members(string by);
    /// <summary>
    /// <paramref name="by"/> leaves the room (<paramref name="partnerId"/> is itself) or, as an owner,
    /// removes a member or invitee. Refused for the last owner while other members stay, and for the
    /// last member of an open room with a pending or approved registration.
    /// </summary>
    Task RemoveMember(string by, string partnerId);

    Task<RoomMessage> Post(string by, PostMessage message);
    Task<IReadOnlyList<RoomMessage>> Messages(string by, long after, int limit);
    /// <summary>Up to <paramref name="limit"/> messages just before sequence <paramref name="before"/>, oldest first.</summary>
    Task<IReadOnlyList<RoomMessage>> MessagesBefore(string by, long before, int limit);

    Task<RoomTask> AddTask(string by, NewRoomTask task);
    Task<RoomTask> UpdateTask(string by, int taskId, RoomTaskUpdate update);
    Task<IReadOnlyList<RoomTask>> Tasks(string by);

    Task<Opportunity> GetOpportunity(string by);
    Task<Opportunity> UpdateOpportunity(string by, OpportunityUpdate update);

    Task<Touch> RecordTouch(string by, NewTouch touch);
    Task<Touch> UpdateTouch(string by, int touchId, TouchUpdate update);
    Task RemoveTouch(string by, int touchId);
    Task<IReadOnlyList<Touch>> Touches(string by);

    /// <summary>Registers the room's deal with a vendor's program for <paramref name="by"/>'s partner.</summary>
    Task<DealRegistration> Register(string by, RegisterDeal request);
    Task<IReadOnlyList<DealRegistration>> Registrations(string by);

    /// <summary>
    /// A registration of this room was decided, lapsed or ended (called by its protection grain).
    /// One-way, so that a protection grain never waits on a room that may be waiting on it.
    /// </summary>
    [OneWay]
    Task RegistrationChanged(DealRegistration registration);
}
