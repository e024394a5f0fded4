using CoSellNet.Protocol;
using CoSellNet.Silo.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace CoSellNet.Api.Tests;

/// <summary>
/// Feeds a vendor's pipeline with room facts. Rooms do not send their facts to the
/// <see cref="IPipelineGrain"/> yet (the lead wires that), so tests stand in for them: they resolve
/// the node's grain factory and call <see cref="IPipelineGrain.RoomChanged"/> as a room will, with
/// the room's latest facts on every change. Everything after that goes over HTTP.
/// </summary>
public sealed class PipelineFeed(Network network, string vendorId)
{
    public string VendorId => vendorId;

    public IPipelineGrain Grain => network.Node.Services.GetRequiredService<IGrainFactory>().GetGrain<IPipelineGrain>(vendorId);

    public Task Send(RoomFacts facts) => Grain.RoomChanged(facts);

    public async Task Send(IEnumerable<RoomFacts> facts)
    {
        foreach (var f in facts) await Send(f);
    }

    public RoomFacts Room(string id, DateTimeOffset openedAt, string stage, decimal amount, string currency = "USD") =>
        new() { RoomId = id, VendorId = vendorId, OpenedAt = openedAt, Stage = stage, Amount = amount, Currency = currency };

    public static DateTimeOffset Day(int month, int day, int hour = 0, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);
}

/// <summary>
/// The README's worked example ("Vendor pipeline: a worked example") on a live node: Northwind (the
/// vendor) with Bluefin (technology), Cedar (service) and Delta (reseller), five rooms in USD. Each
/// room arrives as a room would send it: opened, then changed (members join, touches are added,
/// the stage moves) until it reaches the README's state.
/// </summary>
public sealed record WorkedExample(Member Vendor, Member Bluefin, Member Cedar, Member Delta, PipelineFeed Feed)
{
    public static async Task<WorkedExample> Create(Network network)
    {
        var vendor = await network.AddPartner("Northwind", PartnerType.Vendor);
        var bluefin = await network.AddPartner("Bluefin", PartnerType.Technology);
        var cedar = await network.AddPartner("Cedar", PartnerType.Service);
        var delta = await network.AddPartner("Delta", PartnerType.Reseller);
        var example = new WorkedExample(vendor, bluefin, cedar, delta, new PipelineFeed(network, vendor.Id));
        foreach (var room in example.Rooms()) await example.Feed.Send(room);
        return example;
    }

    public RoomPartner B => new(Bluefin.Id, "technology");
    public RoomPartner C => new(Cedar.Id, "service");
    public RoomPartner D => new(Delta.Id, "reseller");

    private static DateTimeOffset Day(int month, int day) => PipelineFeed.Day(month, day);

    /// <summary>Every change of the five rooms, in order; the last facts of each room are the README's.</summary>
    public IEnumerable<RoomFacts> Rooms()
    {
        var a = Feed.Room("A", Day(1, 5), "qualify", 100_000m) with { CloseDate = new DateOnly(2026, 3, 31), Partners = [C] };
        yield return a;
        yield return a = a with { Stage = "develop", Touches = [new(Cedar.Id, "sourced", Day(1, 10))] };
        yield return a = a with { Partners = [B, C, D], Amount = 120_000m, Touches = [.. a.Touches, new(Bluefin.Id, "influenced", Day(2, 20))] };
        yield return a = a with { Stage = "negotiate", Touches = [.. a.Touches, new(Delta.Id, "transacted", Day(3, 25))] };
        yield return a with { Stage = RoomFacts.ClosedWon, ClosedAt = Day(3, 31), CloseDate = null };

        var b = Feed.Room("B", Day(1, 25), "qualify", 60_000m) with { Partners = [B, C], CloseDate = new DateOnly(2026, 4, 30) };
        yield return b;
        yield return b = b with { Touches = [new(Bluefin.Id, "sourced", Day(2, 1)), new(Cedar.Id, "influenced", Day(3, 1))] };
        yield return b with { Stage = RoomFacts.ClosedWon, ClosedAt = Day(4, 15) };

        // C is the vendor's direct deal: a room with no partner.
        var c = Feed.Room("C", Day(3, 1), "propose", 30_000m);
        yield return c;
        yield return c with { Stage = RoomFacts.ClosedWon, ClosedAt = Day(4, 20) };

        var d = Feed.Room("D", Day(2, 1), "develop", 50_000m) with { Partners = [D], Touches = [new(Delta.Id, "sourced", Day(2, 3))] };
        yield return d;
        yield return d with { Stage = RoomFacts.ClosedLost, ClosedAt = Day(5, 5) };

        var e = Feed.Room("E", Day(4, 1), "qualify", 150_000m) with { Partners = [B], CloseDate = new DateOnly(2026, 6, 30) };
        yield return e;
        yield return e with { Stage = "propose", Amount = 200_000m, Partners = [B, C] };
    }
}
