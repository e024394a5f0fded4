using CoSellNet.Protocol;
using Microsoft.Data.Sqlite;

namespace CoSellNet.Cli.Local;

/// <summary>An upload started and not yet committed, with its exact bytes.</summary>
internal sealed record PendingUpload(Guid UploadId, string Partnership, string Counterpart, int Epoch, string Population, UploadKind Kind, int Count, byte[] Payload);

/// <summary>A record of mine a node holds in a partnership and epoch.</summary>
internal sealed record LocalRecord(byte[] RecordId, string Population, string MatchKey, bool Committed);

internal sealed partial class LocalStore
{
    /// <summary>Forgets records and uploads of other epochs of a partnership: a new epoch starts from nothing.</summary>
    public void ForgetOtherEpochs(string partnership, int epoch)
    {
        using var transaction = Begin();
        Execute("DELETE FROM upload_records WHERE upload_id IN (SELECT upload_id FROM uploads WHERE partnership = $p AND epoch <> $e)", transaction, ("$p", partnership), ("$e", epoch));
        Execute("DELETE FROM uploads WHERE partnership = $p AND epoch <> $e", transaction, ("$p", partnership), ("$e", epoch));
        Execute("DELETE FROM records WHERE partnership = $p AND epoch <> $e", transaction, ("$p", partnership), ("$e", epoch));
        Execute("DELETE FROM reblinded WHERE partnership = $p AND epoch <> $e", transaction, ("$p", partnership), ("$e", epoch));
        Execute("DELETE FROM sealed_fields WHERE partnership = $p AND epoch <> $e", transaction, ("$p", partnership), ("$e", epoch));
        transaction.Commit();
    }

    /// <summary>My records in a partnership and epoch, committed or being added.</summary>
    public List<LocalRecord> Records(string partnership, int epoch)
    {
        using var command = Command("SELECT record_id, population, match_key, committed FROM records WHERE partnership = $p AND epoch = $e");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        using var reader = command.ExecuteReader();
        var list = new List<LocalRecord>();
        while (reader.Read())
            list.Add(new LocalRecord((byte[])reader[0], reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0));
        return list;
    }

    /// <summary>The record behind a record id, in any epoch of the partnership it was made for.</summary>
    public LocalRecord? Record(string partnership, int epoch, byte[] recordId)
    {
        using var command = Command("SELECT population, match_key, committed FROM records WHERE partnership = $p AND epoch = $e AND record_id = $r");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        command.Parameters.AddWithValue("$r", recordId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new LocalRecord(recordId, reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0) : null;
    }

    /// <summary>Digests of the fields last sealed for each of my records (lower-case hex record id → digest).</summary>
    public Dictionary<string, string> SealedFields(string partnership, int epoch)
    {
        using var command = Command("SELECT record_id, digest FROM sealed_fields WHERE partnership = $p AND epoch = $e");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        using var reader = command.ExecuteReader();
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read()) digests[Convert.ToHexStringLower((byte[])reader[0])] = reader.GetString(1);
        return digests;
    }

