using System.Security.Cryptography;

namespace CoSellNet.Crypto.Tests.Support;

/// <summary>RFC 9380 section 5.3.1 expand_message_xmd with SHA-512, transcribed line by line with arrays, for comparison.</summary>
internal static class ReferenceXmd
{
    public static byte[] Expand(byte[] msg, byte[] dst, int lenInBytes)
    {
        const int bInBytes = 64, sInBytes = 128;
        var ell = (lenInBytes + bInBytes - 1) / bInBytes;
        var dstPrime = dst.Concat(new[] { (byte)dst.Length }).ToArray();
        var zPad = new byte[sInBytes];
        var libStr = new[] { (byte)(lenInBytes >> 8), (byte)lenInBytes };
        var msgPrime = zPad.Concat(msg).Concat(libStr).Concat(new byte[] { 0 }).Concat(dstPrime).ToArray();
        var b0 = SHA512.HashData(msgPrime);
        var b = new List<byte[]> { SHA512.HashData(b0.Concat(new byte[] { 1 }).Concat(dstPrime).ToArray()) };
        for (var i = 2; i <= ell; i++)
        {
            var xored = b0.Zip(b[^1], (x, y) => (byte)(x ^ y));
            b.Add(SHA512.HashData(xored.Concat(new[] { (byte)i }).Concat(dstPrime).ToArray()));
        }
        return b.SelectMany(block => block).Take(lenInBytes).ToArray();
    }
}
