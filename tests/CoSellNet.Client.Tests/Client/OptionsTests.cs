using CoSellNet.Client.Tests.Support;

namespace CoSellNet.Client.Tests.Client;

/// <summary>Misconfiguration is refused when the client is made, with a message that never echoes the key.</summary>
public sealed class OptionsTests
{
    [Theory]
    [InlineData("csn_abc_0123456789abcdef_short", "copy the whole key")]
    [InlineData("inv_op_1122334455667788_aW52aXRhdGlvbi1zZWNyZXQtZm9yLXRlc3RzLTEyMzQ1Njc4", "invitation token")]
    [InlineData("csn_4f2a_0123456789abcdef_Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcl9i YXpfcXV4", "whitespace")]
    [InlineData("Bearer csn_4f2a_0123456789abcdef_Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcl9iYXpfcXV4", "whitespace")]
    public void A_malformed_key_is_refused_without_repeating_it(string key, string hint)
    {
        var e = Assert.Throws<ArgumentException>(() => new CoSellNetClient(new Uri("https://node.test"), key));

        Assert.Contains(hint, e.Message);
        Assert.DoesNotContain(key, e.Message);
        Assert.DoesNotContain(key.Split('_').Last(), e.Message);
    }

    [Theory]
    [InlineData("ftp://node.test/")]
    [InlineData("https://node.test/?x=1")]
    public void A_base_address_that_is_not_a_plain_http_url_is_refused(string url)
    {
        var e = Assert.Throws<ArgumentException>(() => new CoSellNetClient(new Uri(url), Keys.Partner));
        Assert.Contains("BaseAddress", e.Message);
    }

    [Fact]
    public void Bad_timeouts_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new CoSellNetClient(new CoSellNetClientOptions
        {
            BaseAddress = new Uri("https://node.test"),
            AttemptTimeout = TimeSpan.FromMinutes(5),
            TotalTimeout = TimeSpan.FromMinutes(1),
        }));
        Assert.Contains("TotalTimeout", e.Message);
    }

    [Fact]
    public void Later_changes_to_the_options_do_not_reach_the_client()
    {
        var options = new CoSellNetClientOptions { BaseAddress = new Uri("https://node.test"), ApiKey = Keys.Partner };
        using var client = new CoSellNetClient(options);
        options.BaseAddress = new Uri("https://elsewhere.test");
        options.ApiKey = null;

        Assert.Equal(new Uri("https://node.test/"), client.BaseAddress);
        Assert.True(client.HasApiKey);
    }

    [Fact]
    public void Keys_are_redacted_to_principal_and_id()
    {
        Assert.Equal("csn_4f2a9c1d0b7e4a3f8c2d1e0f9a8b7c6d_0123456789abcdef_****", ApiKeyFormat.Redact(Keys.Partner));
        Assert.Equal("csn_op_00112233aabbccdd_****", ApiKeyFormat.Redact(Keys.Operator));
        Assert.Equal("****", ApiKeyFormat.Redact("not a key at all, but maybe a secret"));
        Assert.Equal("****", ApiKeyFormat.Redact(null));

        Assert.True(ApiKeyFormat.TryParse(Keys.Operator, out var principal, out var keyId));
        Assert.Equal((ApiKeyFormat.OperatorPrincipal, "00112233aabbccdd"), (principal, keyId));
    }

    [Fact]
    public void Enum_wire_names_round_trip()
    {
        Assert.Equal("technology", CoSellNetJson.EnumName(Protocol.PartnerType.Technology));
        Assert.Equal(["none", "counts", "overlaps", "fields"], CoSellNetJson.EnumNames<Protocol.SharingLevel>());
        Assert.True(CoSellNetJson.TryParseEnum<Protocol.SharingLevel>("Overlaps", out var level));
        Assert.Equal(Protocol.SharingLevel.Overlaps, level);
        Assert.False(CoSellNetJson.TryParseEnum<Protocol.SharingLevel>("2", out _));
        Assert.False(CoSellNetJson.TryParseEnum<Protocol.SharingLevel>("everything", out _));
    }

    [Fact]
    public void Enum_wire_names_are_what_the_serializer_writes_for_every_protocol_enum()
    {
        var enums = typeof(Protocol.SharingLevel).Assembly.GetTypes().Where(t => t.IsEnum).ToList();
        Assert.NotEmpty(enums);
        var enumName = typeof(CoSellNetJson).GetMethod(nameof(CoSellNetJson.EnumName))!;
        foreach (var type in enums)
            foreach (var value in Enum.GetValues(type))
                Assert.Equal(System.Text.Json.JsonSerializer.Serialize(value, type, CoSellNetJson.Options).Trim('"'),
                    (string)enumName.MakeGenericMethod(type).Invoke(null, [value])!);
    }
}
