namespace CoSellNet.Protocol;

/// <summary>The node's REST routes, relative to the node's base address.</summary>
public static class Routes
{
    public const string Prefix = "/api/v1";

    public const string Partners = Prefix + "/partners";          // POST (operator)
    public const string Me = Prefix + "/partners/me";              // GET, PUT
    public const string MyPublicKeys = Prefix + "/partners/me/public-keys"; // PUT
    public const string Directory = Prefix + "/directory";         // GET ?cursor&limit&type&search
    public static string DirectoryEntry(string partnerId) => $"{Directory}/{Uri.EscapeDataString(partnerId)}";

    public const string Keys = Prefix + "/keys";                   // GET, POST
    public static string Key(string keyId) => $"{Keys}/{Uri.EscapeDataString(keyId)}"; // DELETE

    public const string Invitations = Prefix + "/invitations";     // GET, POST
    public static string Invitation(string id) => $"{Invitations}/{Uri.EscapeDataString(id)}"; // DELETE
    public const string RedeemInvitation = Prefix + "/invitations/redeem"; // POST (anonymous)

    public const string Partnerships = Prefix + "/partnerships";   // GET, POST
    /// <summary>My partnership with one counterpart, addressed by the counterpart's partner id.</summary>
    public static string Partnership(string counterpartId) => $"{Partnerships}/{Uri.EscapeDataString(counterpartId)}";
    public static string PartnershipAction(string counterpartId, string action) => $"{Partnership(counterpartId)}/{action}";
    // actions: accept, decline, pause, resume, end, rotate (POST); motions, rules (PUT); history (GET)

    /// <summary>Uploads of my blinded list to one partnership: POST to start, GET one to resume.</summary>
    public static string PsiUploads(string counterpartId) => $"{Partnership(counterpartId)}/psi/uploads";
    public static string PsiUpload(string counterpartId, Guid uploadId) => $"{PsiUploads(counterpartId)}/{uploadId}";
    /// <summary>PUT chunk <paramref name="chunk"/> (0, 1, ...) of an upload as application/octet-stream.</summary>
    public static string PsiChunk(string counterpartId, Guid uploadId, int chunk) => $"{PsiUpload(counterpartId, uploadId)}/chunks/{chunk}";
    public static string PsiCommit(string counterpartId, Guid uploadId) => $"{PsiUpload(counterpartId, uploadId)}/commit";

    public static string PsiStatus(string counterpartId) => $"{Partnership(counterpartId)}/psi";
    /// <summary>GET: my next re-blind task in this partnership (204 when there is none).</summary>
    public static string PsiTasks(string counterpartId) => $"{Partnership(counterpartId)}/psi/tasks";
    public static string PsiTaskPoints(string counterpartId, Guid taskId) => $"{PsiTasks(counterpartId)}/{taskId}/points";
    public static string PsiTaskTags(string counterpartId, Guid taskId) => $"{PsiTasks(counterpartId)}/{taskId}/tags";
    public static string PsiMatrix(string counterpartId) => $"{Partnership(counterpartId)}/psi/matrix";
    public static string PsiOverlaps(string counterpartId) => $"{Partnership(counterpartId)}/psi/overlaps";

    /// <summary>Opportunity rooms I am in or invited to: GET (cursor-paged), POST to open one.</summary>
    public const string Rooms = Prefix + "/rooms";
    public static string Room(string roomId) => $"{Rooms}/{Uri.EscapeDataString(roomId)}";
    /// <summary>A room's sub-resource or action: accept, decline (POST); history, members, messages, tasks, opportunity, touches, registrations.</summary>
    public static string RoomPart(string roomId, string part) => $"{Room(roomId)}/{part}";
    /// <summary>DELETE: leave the room (my own partner id) or, as an owner, remove a member or invitee.</summary>
    public static string RoomMember(string roomId, string partnerId) => $"{Room(roomId)}/members/{Uri.EscapeDataString(partnerId)}";
    public static string RoomMemberRole(string roomId, string partnerId) => $"{Room(roomId)}/members/{Uri.EscapeDataString(partnerId)}/role"; // PUT
    public static string RoomTask(string roomId, int taskId) => $"{Room(roomId)}/tasks/{taskId}";       // PATCH
    public static string RoomTouch(string roomId, int touchId) => $"{Room(roomId)}/touches/{touchId}";  // PATCH, DELETE

