using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using CoSellNet.Client;
using CoSellNet.Protocol;
using CoSellNet.Silo.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Api.Tests;

/// <summary>A node whose webhook retries are fast (50 ms base, 200 ms cap, 1 s timeout), with its log kept.</summary>
public sealed class WebhookNode : IAsyncLifetime
{
    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Webhooks:Timeout"] = "00:00:03",
        // The receivers of these tests listen on 127.0.0.1.
        ["Webhooks:AllowPrivateAddresses"] = "true",
        ["Webhooks:BaseDelay"] = "00:00:00.050",
        ["Webhooks:MaxDelay"] = "00:00:00.200",
        ["Webhooks:MaxAttempts"] = "8",
        ["Webhooks:Lease"] = "00:00:05",
        ["Webhooks:PollInterval"] = "00:00:00.050",
        ["Webhooks:MaxEndpointsPerVendor"] = "4",
        // Secrets sealed at rest, so every delivery here also proves the sealed path.
        ["Webhooks:SecretKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
        ["RateLimits:PermitsPerMinute"] = "100000",
        ["Logging:LogLevel:CoSellNet"] = "Trace",
        ["Logging:LogLevel:System.Net.Http"] = "Trace",
        ["Logging:LogLevel:Microsoft.Extensions.Http"] = "Trace",
        ["Logging:LogLevel:Polly"] = "Trace",
    };

    public NodeFactory Node { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;
    public CapturingLoggerProvider Log { get; } = new();

    public IWebhookOutbox Outbox => Node.Services.GetRequiredService<IWebhookOutbox>();

    public async Task InitializeAsync()
    {
        Node = await NodeFactory.StartAsync("webhooks", Settings, services: s => s.AddSingleton<ILoggerProvider>(Log));
        Operator = Node.ClientWith(Node.OperatorKey ?? throw new InvalidOperationException("No operator key was written at first start."));
    }

    public Task DisposeAsync()
    {
        Node.Dispose();
        return Task.CompletedTask;
    }

    public async Task<Member> AddPartner(string name, PartnerType type)
    {
        var domain = $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}"[..30] + ".com";
        var response = await Operator.PostAsJsonAsync(Routes.Partners, new PartnerRegistration(name, domain, type), Network.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Network.Json))!;
        return new Member(created.Partner.Entry.Id, created.ApiKey.Secret, Node.ClientWith(created.ApiKey.Secret), created);
    }

    public async Task<CreatedWebhookEndpoint> Register(Member vendor, string url, params string[] types)
    {
        var response = await vendor.Http.PostAsJsonAsync(Routes.Webhooks, new WebhookEndpointRequest(url, types.Length == 0 ? WebhookEventTypes.All : types), Network.Json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<CreatedWebhookEndpoint>(Network.Json))!;
    }
}

