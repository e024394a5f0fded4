using System.Text.Json.Serialization;

namespace CoSellNet.Protocol;

[JsonConverter(typeof(JsonStringEnumConverter<UploadKind>))]
public enum UploadKind
{
    /// <summary>Records that join my list: record id (16 bytes) ‖ blinded point (32 bytes) each.</summary>
    [JsonStringEnumMemberName("add")] Add,
    /// <summary>Records that leave my list: record id (16 bytes) each.</summary>
    [JsonStringEnumMemberName("remove")] Remove,
    /// <summary>
    /// Shared fields of records in my list, sealed for the counterpart (see CoSellNet.Crypto's
    /// FieldSealer): record id (16 bytes) ‖ length (2 bytes, big-endian) ‖ sealed bytes each.
    /// Read by the counterpart only where I share the record's population at level fields.
    /// </summary>
    [JsonStringEnumMemberName("fields")] Fields,
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
    public const int SeqSize = 8;
    /// <summary>A task item downloaded: seq ‖ point.</summary>
    public const int TaskPointSize = SeqSize + PointSize;
    /// <summary>A tag uploaded: seq ‖ tag.</summary>
    public const int TaskTagSize = SeqSize + TagSize;
    /// <summary>Most records in one upload chunk, and in one re-blind task.</summary>
    public const int MaxChunkRecords = 65_536;
    public const string ContentType = "application/octet-stream";

    /// <summary>Largest sealed fields of one record.</summary>
    public const int MaxSealedSize = 4096;
    public const int LengthSize = 2;

    /// <summary>The fixed size of one item of an upload of this kind; fields items vary (at least 16 + 2 + 1 bytes).</summary>
    public static int RecordSize(UploadKind kind) => kind switch
    {
        UploadKind.Add => RecordIdSize + PointSize,
        UploadKind.Remove => RecordIdSize,
        _ => RecordIdSize + LengthSize + 1,
    };
}

/// <summary>Where a partnership's private set intersection stands, as one side sees it.</summary>
/// <param name="Epoch">The partnership's current epoch.</param>
/// <param name="MyRecords">Records of mine committed in this epoch.</param>
/// <param name="TheirRecords">Records of the counterpart committed in this epoch.</param>
/// <param name="MyRecordsAwaitingCounterpart">My records the counterpart has not re-blinded yet.</param>
/// <param name="TheirRecordsAwaitingMe">The counterpart's records waiting for me to re-blind them (run sync).</param>
/// <param name="ReleaseVersion">The released result's version; 0 before the first release.</param>
/// <param name="ReleasedAt">When the current result was released.</param>
public sealed record PsiStatus(
    int Epoch,
    long MyRecords,
    long TheirRecords,
    long MyRecordsAwaitingCounterpart,
    long TheirRecordsAwaitingMe,
    int ReleaseVersion,
    DateTimeOffset? ReleasedAt);

/// <summary>
/// A re-blind task: the counterpart's points that I must multiply by my key and tag. Download
/// them (GET .../points: seq (8 bytes, big-endian) ‖ point (32 bytes) each), then upload one
/// seq ‖ tag (16 bytes) per point, in the same order (PUT .../tags).
/// </summary>
public sealed record ReblindTask(Guid TaskId, int Epoch, int Count);

/// <summary>
/// One cell of the population × population overlap matrix. <see cref="Count"/> is null when the
/// count is below the counterpart's minimum segment size; then it is shown as fewer than <see cref="FewerThan"/>.
/// </summary>
public sealed record MatrixCell(string MyPopulation, string TheirPopulation, long? Count, int? FewerThan);

public sealed record OverlapMatrix(int Epoch, int ReleaseVersion, DateTimeOffset? ReleasedAt, IReadOnlyList<MatrixCell> Cells);

/// <summary>
/// One of my records that overlaps, with the counterpart's populations it is in and, where the
/// counterpart shares at level fields, its sealed fields. Record ids are lower-case hex.
/// </summary>
public sealed record OverlapRecord(string RecordId, string MyPopulation, IReadOnlyList<string> TheirPopulations, IReadOnlyList<SharedFields> Fields);

/// <summary>
/// Pages of <c>GET .../psi/overlaps</c>: larger than other lists' (<see cref="Vocabulary.MaxPageSize"/>),
/// because a client reads every overlap, 200,000 at 1M × 1M, and each page costs a request and a query.
/// </summary>
public static class OverlapPages
{
    public const int MaxPageSize = 5_000;
}

/// <summary>The counterpart's fields for its matching record, sealed so that only I can open them (base64).</summary>
public sealed record SharedFields(string TheirRecordId, string TheirPopulation, string Sealed);
