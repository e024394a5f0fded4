using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>GET /programs: my own program and those of the vendors I work with, cursor-paged.</summary>
[Collection(NetworkCollection.Name)]
public sealed class DealProgramListTests(Network network)
{
    private static async Task<List<VendorProgram>> All(Member m, int limit)
    {
        var programs = new List<VendorProgram>();
        string? cursor = null;
        do
        {
            var page = await RoomApi.Read<Page<VendorProgram>>(await m.Http.GetAsync($"{Routes.Programs}?limit={limit}" + (cursor is null ? "" : "&cursor=" + cursor)));
            Assert.True(page.Items.Count <= limit);
            programs.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);
        return programs;
    }

    [Fact]
    public async Task A_partner_lists_the_programs_of_vendors_it_shares_a_room_or_a_registration_with_and_a_vendor_its_own()
    {
        var roomVendor = await network.AddPartner("List vendor room", PartnerType.Vendor);
        var dealVendor = await network.AddPartner("List vendor deal", PartnerType.Vendor);
        var strangerVendor = await network.AddPartner("List vendor stranger", PartnerType.Vendor);
        var unpublished = await network.AddPartner("List vendor quiet", PartnerType.Vendor);
        var isv = await network.AddPartner("List isv", PartnerType.Technology);
        foreach (var vendor in new[] { roomVendor, dealVendor, strangerVendor })
            await vendor.Publish(new ProgramRules(ProtectionDays: 30));
        await roomVendor.Publish(new ProgramRules(ProtectionDays: 45)); // the list shows the latest version

        // Shared room: the ISV and the vendor both accepted. Registration: the ISV registered with a vendor not in its room.
        var room = await isv.RoomWith($"list-{Guid.NewGuid():N}"[..16] + ".com", roomVendor, unpublished);
        await RoomApi.Read<DealRegistration>(await isv.Register(room.Id, dealVendor), HttpStatusCode.Created);
        // Invited but not accepted: not yet working together.
        var invitedRoom = await strangerVendor.OpenRoom($"inv-{Guid.NewGuid():N}"[..16] + ".com", "Invited Co");
        await strangerVendor.Invite(invitedRoom.Id, isv);

        var seen = await All(isv, limit: 1);
        Assert.Equal(new[] { roomVendor.Id, dealVendor.Id }.Order(StringComparer.Ordinal), seen.Select(p => p.VendorId));
        var fromRoom = seen.Single(p => p.VendorId == roomVendor.Id);
        Assert.Equal((45, 2, "List vendor room"), (fromRoom.ProtectionDays, fromRoom.Version, fromRoom.VendorName));

        // A vendor sees its own program; a partner with no ties sees none.
        Assert.Equal([strangerVendor.Id], (await All(strangerVendor, limit: 10)).Select(p => p.VendorId));
        Assert.DoesNotContain(await All(unpublished, limit: 10), p => p.VendorId == unpublished.Id); // it never published one
        var loner = await network.AddPartner("List loner", PartnerType.Service);
        Assert.Empty(await All(loner, limit: 10));

        // Leaving the room ends the tie; the registration keeps its own.
        Assert.Equal(HttpStatusCode.NoContent, (await roomVendor.Http.DeleteAsync(Routes.RoomMember(room.Id, roomVendor.Id))).StatusCode);
        Assert.Equal([dealVendor.Id], (await All(isv, limit: 10)).Select(p => p.VendorId));
        await Problem.Expect(await isv.Http.GetAsync(Routes.Programs + "?limit=0"), HttpStatusCode.BadRequest);
        await Problem.Expect(await isv.Http.GetAsync(Routes.Programs + "?cursor=!!"), HttpStatusCode.BadRequest);
    }
}
