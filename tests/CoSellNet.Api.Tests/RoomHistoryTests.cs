using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;
using Npgsql;

namespace CoSellNet.Api.Tests;

/// <summary>
/// A room's history and messages beyond what its grain keeps in state: read forward by cursor and
/// backward by <c>before</c>, whole and in order, with the grain's stored state bounded.
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed class RoomHistoryTests(Network network)
{
    private static async Task<List<RoomChange>> Forward(Member m, string room, int limit, string? cursor = null)
    {
        var changes = new List<RoomChange>();
        do
        {
            var page = await RoomApi.Read<Page<RoomChange>>(await m.Http.GetAsync(Routes.RoomPart(room, "history") + $"?limit={limit}" + (cursor is null ? "" : "&cursor=" + cursor)));
            changes.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);
        return changes;
    }

    private static async Task<List<RoomChange>> Backward(Member m, string room, int limit)
    {
        var changes = new List<RoomChange>();
        var before = long.MaxValue;
        while (true)
        {
            var page = await RoomApi.Read<Page<RoomChange>>(await m.Http.GetAsync(Routes.RoomPart(room, "history") + $"?limit={limit}&before={before}"));
            Assert.Null(page.NextCursor);
            if (page.Items.Count == 0) return changes;
            Assert.True(page.Items.Count <= limit);
            changes.InsertRange(0, page.Items);
            before = page.Items[0].Sequence;
        }
    }

    /// <summary>
    /// The size of the stored state of the room changed last, as Orleans keeps it in PostgreSQL (the row
    /// is keyed by a hash of the room id; the tests of this collection run one at a time).
    /// </summary>
    private async Task<int> LastChangedRoomStateSize()
    {
        await using var db = NpgsqlDataSource.Create(network.Node.ConnectionString);
        await using var cmd = db.CreateCommand("SELECT length(payloadbinary) FROM orleansstorage WHERE graintypestring = 'room' ORDER BY modifiedon DESC LIMIT 1");
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task History_beyond_what_the_grain_keeps_reads_whole_both_ways_and_the_stored_state_stays_bounded()
    {
        var isv = await network.AddPartner("History owner", PartnerType.Technology);
        var si = await network.AddPartner("History SI", PartnerType.Service);
        var room = await isv.RoomWith($"hist-{Guid.NewGuid():N}"[..16] + ".com", si);
        var task = await RoomApi.Read<RoomTask>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "tasks"), new NewRoomTask("Step 0"), Network.Json), HttpStatusCode.Created);
        async Task Changes(int from, int count)
        {
            for (var i = from; i < from + count; i++)
                await RoomApi.Read<RoomTask>(await isv.Http.PatchAsJsonAsync(Routes.RoomTask(room.Id, task.Id), new RoomTaskUpdate(Title: $"Step {i}"), Network.Json));
        }

        await Changes(1, 150);
        var sizeAt150 = await LastChangedRoomStateSize();
        await Changes(151, 150);
        var sizeAt300 = await LastChangedRoomStateSize();
        // The row holds the latest entries (100 of some 70 bytes at least, so this is the room's row), and
        // 150 more entries would add over 10 kB if the state kept them all.
        Assert.True(sizeAt150 > 7_000, $"The stored state is {sizeAt150} bytes.");
        Assert.True(sizeAt300 < sizeAt150 + 2_000, $"The stored state grew from {sizeAt150} to {sizeAt300} bytes.");

        // opened, account-named, invited, accepted, task-created, then 300 task updates.
        const int total = 305;
        var forward = await Forward(si, room.Id, limit: 37);
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), forward.Select(c => c.Sequence));
        Assert.Equal(["opened", "account-named", "invited", "accepted", "task-created"], forward.Take(5).Select(c => c.Action));
        Assert.Equal("#1 title", forward[^1].Detail);
        Assert.Equal(forward, await Backward(si, room.Id, limit: 41));
        // A client that had read up to 250 asks for what it missed: one page from its cursor.
        var missed = await RoomApi.Read<Page<RoomChange>>(await si.Http.GetAsync(Routes.RoomPart(room.Id, "history") + "?limit=500&cursor=" + Convert.ToBase64String("250"u8.ToArray())));
        Assert.Equal(Enumerable.Range(251, total - 250).Select(i => (long)i), missed.Items.Select(c => c.Sequence));

        // Entries read back from the table show the private part to the partner that acted only.
        await using (var db = NpgsqlDataSource.Create(network.Node.ConnectionString))
        await using (var cmd = db.CreateCommand("SELECT count(*) FROM room_history WHERE room = $1"))
        {
            cmd.Parameters.Add(new() { Value = room.Id });
            Assert.Equal((long)total, (long)(await cmd.ExecuteScalarAsync())!);
        }
        var first = await RoomApi.Read<Page<RoomChange>>(await isv.Http.GetAsync(Routes.RoomPart(room.Id, "history") + "?before=3&limit=2"));
        Assert.Equal([1L, 2L], first.Items.Select(c => c.Sequence));
        Assert.Equal(forward[1], first.Items[1]);

        await Problem.Expect(await si.Http.GetAsync(Routes.RoomPart(room.Id, "history") + "?before=0"), HttpStatusCode.BadRequest);
        await Problem.Expect(await si.Http.GetAsync(Routes.RoomPart(room.Id, "history") + $"?before=5&cursor={Convert.ToBase64String("1"u8.ToArray())}"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Messages_read_backward_from_the_latest_with_before()
    {
        var isv = await network.AddPartner("Backward reader", PartnerType.Technology);
        var room = await isv.OpenRoom($"back-{Guid.NewGuid():N}"[..16] + ".com", "Back Corp");
        for (var i = 1; i <= 5; i++)
            await RoomApi.Read<RoomMessage>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage($"message {i}"), Network.Json), HttpStatusCode.Created);
        async Task<IEnumerable<string>> Before(long before) =>
            (await RoomApi.Read<Page<RoomMessage>>(await isv.Http.GetAsync(Routes.RoomPart(room.Id, "messages") + $"?limit=2&before={before}"))).Items.Select(m => m.Text);

        Assert.Equal(["message 4", "message 5"], await Before(long.MaxValue));
        Assert.Equal(["message 2", "message 3"], await Before(4));
        Assert.Equal(["message 1"], await Before(2));
        Assert.Empty(await Before(1));
        await Problem.Expect(await isv.Http.GetAsync(Routes.RoomPart(room.Id, "messages") + "?before=-1"), HttpStatusCode.BadRequest);
    }
}
