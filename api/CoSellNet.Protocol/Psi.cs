using System.Text.Json.Serialization;

namespace CoSellNet.Protocol;

[JsonConverter(typeof(JsonStringEnumConverter<UploadKind>))]
public enum UploadKind
{
    /// <summary>Records that join my list: record id (16 bytes) ‖ blinded point (32 bytes) each.</summary>
    [JsonStringEnumMemberName("add")] Add,
    /// <summary>Records that leave my list: record id (16 bytes) each.</summary>
    [JsonStringEnumMemberName("remove")] Remove,
}

/// <summary>
/// Starts (or, with the same id, resumes) an upload of one population of my blinded list to one
/// partnership. The id is chosen by the client, so a retried start never creates a second upload.
/// </summary>
public sealed record StartUpload(Guid UploadId, string Population, UploadKind Kind, int Count);

/// <summary>Where an upload stands: send chunk <see cref="NextChunk"/> next, or commit when all records are in.</summary>
public sealed record UploadView(
    Guid UploadId,
    int Epoch,
    string Population,
    UploadKind Kind,
    int DeclaredCount,
    int ReceivedCount,
    int NextChunk,
    bool Committed);

/// <summary>Binary layouts of PSI bodies (Content-Type application/octet-stream).</summary>
public static class PsiFormat
{
    public const int RecordIdSize = 16;
    public const int PointSize = 32;
    public const int TagSize = 16;
    /// <summary>Most records in one upload chunk.</summary>
    public const int MaxChunkRecords = 65_536;
    public const string ContentType = "application/octet-stream";

    public static int RecordSize(UploadKind kind) => kind == UploadKind.Add ? RecordIdSize + PointSize : RecordIdSize;
}
