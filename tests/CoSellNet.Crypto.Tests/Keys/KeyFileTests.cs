using System.Text.Json.Nodes;

namespace CoSellNet.Crypto.Tests.Keys;

/// <summary>The master secret's key file: plain and passphrase-sealed round trips, and clear errors for everything else.</summary>
public class KeyFileTests
{
    // Cheap enough for tests; the format records the cost, so reading needs no argument.
    private static readonly Argon2Cost Cheap = new(1024, 1, 1);
    private static readonly byte[] SecretBytes = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static string Sealed(string passphrase = "correct horse battery staple")
    {
        using var secret = MasterSecret.FromBytes(SecretBytes);
        return secret.ToKeyFile(passphrase, Cheap);
    }

    private static string Plain()
    {
        using var secret = MasterSecret.FromBytes(SecretBytes);
        return secret.ToKeyFile();
    }

    private static string Edit(string file, Action<JsonObject> change)
    {
        var document = JsonNode.Parse(file)!.AsObject();
        change(document);
        return document.ToJsonString();
    }

    private static KeyFileException Fails(string file, string? passphrase = "correct horse battery staple") =>
        Assert.Throws<KeyFileException>(() => KeyFile.Read(file, passphrase));

    [Fact]
    public void Plain_file_round_trips()
    {
        var file = Plain();
        Assert.Equal(SecretBytes, KeyFile.Read(file, null));
        Assert.Equal(SecretBytes, KeyFile.Read(file, "a passphrase is ignored for a plain file"));
        var document = JsonNode.Parse(file)!.AsObject();
        Assert.Equal("cosellnet-master-secret", (string?)document["format"]);
        Assert.Equal(1, (int?)document["version"]);
        Assert.Null(document["ciphertext"]);
        Assert.EndsWith("\n", file);
    }

    [Fact]
    public void Sealed_file_round_trips_and_does_not_hold_the_secret_in_the_clear()
    {
        var file = Sealed();
        Assert.Equal(SecretBytes, KeyFile.Read(file, "correct horse battery staple"));
        var document = JsonNode.Parse(file)!.AsObject();
        Assert.Null(document["secret"]);
        Assert.Equal("argon2id", (string?)document["kdf"]!["algorithm"]);
        Assert.Equal(1024, (int?)document["kdf"]!["memoryKiB"]);
        Assert.Equal("chacha20-poly1305", (string?)document["aead"]);
        Assert.DoesNotContain(System.Buffers.Text.Base64Url.EncodeToString(SecretBytes), file);
    }

    [Fact]
    public void Sealing_twice_gives_different_files_that_both_open()
    {
        var first = Sealed();
        var second = Sealed();
        Assert.NotEqual(first, second); // fresh salt and nonce
        Assert.Equal(KeyFile.Read(first, "correct horse battery staple"), KeyFile.Read(second, "correct horse battery staple"));
    }

    [Fact]
    public void Master_secret_round_trips_through_its_key_file()
    {
        using var original = MasterSecret.FromBytes(SecretBytes);
        using var restored = MasterSecret.FromKeyFile(original.ToKeyFile("pw", Cheap), "pw");
        Assert.Equal(original.PublicKeys.X25519, restored.PublicKeys.X25519);
        Assert.Equal(original.PublicKeys.Ed25519, restored.PublicKeys.Ed25519);
    }

    [Fact]
    public void Passphrase_is_compared_after_unicode_normalization()
    {
        // "é" precomposed and decomposed are the same passphrase (NFC).
        var file = Sealed("caf\u00e9");
        Assert.Equal(SecretBytes, KeyFile.Read(file, "cafe\u0301"));
    }

    [Fact]
    public void Wrong_passphrase_fails_clearly()
    {
        var e = Fails(Sealed(), "Correct horse battery staple");
        Assert.Contains("passphrase is wrong", e.Message);
    }

    [Fact]
    public void Missing_passphrase_fails_clearly()
    {
        var e = Fails(Sealed(), passphrase: null);
        Assert.Contains("give the passphrase", e.Message);
    }

    [Fact]
    public void Empty_passphrase_is_refused_when_writing()
    {
        using var secret = MasterSecret.FromBytes(SecretBytes);
        Assert.Throws<ArgumentException>(() => secret.ToKeyFile("", Cheap));
    }

    [Fact]
    public void Altered_ciphertext_fails()
    {
        var file = Edit(Sealed(), d =>
        {
            var bytes = System.Buffers.Text.Base64Url.DecodeFromChars((string)d["ciphertext"]!);
            bytes[5] ^= 1;
            d["ciphertext"] = System.Buffers.Text.Base64Url.EncodeToString(bytes);
        });
        Assert.Contains("altered", Fails(file).Message);
    }

