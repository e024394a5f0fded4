using System.Runtime.InteropServices;
using System.Text;
using CoSellNet.Crypto;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CoSellNet.Cli.Local;

/// <summary>
/// A statement run once per row of a bulk write (a million accounts, an add's records), through
/// SQLite's own bind, step and reset on the connection's handle, inside the connection's current
/// transaction. Microsoft.Data.Sqlite's <c>ExecuteNonQuery</c> costs several microseconds a row
/// on top of SQLite's own work (a data reader per call, every parameter boxed and bound again by
/// name, a string per value): about as much as the B-tree insert itself.
/// Parameters are positional (<c>?1</c>, <c>?2</c>, …).
/// </summary>
internal sealed class BulkStatement : IDisposable
{
    private readonly sqlite3 db;
    private readonly sqlite3_stmt statement;

    // A buffer of the statement's own for text encoded per value: a stackalloc of this size is
    // cleared at every call, which cost a tenth of a million-row write.
    private readonly byte[] utf8 = new byte[Math.Max(EncodedText, MatchKey.MaxLength + 2) * 3];

    /// <summary>
    /// The text of the row being written (<see cref="RowText"/>), which SQLite reads in place: pinned,
    /// and used again from its start after each <see cref="Run"/>.
    /// </summary>
    private readonly byte[] row = GC.AllocateUninitializedArray<byte>(RowBytes, pinned: true);
    private int rowUsed;

    /// <summary>Which parameters are bound to NULL now (by index): a binding stays across rows until bound again.</summary>
    private readonly bool[] nulls;

    public BulkStatement(SqliteConnection connection, string sql)
    {
        db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v2(db, sql, out var prepared);
        if (rc != raw.SQLITE_OK)
        {
            prepared?.Dispose();
            SqliteException.ThrowExceptionForRC(rc, db);
        }
        statement = prepared!;
        nulls = new bool[raw.sqlite3_bind_parameter_count(statement) + 1];
    }

    /// <summary>Bytes of <see cref="row"/>: the text of 64 rows of accounts of usual lengths; a value that does not fit is copied by SQLite.</summary>
    private const int RowBytes = 1 << 16;

    /// <summary>Longest text (in characters) encoded to UTF-8 here; longer text is bound as UTF-16.</summary>
    private const int EncodedText = 1024;

    /// <summary>Binds text; SQLite copies it. An empty value stays an empty text, not a NULL.</summary>
    /// <remarks>
    /// Encoded to UTF-8 here, as the database keeps it: text bound as UTF-16 is translated by SQLite
    /// itself, byte by byte, where .NET's encoder does plain ASCII a vector at a time.
    /// </remarks>
    public void Text(int index, ReadOnlySpan<char> value)
    {
        Bound(index);
        if (value.IsEmpty)
        {
            Check(raw.sqlite3_bind_text(statement, index, ""));
            return;
        }
        if (value.Length > EncodedText)
        {
            Check(raw.sqlite3_bind_text16(statement, index, value));
            return;
        }
        var length = Encoding.UTF8.GetBytes(value, utf8);
        Utf8(index, length);
    }

    /// <summary>Binds the first <paramref name="length"/> bytes of <see cref="utf8"/> as text.</summary>
    private void Utf8(int index, int length)
    {
        Bound(index);
        Check(length == 0 ? raw.sqlite3_bind_text(statement, index, "") : raw.sqlite3_bind_text(statement, index, utf8.AsSpan(0, length)));
    }

    /// <summary>Binds NULL, or nothing when the parameter holds NULL already (a bulk write's rows mostly have no fields: a call a row less).</summary>
    public void TextOrNull(int index, string? value)
    {
        if (value is not null)
        {
            Text(index, value);
            return;
        }
        if ((uint)index < (uint)nulls.Length && nulls[index]) return;
        Check(raw.sqlite3_bind_null(statement, index));
        if ((uint)index < (uint)nulls.Length) nulls[index] = true;
    }

    /// <summary>The parameter is bound to a value now, not NULL.</summary>
    private void Bound(int index)
    {
        if ((uint)index < (uint)nulls.Length) nulls[index] = false;
    }

    /// <summary>Binds a match key in its stored form (<see cref="MatchKey.ToString"/>: d:acme.com) without making that string, for this row only (see <see cref="RowText"/>).</summary>
    public void Key(int index, MatchKey key)
    {
        if (key.Value.Length > MatchKey.MaxLength)
        {
            Text(index, key.ToString());
            return;
        }
        var into = RowSpace(key.Value.Length * 3 + 2);
        into[0] = key.Kind == MatchKeyKind.Domain ? (byte)'d' : (byte)'n';
        into[1] = (byte)':';
        Bind(index, into, 2 + Encoding.UTF8.GetBytes(key.Value, into[2..]));
    }

