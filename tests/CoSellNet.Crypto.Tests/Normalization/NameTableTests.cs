namespace CoSellNet.Crypto.Tests.Normalization;

/// <summary>The reference data's lookup table: every name found with its flags, anything else not, whatever the spans look like.</summary>
public class NameTableTests
{
    [Fact]
    public void Names_are_found_with_their_flags_and_others_are_not()
    {
        var names = Enumerable.Range(0, 5_000).Select(i => $"n{i}.example").Append("").Append("a").Append("ab").Append("abcdefghi").ToList();
        var table = new NameTable(names.Select((name, i) => KeyValuePair.Create(name, (byte)(i % 7 + 1))));

        for (var i = 0; i < names.Count; i++)
        {
            // Found from a span inside a longer text too: only the characters count.
            var text = "x." + names[i] + ".y";
            Assert.Equal((byte)(i % 7 + 1), table.Find(text.AsSpan(2, names[i].Length)));
        }
        foreach (var other in new[] { "n5000.example", "n1.exampl", "n1.examplee", "b", "abcdefgh", "abcdefghij", "N1.example" })
        {
            Assert.Equal(0, table.Find(other));
            Assert.False(table.Contains(other));
        }
    }

    [Fact]
    public void A_name_given_twice_has_the_flags_of_both()
    {
        var table = new NameTable([KeyValuePair.Create("ck", (byte)1), KeyValuePair.Create("ck", (byte)2)]);
        Assert.Equal(3, table.Find("ck"));
    }

    [Fact]
    public void Flags_of_zero_are_refused() =>
        Assert.Throws<ArgumentException>(() => new NameTable([KeyValuePair.Create("com", (byte)0)]));
}
