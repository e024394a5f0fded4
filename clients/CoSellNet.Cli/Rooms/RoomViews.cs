using System.Globalization;
using CoSellNet.Cli.Output;
using CoSellNet.Cli.Pipeline;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Rooms;

/// <summary>
/// Partner names of a room's members, for tables: messages, tasks, touches and history name
/// partners by id on the wire. Partners the room does not list (or the node acting by a rule) keep
/// their id, or show as "node".
/// </summary>
internal sealed class RoomNames(IEnumerable<RoomMember> members, string? me = null)
{
    private readonly Dictionary<string, string> _names = members.ToDictionary(m => m.PartnerId, m => m.PartnerName, StringComparer.Ordinal);

    /// <summary>Ids as they are (JSON output, or when the names were not looked up).</summary>
    public static RoomNames None { get; } = new([]);

    public string Of(string? partnerId) =>
        string.IsNullOrEmpty(partnerId) ? "node"
        : _names.TryGetValue(partnerId, out var name) ? (partnerId == me ? $"{name} (me)" : name)
        : partnerId;
}

/// <summary>How rooms, their parts, registrations and programs look in tables and CSV; JSON is the node's own.</summary>
internal static class RoomViews
{
    public static string? Amount(decimal? amount, string? currency) =>
        amount is { } a ? (currency is null ? a.ToString(CultureInfo.InvariantCulture) : $"{PipelineViews.Money(a, currency)} {currency}") : null;

    private static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Account(RoomAccount account) => $"{account.Name} ({account.Domain})";

    private static string Member(RoomMember m) =>
        $"{m.PartnerName} ({Cells.Name(m.Role)}{(m.Status == MemberStatus.Accepted ? "" : ", " + Cells.Name(m.Status))})";

    public static Columns<RoomView> List { get; } = new Columns<RoomView>()
        .Add("Id", r => r.Id)
        .Add("Title", r => r.Title)
        .Add("Account", r => r.Account.Name)
        .Add("Domain", r => r.Account.Domain)
        .Add("My role", r => Cells.Name(r.Me.Role))
        .Add("Me", r => Cells.Name(r.Me.Status))
        .Add("Stage", r => r.Opportunity is { } o ? Cells.Name(o.Stage) : null)
        .Add("Amount", r => Amount(r.Opportunity?.Amount, r.Opportunity?.Currency))
        .Add("Members", r => Cells.Number(r.Members.Count(m => m.Status == MemberStatus.Accepted)))
        .Add("Updated", r => Cells.Time(r.UpdatedAt));

    public static Columns<RoomView> Detail { get; } = new Columns<RoomView>()
        .Add("Id", r => r.Id)
        .Add("Title", r => r.Title)
        .Add("Account", r => Account(r.Account))
        .Add("Opened by", r => new RoomNames(r.Members).Of(r.OpenedBy))
        .Add("Opened", r => Cells.Time(r.OpenedAt))
        .Add("Updated", r => Cells.Time(r.UpdatedAt))
        .Add("My role", r => Cells.Name(r.Me.Role))
        .Add("Me", r => Cells.Name(r.Me.Status))
        .Add("Members", r => string.Join(", ", r.Members.Where(m => m.Status is MemberStatus.Accepted or MemberStatus.Invited).Select(Member)))
        .Add("Stage", r => r.Opportunity is { } o ? Cells.Name(o.Stage) : null)
        .Add("Amount", r => Amount(r.Opportunity?.Amount, r.Opportunity?.Currency))
        .Add("Close date", r => Date(r.Opportunity?.CloseDate))
        .Add("Products", r => r.Opportunity is { } o ? Cells.List(o.Products) : null)
        .Add("Closed", r => Cells.YesNo(r.Closed))
        .Add("Open tasks", r => r.Me.Status == MemberStatus.Accepted ? Cells.Number(r.OpenTasks) : null)
        .Add("Touches", r => r.Me.Status == MemberStatus.Accepted ? Cells.Number(r.Touches) : null)
        .Add("Messages", r => r.Me.Status == MemberStatus.Accepted ? Cells.Number(r.Messages) : null);

    public static Columns<RoomMember> Members(RoomNames names) => new Columns<RoomMember>()
        .Add("Partner", m => m.PartnerId)
        .Add("Name", m => m.PartnerName)
        .Add("Type", m => Cells.Name(m.PartnerType))
        .Add("Role", m => Cells.Name(m.Role))
        .Add("Status", m => Cells.Name(m.Status))
        .Add("Invited by", m => names.Of(m.InvitedBy))
        .Add("Invited", m => Cells.Time(m.InvitedAt))
        .Add("Answered", m => Cells.Time(m.AnsweredAt));

