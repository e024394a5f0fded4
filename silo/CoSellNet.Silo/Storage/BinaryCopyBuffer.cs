using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Npgsql;

namespace CoSellNet.Silo.Storage;

/// <summary>
/// Rows of a <c>COPY ... FROM STDIN (FORMAT BINARY)</c>, formatted into one buffer before the COPY
/// starts and then sent in one write (PostgreSQL docs, "COPY", "Binary Format": a header, per row an
/// int16 field count, per field an int32 length, -1 for null, then the value's binary form, all
/// big-endian; an int16 -1 ends the data). A COPY statement lasts until the client has sent its
/// last row, so with <see cref="NpgsqlBinaryImporter"/>'s call per field (65,536 rows × 5 fields a
/// chunk) the client's formatting ran inside the statement; this way the statement is
/// PostgreSQL's work only, and each field is a few stores into an array. Only the types whose
/// binary form is their bytes are written here: int4, int8, bytea, text (UTF-8), uuid.
/// The buffer is rented from the shared pool (a chunk's rows are megabytes: a fresh array each
/// would be a large-object allocation per chunk): dispose to return it.
/// </summary>
public sealed class BinaryCopyBuffer : IDisposable
{
    /// <summary>"PGCOPY\n\377\r\n\0", then the flags field and the header extension length, both 0.</summary>
    private static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private byte[] _buffer;
    private int _length;
    private bool _completed;

    /// <param name="capacity">Bytes of rows expected (grown as needed): rows × (2 + Σ (4 + field size)).</param>
    public BinaryCopyBuffer(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Header.Length + Math.Max(capacity, 0) + sizeof(short));
        Header.CopyTo(_buffer);
        _length = Header.Length;
    }

    /// <summary>The formatted bytes so far (with the end marker once <see cref="Complete"/> ran).</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Starts a row of <paramref name="fields"/> fields; write exactly that many next.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StartRow(short fields) => BinaryPrimitives.WriteInt16BigEndian(Take(sizeof(short)), fields);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt32(int value)
    {
        var span = Take(4 + sizeof(int));
        BinaryPrimitives.WriteInt32BigEndian(span, sizeof(int));
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt64(long value)
    {
        var span = Take(4 + sizeof(long));
        BinaryPrimitives.WriteInt32BigEndian(span, sizeof(long));
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
    }

    /// <summary>A bytea field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        var span = Take(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
    }

    /// <summary>A text field (its binary form is the UTF-8 bytes; Npgsql always sets client_encoding UTF8).</summary>
    public void WriteText(string value)
    {
        var span = Take(4 + Encoding.UTF8.GetByteCount(value));
        BinaryPrimitives.WriteInt32BigEndian(span, span.Length - 4);
        Encoding.UTF8.GetBytes(value, span[4..]);
    }

    /// <summary>A uuid field: its 16 bytes in RFC 4122 (big-endian) order.</summary>
    public void WriteUuid(Guid value)
    {
        var span = Take(4 + 16);
        BinaryPrimitives.WriteInt32BigEndian(span, 16);
        value.TryWriteBytes(span[4..], bigEndian: true, out _);
    }

    public void WriteNull() => BinaryPrimitives.WriteInt32BigEndian(Take(4), -1);

    /// <summary>Ends the data (idempotent).</summary>
    public void Complete()
    {
        if (_completed) return;
        BinaryPrimitives.WriteInt16BigEndian(Take(sizeof(short)), -1);
        _completed = true;
    }

    /// <summary>
    /// Runs <paramref name="copy"/> (a <c>COPY ... FROM STDIN (FORMAT BINARY)</c>) with these rows,
    /// sent in one write. PostgreSQL's errors (a unique violation, say) surface as
    /// <see cref="PostgresException"/> from here. The buffer stays as it is and can be sent again.
    /// </summary>
    public async Task CopyTo(NpgsqlConnection connection, string copy, CancellationToken ct)
    {
        Complete();
        await using var stream = await connection.BeginRawBinaryCopyAsync(copy, ct);
        await stream.WriteAsync(_buffer.AsMemory(0, _length), ct);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Take(int bytes)
    {
        if (_completed) throw new InvalidOperationException("The COPY data is complete; no rows can follow.");
        if (_buffer.Length - _length < bytes) Grow(bytes);
        var span = _buffer.AsSpan(_length, bytes);
        _length += bytes;
        return span;
    }

    private void Grow(int bytes)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(checked(_length + bytes + sizeof(short)), checked(_buffer.Length * 2)));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}