/// <summary>
/// Webhooks end to end: a real local HTTP receiver that fails, times out and accepts; retries and their log,
/// order within a room, signatures, replay, two nodes, and who may do what.
/// </summary>
public sealed class WebhookTests(WebhookNode fixture) : IClassFixture<WebhookNode>
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(8); // well past the node's 3 s timeout

    [Fact]
    public async Task A_delivery_is_retried_after_a_500_and_a_timeout_then_delivered_signed_with_every_attempt_logged()
    {
        var vendor = await fixture.AddPartner("Hooked", PartnerType.Vendor);
        await using var receiver = await WebhookReceiver.StartAsync((hook, earlier) =>
            earlier.Count(h => h.Delivery == hook.Delivery) switch
            {
                0 => (500, TimeSpan.Zero),
                1 => (200, Slow),
                _ => (204, TimeSpan.Zero),
            });
        var endpoint = await fixture.Register(vendor, receiver.Url);
        Assert.StartsWith("whsec_", endpoint.Secret);
        Assert.Equal(32, Convert.FromBase64String(ToBase64(endpoint.Secret["whsec_".Length..])).Length);

        var payload = new { registrationId = "reg-1", partner = "p-42", amount = 125000.50m };
        var queued = await fixture.Outbox.Enqueue(vendor.Id, WebhookEventTypes.DealRegistered, "room-1", payload);
        var deliveryId = Assert.Single(queued.DeliveryIds);

        var delivered = await WaitForStatus(vendor, endpoint, deliveryId, WebhookDeliveryStatus.Delivered);
        Assert.Equal(3, delivered.Attempts);
        Assert.Collection(delivered.AttemptLog,
            a => { Assert.Equal(1, a.Attempt); Assert.Equal(500, a.StatusCode); Assert.Contains("500", a.Error); },
            a => { Assert.Equal(2, a.Attempt); Assert.Null(a.StatusCode); Assert.Contains("No answer within 3 s", a.Error); },
            a => { Assert.Equal(3, a.Attempt); Assert.Equal(204, a.StatusCode); Assert.Null(a.Error); });
        Assert.Equal(queued.EventId, delivered.EventId);
        Assert.Equal("room-1", delivered.RoomId);
        Assert.NotNull(delivered.DeliveredAt);
        Assert.Null(delivered.NextAttemptAt);

        var hooks = receiver.Received.Where(h => h.Delivery == deliveryId).ToList();
        Assert.Equal(3, hooks.Count);
        Assert.Equal([500, null, 204], hooks.Select(h => h.Status));
        foreach (var hook in hooks)
        {
            AssertSigned(hook, endpoint.Secret);
            Assert.True(CoSellNetClient.VerifyWebhookSignature(endpoint.Secret, hook.Signature!, hook.Body, TimeSpan.FromMinutes(5)));
            Assert.Equal(WebhookEventTypes.DealRegistered, hook.Event);
            Assert.Equal("application/json", hook.ContentType?.Split(';')[0]);
        }
        // Every attempt sends the same bytes.
        Assert.Single(hooks.Select(h => h.Body).Distinct());
        var body = hooks[0].Json;
        Assert.Equal(queued.EventId, body.GetProperty("id").GetString());
        Assert.Equal("deal.registered", body.GetProperty("type").GetString());
        Assert.True(body.TryGetProperty("createdAt", out _));
        Assert.Equal("reg-1", body.GetProperty("data").GetProperty("registrationId").GetString());
        Assert.Equal(125000.50m, body.GetProperty("data").GetProperty("amount").GetDecimal());
        Assert.Equal(["id", "type", "createdAt", "data"], body.EnumerateObject().Select(p => p.Name));

        // A wrong secret, or a changed body, does not verify.
        Assert.False(CoSellNetClient.VerifyWebhookSignature("whsec_" + new string('A', 43), hooks[2].Signature!, hooks[2].Body, TimeSpan.FromMinutes(5)));
        Assert.False(CoSellNetClient.VerifyWebhookSignature(endpoint.Secret, hooks[2].Signature!, hooks[2].Body.Replace("reg-1", "reg-2"), TimeSpan.FromMinutes(5)));

        // The secret is sealed in the database, and neither it nor any signature is in the node's log.
        await using (var db = Npgsql.NpgsqlDataSource.Create(fixture.Node.ConnectionString))
        await using (var cmd = db.CreateCommand("SELECT secret FROM webhook_endpoints WHERE id = $1"))
        {
            cmd.Parameters.Add(new() { Value = endpoint.Endpoint.Id });
            var stored = (byte[])(await cmd.ExecuteScalarAsync())!;
            Assert.Equal(1, stored[0]);
            Assert.DoesNotContain(endpoint.Secret["whsec_".Length..], Encoding.Latin1.GetString(stored));
        }
        var log = string.Join("\n", fixture.Log.Lines);
        Assert.Contains(deliveryId, log); // the log does speak about deliveries
        Assert.DoesNotContain(endpoint.Secret["whsec_".Length..], log);
        foreach (var hook in hooks) Assert.DoesNotContain(hook.Signature!.Split("v1=")[1], log);
    }

    [Fact]
    public async Task Deliveries_of_one_room_go_out_in_order_while_other_rooms_are_not_held_up()
    {
        var vendor = await fixture.AddPartner("Ordered", PartnerType.Vendor);
        // The first event of room A is refused five times; everything else is accepted at once.
        string? firstOfA = null;
        await using var receiver = await WebhookReceiver.StartAsync((hook, earlier) =>
        {
            var room = hook.Data.GetProperty("room").GetString();
            if (room == "A" && hook.Data.GetProperty("n").GetInt32() == 1)
            {
                firstOfA = hook.Delivery;
                return (earlier.Count(h => h.Delivery == hook.Delivery) < 5 ? 503 : 200, TimeSpan.Zero);
            }
            return (200, TimeSpan.Zero);
        });
        var endpoint = await fixture.Register(vendor, receiver.Url, WebhookEventTypes.RoomStageChanged);

        var sent = new List<(string Room, int N)> { ("A", 1), ("B", 1), ("A", 2), ("B", 2), ("A", 3), ("A", 4), ("B", 3) };
        foreach (var (room, n) in sent)
            await fixture.Outbox.Enqueue(vendor.Id, WebhookEventTypes.RoomStageChanged, room, new { room, n, stage = $"stage-{n}" });

        await receiver.WaitFor(r => r.Count(h => h.Accepted) == sent.Count, "every event accepted");
        var received = receiver.Received;
        foreach (var room in new[] { "A", "B" })
        {
            var accepted = received.Where(h => h.Accepted && Room(h) == room).ToList();
            Assert.Equal(sent.Where(s => s.Room == room).Select(s => s.N), accepted.Select(N));
            // No event of the room was even attempted before the one before it had been accepted.
            foreach (var hook in received.Where(h => Room(h) == room))
            {
                var previous = accepted.SingleOrDefault(h => N(h) == N(hook) - 1);
                Assert.True(previous is null || previous.AnsweredTicket < hook.ArrivedTicket, $"room {room} event {N(hook)} arrived before event {N(hook) - 1} was accepted");
            }
        }
        // Room A's retries held back room A only.
        var firstOfAAccepted = received.Single(h => h.Delivery == firstOfA && h.Accepted);
        Assert.True(received.Single(h => h.Accepted && Room(h) == "B" && N(h) == 2).AnsweredTicket < firstOfAAccepted.AnsweredTicket);
        Assert.Equal(6, received.Count(h => h.Delivery == firstOfA));

        var log = await Deliveries(vendor, endpoint);
        Assert.All(log, d => Assert.Equal(WebhookDeliveryStatus.Delivered, d.Status));
        Assert.Equal(6, log.Single(d => d.Id == firstOfA).Attempts);

        static string Room(ReceivedHook h) => h.Data.GetProperty("room").GetString()!;
        static int N(ReceivedHook h) => h.Data.GetProperty("n").GetInt32();
    }

    [Fact]
    public async Task Replay_sends_the_same_body_again_under_a_new_delivery_id_and_a_fresh_signature()
    {
        var vendor = await fixture.AddPartner("Replayer", PartnerType.Vendor);
        await using var receiver = await WebhookReceiver.StartAsync();
        var endpoint = await fixture.Register(vendor, receiver.Url, WebhookEventTypes.RoomClosedWon);
        var queued = await fixture.Outbox.Enqueue(vendor.Id, WebhookEventTypes.RoomClosedWon, "room-won", new { amount = 10m, currency = "EUR" });
        var original = Assert.Single(queued.DeliveryIds);
        await WaitForStatus(vendor, endpoint, original, WebhookDeliveryStatus.Delivered);

        var response = await vendor.Http.PostAsync(Routes.WebhookReplay(endpoint.Endpoint.Id, original), null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var replay = (await response.Content.ReadFromJsonAsync<WebhookDeliveryView>(Network.Json))!;
        Assert.NotEqual(original, replay.Id);
        Assert.Equal(original, replay.ReplayOf);
        Assert.Equal(queued.EventId, replay.EventId);
        Assert.Equal(Routes.WebhookDelivery(endpoint.Endpoint.Id, replay.Id), response.Headers.Location?.OriginalString);
        await WaitForStatus(vendor, endpoint, replay.Id, WebhookDeliveryStatus.Delivered);

        var first = receiver.Received.Single(h => h.Delivery == original);
        var again = receiver.Received.Single(h => h.Delivery == replay.Id);
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(queued.EventId, again.EventId);
        AssertSigned(again, endpoint.Secret);

        // The original and its log are as they were.
        var before = await Get(vendor, endpoint, original);
        Assert.Equal(WebhookDeliveryStatus.Delivered, before.Status);
        Assert.Single(before.AttemptLog);
    }

    [Fact]
    public async Task After_the_last_attempt_a_delivery_fails_stops_holding_up_its_room_and_can_be_replayed()
    {
        var vendor = await fixture.AddPartner("Doomed", PartnerType.Vendor);
        var accept = false;
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => (Volatile.Read(ref accept) ? 200 : 500, TimeSpan.Zero));
        var endpoint = await fixture.Register(vendor, receiver.Url, WebhookEventTypes.RoomOpened);
        var first = Assert.Single((await fixture.Outbox.Enqueue(vendor.Id, WebhookEventTypes.RoomOpened, "stuck", new { n = 1 })).DeliveryIds);
        var second = Assert.Single((await fixture.Outbox.Enqueue(vendor.Id, WebhookEventTypes.RoomOpened, "stuck", new { n = 2 })).DeliveryIds);

        // The second waits behind the first: still pending, so replaying it is refused.
        var refused = await Problem.Expect(await vendor.Http.PostAsync(Routes.WebhookReplay(endpoint.Endpoint.Id, second), null), HttpStatusCode.Conflict);
        Assert.Contains("has not finished yet", refused.Detail());

        var failed = await WaitForStatus(vendor, endpoint, first, WebhookDeliveryStatus.Failed);
        Assert.Equal(8, failed.Attempts);
        Assert.Equal(Enumerable.Range(1, 8), failed.AttemptLog.Select(a => a.Attempt));
        Assert.All(failed.AttemptLog, a => Assert.Equal(500, a.StatusCode));
        // A failed delivery no longer holds up its room: the second gets its own attempts.
        Assert.Equal(WebhookDeliveryStatus.Failed, (await WaitForStatus(vendor, endpoint, second, WebhookDeliveryStatus.Failed)).Status);
        var failedList = await Deliveries(vendor, endpoint, "?status=failed");
        Assert.Equal([second, first], failedList.Select(d => d.Id)); // newest first

        Volatile.Write(ref accept, true);
        var replay = (await (await vendor.Http.PostAsync(Routes.WebhookReplay(endpoint.Endpoint.Id, first), null)).Content.ReadFromJsonAsync<WebhookDeliveryView>(Network.Json))!;
        var done = await WaitForStatus(vendor, endpoint, replay.Id, WebhookDeliveryStatus.Delivered);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(receiver.Received.First(h => h.Delivery == first).Body, receiver.Received.Single(h => h.Delivery == replay.Id).Body);
    }

    [Fact]
    public async Task Only_endpoints_subscribed_to_the_event_type_get_a_delivery()
    {
        var vendor = await fixture.AddPartner("Picky", PartnerType.Vendor);
        var other = await fixture.AddPartner("Elsewhere", PartnerType.Vendor);
        var deals = await fixture.Register(vendor, "http://127.0.0.1:9/deals", WebhookEventTypes.DealRegistered, WebhookEventTypes.DealDecided);
        var rooms = await fixture.Register(vendor, "http://localhost:9/rooms", WebhookEventTypes.RoomOpened);
        await fixture.Register(other, "http://127.0.0.1:9/other");

        var decided = await fixture.Outbox.Enqueue(vendor.Id, WebhookEventTypes.DealDecided, "r", new { approved = true });
        var won = await fixture.Outbox.Enqueue(vendor.Id, WebhookEventTypes.RoomClosedWon, "r", new { });
        var nobody = await fixture.Outbox.Enqueue(Guid.NewGuid().ToString("N"), WebhookEventTypes.RoomOpened, null, new { });

        Assert.Single(decided.DeliveryIds);
        Assert.Empty(won.DeliveryIds);
        Assert.Empty(nobody.DeliveryIds);
        Assert.Equal(decided.DeliveryIds, (await Deliveries(vendor, deals)).Select(d => d.Id));
        Assert.Empty(await Deliveries(vendor, rooms));
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Outbox.Enqueue(vendor.Id, "deal.unknown", "r", new { }));
    }

    [Fact]
    public async Task Two_nodes_share_the_work_and_never_send_a_delivery_twice()
    {
        var vendor = await fixture.AddPartner("Clustered", PartnerType.Vendor);
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => (200, TimeSpan.FromMilliseconds(20)));
        var endpoint = await fixture.Register(vendor, receiver.Url, WebhookEventTypes.RoomStageChanged);
        using var second = new NodeFactory(fixture.Node.ConnectionString, fixture.Node.ClusterId, WebhookNode.Settings);
        second.Server.ToString(); // starts its dispatcher too

        var ids = new List<string>();
        for (var i = 0; i < 60; i++)
            ids.AddRange((await fixture.Outbox.Enqueue(vendor.Id, WebhookEventTypes.RoomStageChanged, i < 20 ? "one-room" : $"room-{i}", new { n = i })).DeliveryIds);
        // Enqueued through the second node too: the first node's dispatcher only learns of these by polling.
        var secondOutbox = second.Services.GetRequiredService<IWebhookOutbox>();
        for (var i = 60; i < 80; i++)
            ids.AddRange((await secondOutbox.Enqueue(vendor.Id, WebhookEventTypes.RoomStageChanged, $"room-{i}", new { n = i })).DeliveryIds);

        await receiver.WaitFor(r => r.Select(h => h.Delivery).Distinct().Count() == ids.Count, "all 80 deliveries");
        await Task.Delay(300); // anything sent twice would have arrived by now
        var received = receiver.Received;
        Assert.Equal(ids.Order(), received.Select(h => h.Delivery!).Order());
        Assert.Equal(Enumerable.Range(0, 20), received.Where(h => h.Data.GetProperty("n").GetInt32() < 20).Select(h => h.Data.GetProperty("n").GetInt32()));
    }

    [Fact]
    public async Task Only_vendors_use_webhooks()
    {
        var service = await fixture.AddPartner("Integrator", PartnerType.Service);
        var create = await Problem.Expect(
            await service.Http.PostAsJsonAsync(Routes.Webhooks, new WebhookEndpointRequest("https://hooks.example.com/x", [WebhookEventTypes.RoomOpened]), Network.Json),
            HttpStatusCode.Forbidden);
        Assert.Contains("Only a partner of type vendor", create.Detail());
        Assert.Contains("'service'", create.Detail());
        await Problem.Expect(await service.Http.GetAsync(Routes.Webhooks), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_vendor_can_neither_see_nor_touch_another_vendors_endpoints()
    {
        var owner = await fixture.AddPartner("Owner", PartnerType.Vendor);
        var intruder = await fixture.AddPartner("Intruder", PartnerType.Vendor);
        var endpoint = await fixture.Register(owner, "http://127.0.0.1:9/owner", WebhookEventTypes.RoomOpened);
        var own = await fixture.Register(intruder, "http://127.0.0.1:9/intruder", WebhookEventTypes.RoomOpened);
        var delivery = Assert.Single((await fixture.Outbox.Enqueue(owner.Id, WebhookEventTypes.RoomOpened, "r", new { })).DeliveryIds);
        var id = endpoint.Endpoint.Id;

        foreach (var (name, call) in new (string, Func<Task<HttpResponseMessage>>)[]
        {
            ("GET endpoint", () => intruder.Http.GetAsync(Routes.Webhook(id))),
            ("DELETE endpoint", () => intruder.Http.DeleteAsync(Routes.Webhook(id))),
            ("GET deliveries", () => intruder.Http.GetAsync(Routes.WebhookDeliveries(id))),
            ("GET delivery", () => intruder.Http.GetAsync(Routes.WebhookDelivery(id, delivery))),
            ("POST replay", () => intruder.Http.PostAsync(Routes.WebhookReplay(id, delivery), null)),
            ("GET delivery via own endpoint", () => intruder.Http.GetAsync(Routes.WebhookDelivery(own.Endpoint.Id, delivery))),
            ("POST replay via own endpoint", () => intruder.Http.PostAsync(Routes.WebhookReplay(own.Endpoint.Id, delivery), null)),
        })
        {
            var response = await call();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{name}: {(int)response.StatusCode}");
            await Problem.Expect(response, HttpStatusCode.NotFound);
        }
        Assert.DoesNotContain(id, await intruder.Http.GetStringAsync(Routes.Webhooks));
        Assert.Equal(endpoint.Endpoint, await owner.Http.GetFromJsonAsync<WebhookEndpointView>(Routes.Webhook(id), Network.Json), EndpointComparer.Instance);
        Assert.Equal(delivery, (await Deliveries(owner, endpoint)).Single().Id);
    }

    [Fact]
    public async Task Bad_urls_and_event_types_are_refused_naming_the_field()
    {
        var vendor = await fixture.AddPartner("Careful", PartnerType.Vendor);
        var cases = new (WebhookEndpointRequest Request, string Field)[]
        {
            (new("ftp://hooks.example.com/x", [WebhookEventTypes.RoomOpened]), "url"),
            (new("http://hooks.example.com/x", [WebhookEventTypes.RoomOpened]), "url"),
            (new("not a url", [WebhookEventTypes.RoomOpened]), "url"),
            (new("/relative/path", [WebhookEventTypes.RoomOpened]), "url"),
            (new("https://user:pw@hooks.example.com/x", [WebhookEventTypes.RoomOpened]), "url"),
            (new("", [WebhookEventTypes.RoomOpened]), "url"),
            (new("https://hooks.example.com/x", []), "eventTypes"),
            (new("https://hooks.example.com/x", ["deal.unknown"]), "eventTypes[0]"),
            (new("https://hooks.example.com/x", [WebhookEventTypes.RoomOpened, "ROOM.OPENED"]), "eventTypes[1]"),
        };
        foreach (var (request, field) in cases)
        {
            var problem = await Problem.Expect(await vendor.Http.PostAsJsonAsync(Routes.Webhooks, request, Network.Json), HttpStatusCode.BadRequest);
            Assert.True(problem.HasError(field), $"{request.Url} {string.Join(",", request.EventTypes)}: expected an error on {field}: {problem}");
        }
        Assert.Contains("https", (await Problem.Expect(await vendor.Http.PostAsJsonAsync(Routes.Webhooks,
            new WebhookEndpointRequest("http://hooks.example.com/x", [WebhookEventTypes.RoomOpened]), Network.Json), HttpStatusCode.BadRequest)).Detail());
        Assert.Empty((await vendor.Http.GetFromJsonAsync<Page<WebhookEndpointView>>(Routes.Webhooks, Network.Json))!.Items);

        // What is fine: https anywhere, http to loopback, duplicate types folded in their canonical order.
        var ok = await fixture.Register(vendor, "https://hooks.example.com/x?token=abc", WebhookEventTypes.RoomOpened, WebhookEventTypes.DealRegistered, WebhookEventTypes.RoomOpened);
        Assert.Equal([WebhookEventTypes.DealRegistered, WebhookEventTypes.RoomOpened], ok.Endpoint.EventTypes);
        await fixture.Register(vendor, "http://[::1]:8080/x");
    }

    [Fact]
    public async Task Endpoints_and_deliveries_page_by_cursor_and_a_deleted_endpoint_is_gone_with_its_deliveries()
    {
        var vendor = await fixture.AddPartner("Pager", PartnerType.Vendor);
        var made = new List<CreatedWebhookEndpoint>();
        for (var i = 0; i < 4; i++) made.Add(await fixture.Register(vendor, $"http://127.0.0.1:9/{i}", WebhookEventTypes.DealDecided));
        await Problem.Expect(await vendor.Http.PostAsJsonAsync(Routes.Webhooks, new WebhookEndpointRequest("http://127.0.0.1:9/5", [WebhookEventTypes.DealDecided]), Network.Json), HttpStatusCode.Conflict);

        var first = (await vendor.Http.GetFromJsonAsync<Page<WebhookEndpointView>>($"{Routes.Webhooks}?limit=3", Network.Json))!;
        var rest = (await vendor.Http.GetFromJsonAsync<Page<WebhookEndpointView>>($"{Routes.Webhooks}?limit=3&cursor={first.NextCursor}", Network.Json))!;
        Assert.Null(rest.NextCursor);
        Assert.Equal(made.Select(m => m.Endpoint.Id), first.Items.Concat(rest.Items).Select(e => e.Id));
        Assert.DoesNotContain(made[0].Secret, await vendor.Http.GetStringAsync(Routes.Webhooks));

        var queued = new List<string>();
        for (var i = 0; i < 5; i++) queued.Add((await fixture.Outbox.Enqueue(vendor.Id, WebhookEventTypes.DealDecided, $"r{i}", new { i })).DeliveryIds[0]);
        var target = made[0].Endpoint.Id;
        var page1 = (await vendor.Http.GetFromJsonAsync<Page<WebhookDeliveryView>>($"{Routes.WebhookDeliveries(target)}?limit=2", Network.Json))!;
        var page2 = (await vendor.Http.GetFromJsonAsync<Page<WebhookDeliveryView>>($"{Routes.WebhookDeliveries(target)}?limit=2&cursor={page1.NextCursor}", Network.Json))!;
        var page3 = (await vendor.Http.GetFromJsonAsync<Page<WebhookDeliveryView>>($"{Routes.WebhookDeliveries(target)}?limit=2&cursor={page2.NextCursor}", Network.Json))!;
        Assert.Null(page3.NextCursor);
        Assert.Equal(Enumerable.Reverse(queued), page1.Items.Concat(page2.Items).Concat(page3.Items).Select(d => d.Id));
        await Problem.Expect(await vendor.Http.GetAsync($"{Routes.WebhookDeliveries(target)}?status=done"), HttpStatusCode.BadRequest);
        await Problem.Expect(await vendor.Http.GetAsync($"{Routes.WebhookDeliveries(target)}?cursor=bm9wZQ"), HttpStatusCode.BadRequest);

        var deleted = await vendor.Http.DeleteAsync(Routes.Webhook(target));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await Problem.Expect(await vendor.Http.GetAsync(Routes.Webhook(target)), HttpStatusCode.NotFound);
        await Problem.Expect(await vendor.Http.GetAsync(Routes.WebhookDelivery(target, queued[0])), HttpStatusCode.NotFound);
        await Problem.Expect(await vendor.Http.DeleteAsync(Routes.Webhook(target)), HttpStatusCode.NotFound);
        Assert.Equal(3, (await vendor.Http.GetFromJsonAsync<Page<WebhookEndpointView>>(Routes.Webhooks, Network.Json))!.Items.Count);
    }

    [Fact]
    public void Sealed_secrets_open_only_with_the_same_key_and_endpoint()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var sealer = new WebhookSecrets(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { SecretKey = key }));
        var plain = new WebhookSecrets(Microsoft.Extensions.Options.Options.Create(new WebhookOptions()));
        var other = new WebhookSecrets(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { SecretKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
        var secret = WebhookSecrets.NewSecret();

        var sealedSecret = sealer.Seal("whe_1", secret);
        Assert.Equal(1, sealedSecret[0]);
        Assert.Equal(secret, sealer.Open("whe_1", sealedSecret));
        Assert.Contains("no Webhooks:SecretKey", Assert.Throws<CryptographicException>(() => plain.Open("whe_1", sealedSecret)).Message);
        Assert.Throws<CryptographicException>(() => other.Open("whe_1", sealedSecret));
        Assert.Throws<CryptographicException>(() => sealer.Open("whe_2", sealedSecret)); // moved to another endpoint
        // Stored before a key was set: still readable after.
        Assert.Equal(secret, sealer.Open("whe_1", plain.Seal("whe_1", secret)));
        // Settings that cannot work are refused at start-up.
        Assert.True(new WebhookOptionsValidator().Validate(null, new WebhookOptions { SecretKey = "c2hvcnQ=" }).Failed); // 5 bytes
        Assert.False(new WebhookOptionsValidator().Validate(null, new WebhookOptions { SecretKey = key }).Failed);
        Assert.True(new WebhookOptionsValidator().Validate(null, new WebhookOptions { Lease = TimeSpan.FromSeconds(5) }).Failed);
    }

    [Fact]
    public void Back_off_is_exponential_with_full_jitter_under_a_cap()
    {
        var b = TimeSpan.FromSeconds(2);
        var cap = TimeSpan.FromMinutes(10);
        Assert.Equal([2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600], Enumerable.Range(1, 11).Select(n => WebhookBackoff.Ceiling(n, b, cap).TotalSeconds));
        Assert.Equal(TimeSpan.Zero, WebhookBackoff.Delay(3, b, cap, 0));
        Assert.Equal(TimeSpan.FromSeconds(4), WebhookBackoff.Delay(3, b, cap, 0.5));
        Assert.Equal(cap, WebhookBackoff.Ceiling(1000, b, cap));
        Assert.True(WebhookBackoff.Delay(7, b, cap, 0.999999) < TimeSpan.FromSeconds(128));
    }

    // ---- helpers ------------------------------------------------------------------------------

    /// <summary>Recomputes the signature as a receiver would, from the secret shown at creation.</summary>
    private static void AssertSigned(ReceivedHook hook, string secret)
    {
        Assert.NotNull(hook.Signature);
        var parts = hook.Signature!.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(["t", "v1"], parts.Keys);
        var t = long.Parse(parts["t"], CultureInfo.InvariantCulture);
        Assert.InRange(t, hook.ArrivedAt.ToUnixTimeSeconds() - 60, hook.ArrivedAt.ToUnixTimeSeconds() + 60);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{hook.Body}")));
        Assert.Equal(expected, parts["v1"]);
    }

    private static async Task<WebhookDeliveryView> WaitForStatus(Member vendor, CreatedWebhookEndpoint endpoint, string deliveryId, WebhookDeliveryStatus status)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            var delivery = await Get(vendor, endpoint, deliveryId);
            if (delivery.Status == status) return delivery;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"Delivery {deliveryId} is still {delivery.Status} after {delivery.Attempts} attempts: {string.Join("; ", delivery.AttemptLog.Select(a => $"{a.StatusCode} {a.Error}"))}");
            await Task.Delay(50);
        }
    }

    private static async Task<WebhookDeliveryView> Get(Member vendor, CreatedWebhookEndpoint endpoint, string deliveryId) =>
        (await vendor.Http.GetFromJsonAsync<WebhookDeliveryView>(Routes.WebhookDelivery(endpoint.Endpoint.Id, deliveryId), Network.Json))!;

    private static async Task<IReadOnlyList<WebhookDeliveryView>> Deliveries(Member vendor, CreatedWebhookEndpoint endpoint, string query = "") =>
        (await vendor.Http.GetFromJsonAsync<Page<WebhookDeliveryView>>(Routes.WebhookDeliveries(endpoint.Endpoint.Id) + query, Network.Json))!.Items;

    private static string ToBase64(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }

    /// <summary>Endpoint views compare by value; their event type lists by content.</summary>
    private sealed class EndpointComparer : IEqualityComparer<WebhookEndpointView?>
    {
        public static readonly EndpointComparer Instance = new();

        public bool Equals(WebhookEndpointView? x, WebhookEndpointView? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Url == y.Url && x.Description == y.Description &&
            x.CreatedAt == y.CreatedAt && x.EventTypes.SequenceEqual(y.EventTypes);

        public int GetHashCode(WebhookEndpointView? obj) => obj?.Id.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
