using CoSellNet.Protocol;
using Npgsql;

namespace CoSellNet.Silo.Psi;

/// <summary>Commits: what is left to do after the last chunk.</summary>
public sealed partial class PsiStore
{
    /// <summary>
    /// Commits a complete upload: added records join the side's list (a record id already there
    /// with the same population and point is left alone; one that changed gets a new sequence
    /// number, so the counterpart re-blinds it), removed ones leave it. Idempotent. Returns the
    /// upload as committed. Invariant: a tag never outlives its record's seq (a tag carries its
    /// record's id and population into the intersection, see <see cref="ReblindStore.StoreTags"/>),
    /// so every path here where a committed record leaves or gets a new seq deletes the tag of its
    /// old seq in the same transaction (<see cref="UntagSeqs"/>).
    /// </summary>
    public async Task<PsiUpload> Commit(Guid uploadId, CancellationToken ct = default)
    {
        await using (var connection = await db.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            // The list's row lock serializes its commits with each other, with its chunks and with
            // its tag stores (see ReblindStore).
            var locked = await LockUpload(connection, tx, uploadId, "FOR NO KEY UPDATE", ct);
            var upload = locked.Upload;
            if (upload.CommittedAt is not null) return upload;
            if (upload.ReceivedCount != upload.DeclaredCount)
                throw new InvalidOperationException($"Upload {uploadId} is incomplete: {upload.ReceivedCount} of {upload.DeclaredCount} records.");
            var list = locked.List ?? throw new InvalidOperationException($"Upload {uploadId} has no list.");
            await using var batch = new NpgsqlBatch(connection, tx);
            switch (upload.Kind)
            {
                case UploadKind.Add:
                    AddCommit(batch, locked, list);
                    break;
                case UploadKind.Remove:
                    // Only committed rows leave: a pending row of another upload is that upload's to commit.
                    // Their tags leave with them (a tag carries its record's id into the intersection).
                    batch.BatchCommands.Add(Sql.Command($"""
                      WITH gone AS (
                        DELETE FROM psi_points
                         WHERE list_id = $1 AND record_id IN (SELECT record_id FROM psi_staged WHERE upload_id = $2) AND {NotPending("seq", "$1")}
                        RETURNING record_id, seq),
                      fields AS (DELETE FROM psi_list_fields f USING gone WHERE f.list_id = $1 AND f.record_id = gone.record_id),
                      {UntagSeqs("gone")}
                      UPDATE psi_lists SET records = records - (SELECT count(*) FROM gone) WHERE list_id = $1
                      """, list, uploadId));
                    break;
                default:
                    batch.BatchCommands.Add(Sql.Command("""
                      INSERT INTO psi_list_fields (list_id, record_id, sealed)
                      SELECT DISTINCT ON (record_id) $1, record_id, payload FROM psi_staged WHERE upload_id = $2 ORDER BY record_id
                      ON CONFLICT (list_id, record_id) DO UPDATE SET sealed = EXCLUDED.sealed
                      """, list, uploadId));
                    break;
            }
            batch.BatchCommands.Add(Sql.Command("DELETE FROM psi_staged WHERE upload_id = $1", uploadId));
            batch.BatchCommands.Add(Sql.Command("UPDATE psi_uploads SET committed_at = now() WHERE upload_id = $1", uploadId));
            await batch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        return (await FindUpload(uploadId, ct))!;
    }

    /// <summary>
    /// An add's commit. Its chunks' rows are in <c>psi_points</c> under its reserved seqs already;
    /// committing the upload's row makes them visible. Only its staged rows (ids that were in the
    /// list when their chunk came) are applied here, with their own seqs.
    /// </summary>
    private static void AddCommit(NpgsqlBatch batch, Locked locked, int list)
    {
        var upload = locked.Upload;
        var first = locked.FirstSeq!.Value;
        var last = first + upload.DeclaredCount - 1;
        // A staged id that is now a pending row of another upload (both uploads have it, that one's
        // chunk came first): this commit comes first, so this upload's row goes in, and the other's
        // is staged for its own commit, which then replaces this one, as the later commit should.
        // The taken row is pending, so it has no tag: tags are stored only for committed rows (a
        // task's range holds none pending, and StoreTags reads the records of its seqs with
        // NotPending). When the other upload commits, its moved row replaces this one through the
        // staged path below, which deletes the tag of the seq it replaces.
        batch.BatchCommands.Add(Sql.Command("""
            WITH taken AS (
              DELETE FROM psi_points p USING psi_uploads o
               WHERE p.list_id = $1 AND p.record_id IN (SELECT record_id FROM psi_staged WHERE upload_id = $2)
                 AND o.list_id = $1 AND o.committed_at IS NULL AND o.upload_id <> $2
                 AND p.seq BETWEEN o.first_seq AND o.first_seq + o.declared_count - 1
              RETURNING o.upload_id, p.record_id, p.point, p.seq)
            INSERT INTO psi_staged (upload_id, record_id, payload, seq, moved) SELECT upload_id, record_id, point, seq, true FROM taken
            """, list, upload.UploadId));
        // The count of records moves with each commit: rows this upload's chunks inserted that are
        // still its own, and staged ids new to the list (xmax = 0: a row inserted, not updated).
        // An id staged twice (sent twice) takes its later position. A record that changes gets a
        // new seq: the tag of its old seq is deleted (old: its seq before, read in the statement's
        // snapshot, before the upsert; RETURNING has only the new row on PostgreSQL 15).
        batch.BatchCommands.Add(Sql.Command($"""
            WITH staged AS (
              SELECT DISTINCT ON (record_id) record_id, payload, seq FROM psi_staged WHERE upload_id = $2 ORDER BY record_id, seq DESC),
            old AS (
              SELECT p.seq FROM psi_points p JOIN staged s ON p.record_id = s.record_id
               WHERE p.list_id = $1 AND (p.population <> $3 OR p.point <> s.payload)),
            {UntagSeqs("old")},
            added AS (
              INSERT INTO psi_points AS r (list_id, record_id, seq, population, point)
              SELECT $1, record_id, seq, $3, payload FROM staged
              ON CONFLICT (list_id, record_id) DO UPDATE
                 SET seq = EXCLUDED.seq, population = EXCLUDED.population, point = EXCLUDED.point
               WHERE r.population <> EXCLUDED.population OR r.point <> EXCLUDED.point
              RETURNING xmax = 0 AS inserted)
            UPDATE psi_lists
               SET records = records + $4 - (SELECT count(*) FROM psi_staged WHERE upload_id = $2 AND moved) + (SELECT count(*) FROM added WHERE inserted)
             WHERE list_id = $1
            """, list, upload.UploadId, upload.Population, locked.Inserted));
        if (first > locked.CommittedSeq)
        {
            // No commit made a seq at or after this upload's first visible yet, so no task can have
            // covered its range: its rows become visible where they are.
            batch.BatchCommands.Add(Sql.Command("UPDATE psi_lists SET committed_seq = $2 WHERE list_id = $1", list, last));
            return;
        }
        // An upload that started later committed first, and tasks may have moved the watermark past
        // this upload's range: its rows move to fresh seqs after every seq given (rare: two uploads
        // to one list at once). The rows in the range are this upload's, pending until now, so
        // none has a tag to delete (see 'taken' above); the staged rows just applied into the range
        // had the tags of their old seqs deleted above.
        var delta = locked.LastSeq + 1 - first;
        batch.BatchCommands.Add(Sql.Command("UPDATE psi_points SET seq = seq + $4 WHERE list_id = $1 AND seq BETWEEN $2 AND $3", list, first, last, delta));
        batch.BatchCommands.Add(Sql.Command("UPDATE psi_lists SET last_seq = $2, committed_seq = $2 WHERE list_id = $1", list, last + delta));
    }

    /// <summary>
    /// A CTE (named untag) that removes the tags of the seqs in CTE <paramref name="seqs"/> of list $1:
    /// each tag block whose seq range holds one of them is rewritten without those entries
    /// (<c>psi_tag_entries_without</c>, migration 0012). Rare (records that changed or left after
    /// they were tagged) and under the list's row lock, which every tag store takes too.
    /// </summary>
    private static string UntagSeqs(string seqs) => $"""
        untag AS (
          UPDATE psi_tag_blocks b SET entries = psi_tag_entries_without(b.entries, d.seqs)
            FROM (SELECT ARRAY(SELECT seq FROM {seqs}) AS seqs) d
           WHERE b.list_id = $1 AND EXISTS (SELECT 1 FROM unnest(d.seqs) s WHERE s BETWEEN b.first_seq AND b.last_seq))
        """;
}