    public static Columns<RoomMessage> Messages(RoomNames names) => new Columns<RoomMessage>()
        .Add("Seq", m => Cells.Number(m.Sequence))
        .Add("At", m => Cells.Time(m.At))
        .Add("From", m => names.Of(m.PartnerId))
        .Add("Text", m => m.Text);

    /// <summary>A message I posted: the text whole (a table shortens cells of lists, not of one item).</summary>
    public static Columns<RoomMessage> Posted { get; } = Messages(RoomNames.None);

    public static Columns<RoomTask> Tasks(RoomNames names) => new Columns<RoomTask>()
        .Add("Id", t => Cells.Number(t.Id))
        .Add("Title", t => t.Title)
        .Add("Owner", t => names.Of(t.OwnerId))
        .Add("Due", t => Date(t.DueDate))
        .Add("Status", t => Cells.Name(t.Status))
        .Add("Created by", t => names.Of(t.CreatedBy))
        .Add("Updated", t => Cells.Time(t.UpdatedAt));

    public static Columns<Opportunity> Opportunity(RoomNames names) => new Columns<Opportunity>()
        .Add("Stage", o => Cells.Name(o.Stage))
        .Add("Amount", o => Amount(o.Amount, o.Currency))
        .Add("Close date", o => Date(o.CloseDate))
        .Add("Products", o => Cells.List(o.Products))
        .Add("Updated by", o => names.Of(o.UpdatedBy))
        .Add("Updated", o => Cells.Time(o.UpdatedAt));

    public static Columns<Touch> Touches(RoomNames names) => new Columns<Touch>()
        .Add("Id", t => Cells.Number(t.Id))
        .Add("Partner", t => names.Of(t.PartnerId))
        .Add("Kind", t => Cells.Name(t.Kind))
        .Add("At", t => Cells.Time(t.At))
        .Add("Note", t => t.Note)
        .Add("Recorded", t => Cells.Time(t.RecordedAt));

    public static Columns<RoomChange> History(RoomNames names) => new Columns<RoomChange>()
        .Add("Seq", c => Cells.Number(c.Sequence))
        .Add("At", c => Cells.Time(c.At))
        .Add("By", c => names.Of(c.ByPartner))
        .Add("Action", c => c.Action)
        .Add("Detail", c => c.Detail);

    public static Columns<DealRegistration> Registrations { get; } = new Columns<DealRegistration>()
        .Add("Id", r => r.Id)
        .Add("Vendor", r => r.VendorName)
        .Add("Partner", r => r.PartnerName)
        .Add("Account", r => Account(r.Account))
        .Add("Status", r => Cells.Name(r.Status))
        .Add("Registered", r => Cells.Time(r.RegisteredAt))
        .Add("Decide by", r => r.Status == RegistrationStatus.Pending ? Cells.Time(r.DecideBy) : null)
        .Add("Protected until", r => Cells.Time(r.ProtectedUntil))
        .Add("Reason", r => r.Reason);

    public static Columns<DealRegistration> Registration { get; } = new Columns<DealRegistration>()
        .Add("Id", r => r.Id)
        .Add("Vendor", r => $"{r.VendorName} ({r.VendorId})")
        .Add("Partner", r => $"{r.PartnerName} ({r.PartnerId})")
        .Add("Room", r => r.RoomId)
        .Add("Account", r => Account(r.Account))
        .Add("Status", r => Cells.Name(r.Status))
        .Add("Note", r => r.Note)
        .Add("Registered", r => Cells.Time(r.RegisteredAt))
        .Add("Decide by", r => Cells.Time(r.DecideBy))
        .Add("Protection", r => $"{r.ProtectionDays} days from approval")
        .Add("Decided", r => Cells.Time(r.DecidedAt))
        .Add("Reason", r => r.Reason)
        .Add("Protected until", r => Cells.Time(r.ProtectedUntil))
        .Add("Ended", r => Cells.Time(r.EndedAt));

    public static Columns<VendorProgram> Program { get; } = new Columns<VendorProgram>()
        .Add("Vendor", p => p.VendorId)
        .Add("Name", p => p.VendorName)
        .Add("Protection days", p => Cells.Number(p.ProtectionDays))
        .Add("Eligible types", p => Cells.Names(p.EligibleTypes))
        .Add("Approval deadline days", p => Cells.Number(p.ApprovalDeadlineDays))
        .Add("Version", p => Cells.Number(p.Version))
        .Add("Published", p => Cells.Time(p.PublishedAt));
}
