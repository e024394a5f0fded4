using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CoSellNet.Client;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>
/// One side of a PSI run through <see cref="CoSellNetClient"/>, as the CLI does it: uploads a population
/// of blinded accounts with its own key, and does its re-blind tasks. Record ids map back to accounts.
/// </summary>
public sealed class PsiSide(CoSellNetClient client, string name) : IDisposable
{
    public PsiKey Key { get; } = PsiKey.Random();

    /// <summary>Record id (hex) → account.</summary>
    public Dictionary<string, string> Records { get; } = [];

    public async Task Upload(string counterpart, IEnumerable<string> accounts, string population = "customers")
    {
        var list = accounts.ToList();
        var body = new byte[list.Count * PsiFormat.RecordSize(UploadKind.Add)];
        for (var i = 0; i < list.Count; i++)
        {
            var id = SHA256.HashData(Encoding.UTF8.GetBytes($"{name}/{list[i]}"))[..16];
            id.CopyTo(body, i * 48);
            Key.Blind(MatchKeys.FromDomainLike($"{list[i]}-corp.com").Key!.Value, body.AsSpan(i * 48 + 16, 32));
            Records[Convert.ToHexStringLower(id)] = list[i];
        }
        var upload = Guid.NewGuid();
        await client.StartUploadAsync(counterpart, new StartUpload(upload, population, UploadKind.Add, list.Count));
        await client.PutChunkAsync(counterpart, upload, 0, body);
        await client.CommitUploadAsync(counterpart, upload);
    }

    public async Task<int> Reblind(string counterpart)
    {
        var done = 0;
        while (await client.GetNextTaskAsync(counterpart) is { } task)
        {
            var seqs = new long[task.Count];
            var points = new byte[task.Count * PsiFormat.PointSize];
            await client.DownloadTaskPointsAsync(counterpart, task, seqs, points);
            var bare = new byte[task.Count * PsiFormat.TagSize];
            Key.ReblindToTags(points, bare);
            var tags = new byte[task.Count * PsiFormat.TaskTagSize];
            for (var i = 0; i < task.Count; i++)
            {
                BinaryPrimitives.WriteInt64BigEndian(tags.AsSpan(i * 24), seqs[i]);
                bare.AsSpan(i * 16, 16).CopyTo(tags.AsSpan(i * 24 + 8));
            }
            await client.UploadTaskTagsAsync(counterpart, task.TaskId, tags);
            done += task.Count;
        }
        return done;
    }

    public void Dispose() => Key.Dispose();
}
