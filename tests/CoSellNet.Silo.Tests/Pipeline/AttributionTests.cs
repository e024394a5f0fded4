using CoSellNet.Protocol;
using CoSellNet.Silo.Pipeline;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CoSellNet.Silo.Tests.Pipeline;

public sealed class AttributionTests
{
    private static readonly DateTimeOffset Close = new(2026, 6, 30, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Kinds = ["sourced", "influenced", "transacted"];

    private static TouchPoint Touch(string partner, string kind, int daysBeforeClose) => new(partner, kind, Close.AddDays(-daysBeforeClose));

    [Fact]
    public void Each_model_gives_the_credits_a_person_would_compute()
    {
        // An SI sourced it 90 days out, an ISV influenced it 30 days out, a reseller transacted 1 day out.
        TouchPoint[] touches = [Touch("si", "sourced", 90), Touch("isv", "influenced", 30), Touch("reseller", "transacted", 1)];
        Assert.Equal([new Credit("si", "sourced", 100_000m)], Attribution.Credit(100_000m, 2, Close, touches, AttributionModel.Sourced));
        Assert.Equal([new Credit("si", "sourced", 100_000m)], Attribution.Credit(100_000m, 2, Close, touches, AttributionModel.FirstTouch));
        Assert.Equal([new Credit("reseller", "transacted", 100_000m)], Attribution.Credit(100_000m, 2, Close, touches, AttributionModel.LastTouch));
        // 100.00 / 3 = 33.333…: the spare cent goes to the earliest touch.
        Assert.Equal([new Credit("si", "sourced", 33.34m), new Credit("isv", "influenced", 33.33m), new Credit("reseller", "transacted", 33.33m)],
            Attribution.Credit(100m, 2, Close, touches, AttributionModel.Linear));
        // Half-life 30 days: weights 1/8, 1/2, ~1 (0.9772): shares of 1,000.00 = 77.76, 311.05, 611.19 after largest remainders.
        var decay = Attribution.Credit(1_000m, 2, Close, touches, AttributionModel.TimeDecay, TimeSpan.FromDays(30));
        Assert.Equal(1_000m, decay.Sum(c => c.Amount));
        Assert.True(decay.Single(c => c.PartnerId == "reseller").Amount > decay.Single(c => c.PartnerId == "isv").Amount);
        Assert.True(decay.Single(c => c.PartnerId == "isv").Amount > decay.Single(c => c.PartnerId == "si").Amount);
    }

    [Fact]
    public void A_deal_no_touch_qualifies_for_is_the_vendors_own()
    {
        TouchPoint[] influencedOnly = [Touch("isv", "influenced", 10)];
        Assert.Equal([new Credit(null, null, 5_000m)], Attribution.Credit(5_000m, 2, Close, influencedOnly, AttributionModel.Sourced));
        Assert.Equal([new Credit(null, null, 5_000m)], Attribution.Credit(5_000m, 2, Close, [], AttributionModel.Linear));
        // A touch after the close did not help win the deal.
        Assert.Equal([new Credit(null, null, 5_000m)], Attribution.Credit(5_000m, 2, Close, [Touch("late", "sourced", -3)], AttributionModel.FirstTouch));
    }

    [Fact]
    public void Amounts_finer_than_the_currency_are_refused() =>
        Assert.Throws<ArgumentException>(() => Attribution.Credit(10.001m, 2, Close, [Touch("a", "sourced", 1)], AttributionModel.Linear));

    public static Arbitrary<(decimal Amount, TouchPoint[] Touches, AttributionModel Model)> Deals() =>
        (from cents in Gen.Choose(0, int.MaxValue)
         from count in Gen.Choose(0, 12)
         from touches in Gen.ArrayOf(
             from partner in Gen.Elements("a", "b", "c", "d", "e")
             from kind in Gen.Elements(Kinds)
             from days in Gen.Choose(-5, 2000)
             select Touch(partner, kind, days), count)
         from model in Gen.Elements(Enum.GetValues<AttributionModel>())
         select ((decimal)cents / 100m, touches, model)).ToArbitrary();

    [Property(Arbitrary = [typeof(AttributionTests)], MaxTest = 500)]
    public bool Every_models_credits_add_up_to_the_amount_exactly((decimal Amount, TouchPoint[] Touches, AttributionModel Model) deal)
    {
        var credits = Attribution.Credit(deal.Amount, 2, Close, deal.Touches, deal.Model, TimeSpan.FromDays(45));
        return credits.Sum(c => c.Amount) == deal.Amount
               && credits.All(c => c.Amount > 0 && c.Amount == decimal.Round(c.Amount, 2))
               && credits.Select(c => (c.PartnerId, c.Kind)).Distinct().Count() == credits.Count;
    }
}
