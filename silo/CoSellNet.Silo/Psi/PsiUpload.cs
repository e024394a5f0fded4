using CoSellNet.Protocol;

namespace CoSellNet.Silo.Psi;

/// <summary>An upload session as stored in <c>psi_uploads</c>.</summary>
public sealed record PsiUpload(
    Guid UploadId,
    string Partnership,
    int Epoch,
    string Owner,
    string Population,
    UploadKind Kind,
    int DeclaredCount,
    int ReceivedCount,
    int Chunks,
    DateTimeOffset? CommittedAt)
{
    public int RecordSize => PsiFormat.RecordSize(Kind);

    public UploadView ToView() => new(UploadId, Epoch, Population, Kind, DeclaredCount, ReceivedCount, Chunks, CommittedAt is not null);
}
