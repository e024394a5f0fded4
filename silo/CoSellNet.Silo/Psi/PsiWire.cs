namespace CoSellNet.Silo.Psi;

/// <summary>Sizes of the binary records clients send and receive. Fixed-size, so no framing and no parsing ambiguity.</summary>
public static class PsiWire
{
    public const int RecordIdSize = 16;
    public const int PointSize = 32;
    public const int TagSize = 16;
    /// <summary>An added record: record id ‖ blinded point.</summary>
    public const int AddRecordSize = RecordIdSize + PointSize;
    /// <summary>A removed record: its record id.</summary>
    public const int RemoveRecordSize = RecordIdSize;
    /// <summary>Most records in one chunk (3 MiB of added records).</summary>
    public const int MaxChunkRecords = 65_536;
    public const string ContentType = "application/octet-stream";
}
