namespace CoSellNet.Silo.Psi;

public enum UploadKind { Add, Remove }

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
    public int RecordSize => Kind == UploadKind.Add ? PsiWire.AddRecordSize : PsiWire.RemoveRecordSize;
}