    /// <summary>GET (cursor-paged): the programs I see: my own as a vendor and those of vendors I am in a program with.</summary>
    public const string Programs = Prefix + "/programs";
    /// <summary>A vendor's program (rules of engagement): GET by any partner, PUT by the vendor.</summary>
    public static string Program(string vendorId) => $"{Prefix}/programs/{Uri.EscapeDataString(vendorId)}";
    /// <summary>Registrations made with a vendor's program: GET by the vendor (?status=).</summary>
    public static string ProgramRegistrations(string vendorId) => $"{Program(vendorId)}/registrations";
    public static string ProgramRegistration(string vendorId, string registrationId) => $"{ProgramRegistrations(vendorId)}/{Uri.EscapeDataString(registrationId)}";
    /// <summary>POST the vendor's decision: approve or reject (a reason is required to reject).</summary>
    public static string ProgramRegistrationDecision(string vendorId, string registrationId, string decision) => $"{ProgramRegistration(vendorId, registrationId)}/{decision}";
    /// <summary>Registrations my partner made, with any vendor.</summary>
    public const string MyRegistrations = Prefix + "/registrations";

    /// <summary>GET my feed: ?after=N&amp;limit=M, events in sequence order.</summary>
    public const string Feed = Prefix + "/feed";
    /// <summary>SignalR hub of my feed (API key as Bearer, or access_token for WebSockets).</summary>
    public const string FeedHub = "/hubs/feed";

    /// <summary>A vendor's webhook endpoints: GET (list), POST (create; the secret is shown once).</summary>
    public const string Webhooks = Prefix + "/webhooks";
    public static string Webhook(string endpointId) => $"{Webhooks}/{Uri.EscapeDataString(endpointId)}"; // GET, DELETE
    /// <summary>GET: the endpoint's deliveries, newest first, each with its attempts (?status&amp;cursor&amp;limit).</summary>
    public static string WebhookDeliveries(string endpointId) => $"{Webhook(endpointId)}/deliveries";
    public static string WebhookDelivery(string endpointId, string deliveryId) => $"{WebhookDeliveries(endpointId)}/{Uri.EscapeDataString(deliveryId)}";
    /// <summary>POST: send a delivery's body again, as a new delivery.</summary>
    public static string WebhookReplay(string endpointId, string deliveryId) => $"{WebhookDelivery(endpointId, deliveryId)}/replay";

    /// <summary>A vendor's pipeline reports (vendor only): GET with ?from&amp;to (vendor-local dates), partner, type, stage, currency, model, halfLifeDays, format=csv.</summary>
    public const string Pipeline = Prefix + "/pipeline";
    public const string PipelineEcosystem = Pipeline + "/ecosystem";
    public const string PipelineRevenue = Pipeline + "/revenue";
    public const string PipelineRopi = Pipeline + "/ropi";
    public const string PipelineCoSell = Pipeline + "/co-sell";
    public const string PipelineScorecards = Pipeline + "/scorecards";
    /// <summary>GET: my own scorecard with a vendor, as a partner in its rooms.</summary>
    public static string PipelineScorecard(string vendorId) => $"{Pipeline}/vendors/{Uri.EscapeDataString(vendorId)}/scorecard";
    /// <summary>Partner costs (mdf, rebates, enablement, other): POST one, GET a cursor-paged list by date.</summary>
    public const string PipelineCosts = Pipeline + "/costs";
    /// <summary>GET, PUT (admin): time zone, base currency, exchange rates, default half-life.</summary>
    public const string PipelineSettings = Pipeline + "/settings";

    public const string HealthLive = "/health/live";
    public const string HealthReady = "/health/ready";
    public const string OpenApi = "/openapi/v1.json";
}
