using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Crypto.Generators;
using ChaCha20Poly1305 = Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305;
using Org.BouncyCastle.Crypto.Parameters;

namespace CoSellNet.Crypto;

/// <summary>Argon2id cost of sealing a key file with a passphrase.</summary>
/// <param name="MemoryKiB">Memory in KiB (default 64 MiB).</param>
/// <param name="Iterations">Passes over memory (default 3).</param>
/// <param name="Parallelism">Lanes (default 1).</param>
public sealed record Argon2Cost(int MemoryKiB, int Iterations, int Parallelism)
{
    /// <summary>64 MiB, 3 passes, 1 lane: the RFC 9106 second recommended option's shape at a laptop-friendly memory size.</summary>
    public static Argon2Cost Default { get; } = new(64 * 1024, 3, 1);
}

/// <summary>The key file format of a <see cref="MasterSecret"/>: a small JSON document, version 1.</summary>
public static class KeyFile
{
    private const string Format = "cosellnet-master-secret";
    private const int Version = 1;
    private const int SaltSize = 16;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    // Refuse costs that would stall or exhaust a machine when reading a file from elsewhere.
    private const int MaxMemoryKiB = 4 * 1024 * 1024;
    private const int MaxIterations = 64;

    internal static string Write(ReadOnlySpan<byte> secret, string? passphrase, Argon2Cost cost)
    {
        var document = new JsonObject { ["format"] = Format, ["version"] = Version };
        if (passphrase is null)
        {
            document["secret"] = Base64Url.EncodeToString(secret);
            return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        }
        if (passphrase.Length == 0) throw new ArgumentException("A passphrase must not be empty; pass null for an unsealed file.", nameof(passphrase));
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        document["kdf"] = new JsonObject
        {
            ["algorithm"] = "argon2id",
            ["salt"] = Base64Url.EncodeToString(salt),
            ["memoryKiB"] = cost.MemoryKiB,
            ["iterations"] = cost.Iterations,
            ["parallelism"] = cost.Parallelism,
        };
        document["aead"] = "chacha20-poly1305";
        document["nonce"] = Base64Url.EncodeToString(nonce);
        var key = StretchPassphrase(passphrase, salt, cost);
        try
        {
            var sealedSecret = Aead(true, key, nonce, Header(document), secret);
            document["ciphertext"] = Base64Url.EncodeToString(sealedSecret);
        }
        finally { CryptographicOperations.ZeroMemory(key); }
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>
    /// The 32 secret bytes of a key file. Throws <see cref="KeyFileException"/> saying what is wrong:
    /// not a key file, a passphrase is needed, or the passphrase is wrong (or the file was altered).
    /// </summary>
    public static byte[] Read(string text, string? passphrase)
    {
        JsonObject document;
        try { document = JsonNode.Parse(text) as JsonObject ?? throw new KeyFileException("The key file is not a JSON object."); }
        catch (JsonException e) { throw new KeyFileException($"The key file is not valid JSON ({e.Message})."); }
        if (Text(document["format"]) != Format)
            throw new KeyFileException($"This is not a CoSellNet key file (format is not '{Format}').");
        if (Number(document["version"]) != Version)
            throw new KeyFileException($"Key file version {document["version"]} is not supported; this library reads version {Version}.");

        if (document["secret"] is { } plain)
            return Decode(plain, MasterSecret.Size, "secret");

        if (passphrase is null)
            throw new KeyFileException("The key file is sealed with a passphrase; give the passphrase to open it.");
        if (document["kdf"] is not JsonObject kdf || Text(kdf["algorithm"]) != "argon2id" || Text(document["aead"]) != "chacha20-poly1305")
            throw new KeyFileException("The key file's sealing is not argon2id with chacha20-poly1305.");
        var cost = new Argon2Cost(Number(kdf["memoryKiB"]) ?? 0, Number(kdf["iterations"]) ?? 0, Number(kdf["parallelism"]) ?? 0);
        if (cost.MemoryKiB is < 8 or > MaxMemoryKiB || cost.Iterations is < 1 or > MaxIterations || cost.Parallelism is < 1 or > 16)
            throw new KeyFileException("The key file's Argon2id cost is out of range.");
        var salt = Decode(kdf["salt"], SaltSize, "kdf.salt");
        var nonce = Decode(document["nonce"], NonceSize, "nonce");
        var ciphertext = Decode(document["ciphertext"], MasterSecret.Size + TagSize, "ciphertext");
        var header = new JsonObject { ["format"] = Format, ["version"] = Version, ["kdf"] = kdf.DeepClone(), ["aead"] = "chacha20-poly1305", ["nonce"] = (string?)document["nonce"] };
        var key = StretchPassphrase(passphrase, salt, cost);
        try { return Aead(false, key, nonce, Header(header), ciphertext); }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException)
        {
            throw new KeyFileException("The passphrase is wrong, or the key file was altered.");
        }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    // Everything but the ciphertext is associated data, so no parameter can be changed unnoticed.
    private static byte[] Header(JsonObject document) =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["format"] = (string?)document["format"],
            ["version"] = (int?)document["version"],
            ["kdf"] = document["kdf"]?.DeepClone(),
            ["aead"] = (string?)document["aead"],
            ["nonce"] = (string?)document["nonce"],
        }.ToJsonString());

    private static byte[] StretchPassphrase(string passphrase, byte[] salt, Argon2Cost cost)
    {
        var parameters = new Org.BouncyCastle.Crypto.Parameters.Argon2Parameters.Builder(Org.BouncyCastle.Crypto.Parameters.Argon2Parameters.Argon2id)
            .WithVersion(Org.BouncyCastle.Crypto.Parameters.Argon2Parameters.Version13)
            .WithSalt(salt)
            .WithMemoryAsKB(cost.MemoryKiB)
            .WithIterations(cost.Iterations)
            .WithParallelism(cost.Parallelism)
            .Build();
        var generator = new Argon2BytesGenerator();
        generator.Init(parameters);
        var key = new byte[32];
        generator.GenerateBytes(Encoding.UTF8.GetBytes(passphrase.Normalize(NormalizationForm.FormC)), key);
        return key;
    }

    private static byte[] Aead(bool seal, byte[] key, byte[] nonce, byte[] associatedData, ReadOnlySpan<byte> input)
    {
        var cipher = new ChaCha20Poly1305();
        cipher.Init(seal, new AeadParameters(new KeyParameter(key), TagSize * 8, nonce, associatedData));
        var output = new byte[cipher.GetOutputSize(input.Length)];
        var written = cipher.ProcessBytes(input, output);
        cipher.DoFinal(output.AsSpan(written));
        return output;
    }

    private static byte[] Decode(JsonNode? node, int size, string name)
    {
        var text = Text(node);
        var bytes = new byte[size];
        // TryDecodeFromChars returns false only for a short destination; bad characters throw FormatException.
        try
        {
            if (text is not null && Base64Url.TryDecodeFromChars(text, bytes, out var written) && written == size) return bytes;
        }
        catch (FormatException) { }
        throw new KeyFileException($"The key file's {name} is not {size} bytes of base64url.");
    }

    // The typed casts ((string?)node, (int?)node) throw InvalidOperationException for a value of another
    // JSON type; a file from elsewhere must fail as a KeyFileException instead.
    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static int? Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var number) ? number : null;
}

/// <summary>A key file could not be read; the message says why and what to do.</summary>
public sealed class KeyFileException(string message) : CryptographicException(message);
