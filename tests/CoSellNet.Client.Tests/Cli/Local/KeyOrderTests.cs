using CoSellNet.Cli.Local;
using CoSellNet.Crypto;

namespace CoSellNet.Client.Tests.Cli.Local;

/// <summary>The order a bulk write of accounts takes: exactly the ordinal order of the keys' stored text, whatever the keys.</summary>
public sealed class KeyOrderTests
{
    private static AccountUpsert Upsert(MatchKey key) =>
        new(new LocalAccount("customers", key, null, null, "crm.csv", 2, new Dictionary<string, string>()), null);

    [Fact]
    public void Keys_go_in_the_ordinal_order_of_their_stored_text_even_where_their_prefixes_are_alike()
    {
        var keys = new List<MatchKey>();
        for (var i = 0; i < 3_000; i++)
        {
            // Short and long domains, many alike in their first 31 characters and more, some a prefix of
            // another; company names with characters above 0xFF (capped alike in the prefix).
            keys.Add(MatchKey.Parse($"d:c{i % 97}.example"));
            keys.Add(MatchKey.Parse($"d:averyveryverylongcompanynamethatgoeson-{i}.example"));
            keys.Add(MatchKey.Parse($"d:averyveryverylongcompanynamethatgoeson-{i}.examples"));
            var name = MatchKeys.FromCompanyName($"Zürich 株式{(char)('会' + i % 5)} {i % 13}").Key;
            if (name is { } n) keys.Add(n);
            keys.Add(MatchKey.Parse($"n:acme {i}"));
        }
        var distinct = keys.Distinct().ToList();
        Random.Shared.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(distinct));
        var rows = distinct.Select(Upsert).ToList();

        var sorted = rows.ToArray();
        KeyOrder.Sort(sorted);

        var expected = distinct.Select(k => k.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, sorted.Select(r => r.Account.Key.ToString()));
        Assert.Equal(rows.Select(r => r.Account).Order(Comparer<LocalAccount>.Create((x, y) => KeyOrder.Compare(x.Key, y.Key))), sorted.Select(r => r.Account)); // each row once, as it was
    }

    [Theory]
    [InlineData("ascending")]
    [InlineData("descending")]
    [InlineData("organ pipe")]
    [InlineData("few distinct prefixes")]
    public void Inputs_in_any_order_are_sorted(string order)
    {
        var keys = Enumerable.Range(0, 20_000).Select(i => order == "few distinct prefixes"
            ? MatchKey.Parse($"d:{(char)('a' + i % 3)}averyveryverylongcompanynamethatgoeson-{i}.example")
            : MatchKey.Parse($"d:c{i:D6}.example")).ToList();
        var input = order switch
        {
            "ascending" => keys,
            "descending" => keys.AsEnumerable().Reverse().ToList(),
            "organ pipe" => [.. keys.Where((_, i) => i % 2 == 0), .. keys.Where((_, i) => i % 2 == 1).Reverse()],
            _ => keys,
        };
        var sorted = input.Select(Upsert).ToArray();

        KeyOrder.Sort(sorted);

        Assert.Equal(input.Select(k => k.ToString()).Order(StringComparer.Ordinal), sorted.Select(r => r.Account.Key.ToString()));
    }

    [Fact]
    public void Past_the_depth_of_quicksort_heapsort_gives_the_same_order()
    {
        var keys = Enumerable.Range(0, 5_000).Select(i => MatchKey.Parse($"d:c{i * 7919 % 5_000}-{i % 3}.example")).Distinct().ToList();
        var rows = keys.Select(Upsert).ToArray();

        KeyOrder.Sort(rows, depth: 0);

        Assert.Equal(keys.Select(k => k.ToString()).Order(StringComparer.Ordinal), rows.Select(r => r.Account.Key.ToString()));
    }

    [Fact]
    public void No_rows_stay_no_rows() => KeyOrder.Sort([]);
}