    /// <summary>
    /// Records an upload before its first byte is sent, with the record ids it adds or removes (or,
    /// for fields, the digest of each record's fields in place of the match key), in one
    /// transaction: an add's records count as present from now on, so no later run adds them twice.
    /// </summary>
    public void BeginUpload(PendingUpload upload, IEnumerable<(byte[] RecordId, string MatchKey)> records)
    {
        using var transaction = Begin();
        Execute("INSERT INTO uploads (upload_id, partnership, counterpart, epoch, population, kind, count, payload, created) VALUES ($u, $p, $c, $e, $pop, $k, $n, $b, $t)",
            transaction, ("$u", upload.UploadId.ToString()), ("$p", upload.Partnership), ("$c", upload.Counterpart), ("$e", upload.Epoch),
            ("$pop", upload.Population), ("$k", upload.Kind.ToString()), ("$n", upload.Count), ("$b", upload.Payload), ("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        using var member = Command("INSERT INTO upload_records (upload_id, record_id, match_key) VALUES ($u, $r, $k)", transaction);
        member.Parameters.AddWithValue("$u", upload.UploadId.ToString());
        var r = member.Parameters.Add("$r", SqliteType.Blob);
        var k = member.Parameters.Add("$k", SqliteType.Text);
        using var add = Command("INSERT OR IGNORE INTO records (partnership, epoch, record_id, population, match_key, committed) VALUES ($p, $e, $r, $pop, $k, 0)", transaction);
        add.Parameters.AddWithValue("$p", upload.Partnership);
        add.Parameters.AddWithValue("$e", upload.Epoch);
        add.Parameters.AddWithValue("$pop", upload.Population);
        var ar = add.Parameters.Add("$r", SqliteType.Blob);
        var ak = add.Parameters.Add("$k", SqliteType.Text);
        foreach (var (recordId, matchKey) in records)
        {
            r.Value = recordId; k.Value = matchKey;
            member.ExecuteNonQuery();
            if (upload.Kind == UploadKind.Add)
            {
                ar.Value = recordId; ak.Value = matchKey;
                add.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    /// <summary>Applies a committed upload: its adds become committed records, its removes go (with what was sealed for them), its fields count as sealed.</summary>
    public void CompleteUpload(PendingUpload upload)
    {
        using var transaction = Begin();
        var id = ("$u", (object?)upload.UploadId.ToString());
        if (upload.Kind == UploadKind.Add)
            Execute("UPDATE records SET committed = 1 WHERE partnership = $p AND epoch = $e AND record_id IN (SELECT record_id FROM upload_records WHERE upload_id = $u)",
                transaction, ("$p", upload.Partnership), ("$e", upload.Epoch), id);
        else if (upload.Kind == UploadKind.Remove)
        {
            Execute("DELETE FROM records WHERE partnership = $p AND epoch = $e AND record_id IN (SELECT record_id FROM upload_records WHERE upload_id = $u)",
                transaction, ("$p", upload.Partnership), ("$e", upload.Epoch), id);
            // The node deletes a removed record's fields too.
            Execute("DELETE FROM sealed_fields WHERE partnership = $p AND epoch = $e AND record_id IN (SELECT record_id FROM upload_records WHERE upload_id = $u)",
                transaction, ("$p", upload.Partnership), ("$e", upload.Epoch), id);
        }
        else
            Execute("INSERT OR REPLACE INTO sealed_fields (partnership, epoch, record_id, digest) SELECT $p, $e, record_id, match_key FROM upload_records WHERE upload_id = $u",
                transaction, ("$p", upload.Partnership), ("$e", upload.Epoch), id);
        Execute("DELETE FROM upload_records WHERE upload_id = $u", transaction, id);
        Execute("DELETE FROM uploads WHERE upload_id = $u", transaction, id);
        transaction.Commit();
    }

    /// <summary>Uploads of a partnership not yet committed, oldest first.</summary>
    public List<PendingUpload> PendingUploads(string partnership)
    {
        using var command = Command("SELECT upload_id, counterpart, epoch, population, kind, count, payload FROM uploads WHERE partnership = $p ORDER BY created, upload_id");
        command.Parameters.AddWithValue("$p", partnership);
        using var reader = command.ExecuteReader();
        var list = new List<PendingUpload>();
        while (reader.Read())
            list.Add(new PendingUpload(Guid.Parse(reader.GetString(0)), partnership, reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                Enum.Parse<UploadKind>(reader.GetString(4)), reader.GetInt32(5), (byte[])reader[6]));
        return list;
    }

    public long Reblinded(string partnership, int epoch)
    {
        using var command = Command("SELECT count FROM reblinded WHERE partnership = $p AND epoch = $e");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        return command.ExecuteScalar() is long n ? n : 0;
    }

    public void AddReblinded(string partnership, int epoch, long count) =>
        Execute("INSERT INTO reblinded (partnership, epoch, count) VALUES ($p, $e, $n) ON CONFLICT (partnership, epoch) DO UPDATE SET count = count + $n",
            null, ("$p", partnership), ("$e", epoch), ("$n", count));
}