    /// <summary>Binds an account's source ("file:line") without making that string, for this row only (see <see cref="RowText"/>).</summary>
    public void Source(int index, LocalAccount account)
    {
        var into = RowSpace(EncodedText);
        if (account.TryWriteSource(into, out var written)) Bind(index, into, written);
        else Text(index, account.Source);
    }

    /// <summary>
    /// Binds text for the row being written only: it must be bound again (or to NULL) before the next
    /// <see cref="Run"/>. SQLite reads it in place (SQLITE_STATIC) rather than copying it into memory
    /// of its own at the bind, which cost a malloc, a copy and a free a value (~4,000,000 at 1,000,000 accounts).
    /// </summary>
    public void RowText(int index, ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > EncodedText)
        {
            Text(index, value);
            return;
        }
        var into = RowSpace(value.Length * 3);
        Bind(index, into, Encoding.UTF8.GetBytes(value, into));
    }

    /// <summary><see cref="RowText"/>, or NULL (see <see cref="TextOrNull"/>).</summary>
    public void RowTextOrNull(int index, string? value)
    {
        if (value is null) TextOrNull(index, null);
        else RowText(index, value);
    }

    /// <summary>Room for <paramref name="bytes"/> at the end of the row's text; when there is not, <see cref="utf8"/> (which SQLite copies from).</summary>
    private Span<byte> RowSpace(int bytes) =>
        RowBytes - rowUsed >= bytes ? row.AsSpan(rowUsed) : utf8.AsSpan();

    /// <summary>Binds the first <paramref name="length"/> bytes of <paramref name="text"/>, a span from <see cref="RowSpace"/>.</summary>
    private void Bind(int index, Span<byte> text, int length)
    {
        if (length == 0 || !text.Overlaps(row))
        {
            // Out of room: the text is in utf8, bound as a copy. An empty value is bound as "", not NULL.
            Utf8(index, length);
            return;
        }
        Bound(index);
        var at = Marshal.UnsafeAddrOfPinnedArrayElement(row, rowUsed);
        Check(BindText(statement.DangerousGetHandle(), index, at, length, IntPtr.Zero)); // SQLITE_STATIC: read in place until bound again
        rowUsed += length;
    }

    /// <summary>SQLite's own bind of text, with a destructor argument that SQLitePCLRaw does not pass on (it always has SQLite copy).</summary>
    [DllImport("e_sqlite3", EntryPoint = "sqlite3_bind_text", ExactSpelling = true)]
    private static extern int BindText(IntPtr statement, int index, IntPtr text, int length, IntPtr destructor);

    /// <summary>
    /// Binds a blob for the row being written only, like <see cref="RowText"/>: copied into the row's
    /// pinned buffer, which SQLite reads in place (SQLITE_STATIC) rather than copying it into memory of
    /// its own (a malloc, a copy and a free a value: a record id a row in an add of 1,000,000).
    /// </summary>
    public void RowBlob(int index, ReadOnlySpan<byte> value)
    {
        var into = RowSpace(value.Length);
        if (value.IsEmpty || !into.Overlaps(row))
        {
            Blob(index, value); // out of room (or empty): bound as a copy
            return;
        }
        value.CopyTo(into);
        Bound(index);
        var at = Marshal.UnsafeAddrOfPinnedArrayElement(row, rowUsed);
        Check(BindBlob(statement.DangerousGetHandle(), index, at, value.Length, IntPtr.Zero)); // SQLITE_STATIC: read in place until bound again
        rowUsed += value.Length;
    }

    /// <summary>SQLite's own bind of a blob, with the destructor argument (see <see cref="BindText"/>).</summary>
    [DllImport("e_sqlite3", EntryPoint = "sqlite3_bind_blob", ExactSpelling = true)]
    private static extern int BindBlob(IntPtr statement, int index, IntPtr blob, int length, IntPtr destructor);

    /// <summary>Binds a blob; SQLite copies it.</summary>
    public void Blob(int index, ReadOnlySpan<byte> value)
    {
        Bound(index);
        Check(raw.sqlite3_bind_blob(statement, index, value));
    }

    public void Int64(int index, long value)
    {
        Bound(index);
        Check(raw.sqlite3_bind_int64(statement, index, value));
    }

    /// <summary>Runs the statement with the values bound, and readies it for the next row (bindings stay until bound again).</summary>
    public void Run()
    {
        var rc = raw.sqlite3_step(statement);
        if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW)
        {
            // The message is the connection's last error: read it before reset replaces it.
            try
            {
                SqliteException.ThrowExceptionForRC(rc, db);
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }
        Check(raw.sqlite3_reset(statement));
        rowUsed = 0;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
    }

    public void Dispose() => statement.Dispose();
}
