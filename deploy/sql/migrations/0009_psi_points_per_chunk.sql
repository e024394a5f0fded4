-- Added points go into psi_points chunk by chunk, as they arrive, instead of into psi_staged and
-- then, after the last chunk, into psi_points in one INSERT ... SELECT (5-6.5 s a side at 1M,
-- with both cores otherwise idle). An add upload reserves its seqs when it starts (first_seq, one
-- per declared record, from psi_lists.last_seq), and the record at position i of the upload gets
-- seq first_seq + i. Until the upload commits, its rows are pending: their seqs lie in the range of
-- an uncommitted upload, and every reader that could reach them by seq excludes that range (tags
-- only ever exist for seqs handed out in tasks, so the intersection cannot reach them at all).
-- A commit then only marks the upload committed. Record ids already in the list (a re-added or
-- changed record, a duplicate) are staged as before, with their seq, and applied at commit.

-- The upload's list (known from the start) and, for adds, its reserved seqs; inserted counts the
-- rows its chunks put straight into psi_points.
ALTER TABLE psi_uploads ADD COLUMN list_id int, ADD COLUMN first_seq bigint, ADD COLUMN inserted int NOT NULL DEFAULT 0;
-- Pending ranges of a list are looked up by every task and count request.
CREATE INDEX psi_uploads_open ON psi_uploads (list_id) WHERE committed_at IS NULL;

-- committed_seq: the end of the highest seq range a commit made visible. A task can only have
-- covered seqs up to it, so an upload whose reserved seqs start above it commits in place; one
-- overtaken by a later-started upload's commit moves its rows to fresh seqs (rare: two uploads to
-- one list at once). Every seq given so far was given by a commit.
ALTER TABLE psi_lists ADD COLUMN committed_seq bigint NOT NULL DEFAULT 0;
UPDATE psi_lists SET committed_seq = last_seq;

-- Staged rows are now the exception (record ids already in the list), read per upload at commit:
-- an index again. seq: the row's position in its upload (adds); moved: a pending row another
-- upload's commit took over (the record was in both), which its own upload re-applies at commit.
ALTER TABLE psi_staged ADD COLUMN seq bigint, ADD COLUMN moved boolean NOT NULL DEFAULT false;
CREATE INDEX psi_staged_upload ON psi_staged (upload_id);

-- Uploads in flight when this runs: their list, and for adds their reserved seqs, with their staged
-- rows numbered in record id order (as the old commit would have); later chunks go straight in.
INSERT INTO psi_lists (partnership, epoch, owner)
SELECT DISTINCT partnership, epoch, owner FROM psi_uploads WHERE committed_at IS NULL
ON CONFLICT (partnership, epoch, owner) DO NOTHING;
UPDATE psi_uploads u SET list_id = l.list_id
  FROM psi_lists l
 WHERE u.committed_at IS NULL AND (l.partnership, l.epoch, l.owner) = (u.partnership, u.epoch, u.owner);
WITH open AS (
  SELECT upload_id, list_id, declared_count,
         sum(declared_count) OVER (PARTITION BY list_id ORDER BY created_at, upload_id) - declared_count AS before
    FROM psi_uploads WHERE committed_at IS NULL AND kind = 'add'),
reserved AS (
  UPDATE psi_uploads u SET first_seq = l.last_seq + o.before + 1
    FROM open o JOIN psi_lists l USING (list_id)
   WHERE u.upload_id = o.upload_id
  RETURNING u.upload_id, u.first_seq)
UPDATE psi_staged s SET seq = n.seq
  FROM (SELECT s.ctid AS row, r.first_seq - 1 + row_number() OVER (PARTITION BY s.upload_id ORDER BY s.record_id) AS seq
          FROM psi_staged s JOIN reserved r USING (upload_id)) n
 WHERE s.ctid = n.row;
UPDATE psi_lists l SET last_seq = l.last_seq + o.total
  FROM (SELECT list_id, sum(declared_count) AS total FROM psi_uploads
         WHERE committed_at IS NULL AND kind = 'add' GROUP BY list_id) o
 WHERE l.list_id = o.list_id;

-- The old shape, for reading: committed records only.
CREATE OR REPLACE VIEW psi_records AS
SELECT l.partnership, l.epoch, l.owner, p.record_id, p.seq, p.population, p.point, t.tag
  FROM psi_points p
  JOIN psi_lists l ON l.list_id = p.list_id
  LEFT JOIN psi_tags t ON t.list_id = p.list_id AND t.seq = p.seq
 WHERE NOT EXISTS (SELECT 1 FROM psi_uploads u
                    WHERE u.list_id = p.list_id AND u.committed_at IS NULL
                      AND p.seq BETWEEN u.first_seq AND u.first_seq + u.declared_count - 1);