    [Fact]
    public void Altered_nonce_fails()
    {
        var file = Edit(Sealed(), d =>
        {
            var bytes = System.Buffers.Text.Base64Url.DecodeFromChars((string)d["nonce"]!);
            bytes[0] ^= 0x80;
            d["nonce"] = System.Buffers.Text.Base64Url.EncodeToString(bytes);
        });
        Assert.Contains("altered", Fails(file).Message);
    }

    [Theory]
    [InlineData("memoryKiB", 2048)]
    [InlineData("iterations", 2)]
    [InlineData("parallelism", 2)]
    public void Altered_kdf_parameters_fail(string parameter, int value)
    {
        var file = Edit(Sealed(), d => d["kdf"]![parameter] = value);
        Assert.Contains("passphrase is wrong, or the key file was altered", Fails(file).Message);
    }

    [Fact]
    public void Altered_salt_fails()
    {
        var file = Edit(Sealed(), d => d["kdf"]!["salt"] = System.Buffers.Text.Base64Url.EncodeToString(new byte[16]));
        Assert.Contains("altered", Fails(file).Message);
    }

    [Theory]
    [InlineData("memoryKiB", 4)]
    [InlineData("memoryKiB", 64 * 1024 * 1024)]
    [InlineData("iterations", 0)]
    [InlineData("iterations", 1000)]
    [InlineData("parallelism", 0)]
    [InlineData("parallelism", 64)]
    public void Costs_out_of_range_are_refused_before_any_work(string parameter, int value)
    {
        var file = Edit(Sealed(), d => d["kdf"]![parameter] = value);
        Assert.Contains("cost is out of range", Fails(file).Message);
    }

    [Fact]
    public void Another_kdf_or_aead_is_refused()
    {
        Assert.Contains("argon2id with chacha20-poly1305", Fails(Edit(Sealed(), d => d["kdf"]!["algorithm"] = "scrypt")).Message);
        Assert.Contains("argon2id with chacha20-poly1305", Fails(Edit(Sealed(), d => d["aead"] = "aes-256-gcm")).Message);
        Assert.Contains("argon2id with chacha20-poly1305", Fails(Edit(Sealed(), d => d.Remove("kdf"))).Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("{\"format\":\"cosellnet-master-secret\",")]
    public void Not_json_fails_clearly(string text)
    {
        Assert.Contains("not valid JSON", Fails(text).Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    public void Json_that_is_not_an_object_fails_clearly(string text)
    {
        Assert.Contains("not a JSON object", Fails(text).Message);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"format\":\"something-else\",\"version\":1}")]
    [InlineData("{\"format\":42,\"version\":1}")]
    [InlineData("{\"format\":{\"a\":1},\"version\":1}")]
    public void Wrong_format_fails_clearly(string text)
    {
        Assert.Contains("not a CoSellNet key file", Fails(text).Message);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("0")]
    [InlineData("\"1\"")]
    [InlineData("1.5")]
    [InlineData("null")]
    public void Wrong_version_fails_clearly(string version)
    {
        var text = $"{{\"format\":\"cosellnet-master-secret\",\"version\":{version},\"secret\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}";
        Assert.Contains("not supported", Fails(text).Message);
    }

    [Theory]
    [InlineData("\"AAAA\"")]
    [InlineData("\"not base64url!\"")]
    [InlineData("\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"")]
    [InlineData("42")]
    [InlineData("[]")]
    public void A_plain_secret_that_is_not_32_bytes_of_base64url_fails_clearly(string secret)
    {
        var text = $"{{\"format\":\"cosellnet-master-secret\",\"version\":1,\"secret\":{secret}}}";
        Assert.Contains("secret is not 32 bytes of base64url", Fails(text).Message);
    }

    [Theory]
    [InlineData("memoryKiB", "\"1024\"")]
    [InlineData("iterations", "1.5")]
    [InlineData("salt", "42")]
    public void Mistyped_kdf_fields_fail_as_key_file_errors(string field, string json)
    {
        var file = Edit(Sealed(), d => d["kdf"]![field] = JsonNode.Parse(json));
        Fails(file);
    }

    [Fact]
    public void Truncated_ciphertext_fails_clearly()
    {
        var file = Edit(Sealed(), d => d["ciphertext"] = ((string)d["ciphertext"]!)[..20]);
        Assert.Contains("ciphertext is not 48 bytes", Fails(file).Message);
    }
}
