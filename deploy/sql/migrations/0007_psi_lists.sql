-- Lean PSI rows. Every bulk row used to carry (partnership text, epoch, owner text): two 32-hex
-- ids in every heap tuple and every index entry. Now one row per partnership, epoch and side in
-- psi_lists, and the bulk tables carry its small integer id. Tags leave psi_records: UPDATE of a
-- tag rewrote the whole tuple and all its index entries; they are now appended by binary COPY
-- to psi_tags, and a record's tag is the one stored under its current seq (a changed record gets
-- a new seq, so its old tag joins nothing; a removed record's tag joins nothing either).
-- Existing data is carried over; psi_records stays as a read-only view of the old shape for
-- operators and tests that look at a side's records.

-- One side's list in one partnership and epoch (ids are ASCII and compare bytewise, "C"). Tasks hand a side's records out in seq order,
-- so everything up to tagged_through carries the counterpart's tag and nothing after it does.
-- records counts its records (kept by each commit, read by every status request).
-- last_seq is the highest seq ever given in the list: it only grows, so a seq is never reused
-- (a removed record's tag must never become another record's).
CREATE TABLE psi_lists (
    list_id         int     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership     text    COLLATE "C" NOT NULL,
    epoch           int     NOT NULL,
    owner           text    COLLATE "C" NOT NULL,
    last_seq        bigint  NOT NULL DEFAULT 0,
    records         bigint  NOT NULL DEFAULT 0,
    tagged_through  bigint  NOT NULL DEFAULT 0,
    UNIQUE (partnership, epoch, owner)
);

INSERT INTO psi_lists (partnership, epoch, owner)
SELECT partnership, epoch, owner FROM psi_records
UNION SELECT partnership, epoch, owner FROM psi_fields
ORDER BY 1, 2, 3;

-- No foreign keys on the bulk tables: a key check per row would cost more than the row's own
-- insert. Rows are only written by PsiStore/ReblindStore under an existing list, and
-- PsiStore.DeleteBefore deletes them by list explicitly.

-- Committed blinded records: the record id index serves commits (changed or removed ids), the
-- seq index serves tasks (ranges in order) and the intersection (tags to their records).
CREATE TABLE psi_points (
    list_id     int    NOT NULL,
    record_id   bytea  NOT NULL,
    seq         bigint NOT NULL,
    population  text   NOT NULL,
    point       bytea  NOT NULL,
    PRIMARY KEY (list_id, record_id)
);
CREATE UNIQUE INDEX psi_points_seq ON psi_points (list_id, seq);

-- The counterpart's tags for a list's records, appended per task; only ever for seqs after the
-- list's tagged_through at the time, so there is at most one per seq.
CREATE TABLE psi_tags (
    list_id  int    NOT NULL,
    seq      bigint NOT NULL,
    tag      bytea  NOT NULL
);
CREATE INDEX psi_tags_seq ON psi_tags (list_id, seq);

INSERT INTO psi_points (list_id, record_id, seq, population, point)
SELECT l.list_id, r.record_id, r.seq, r.population, r.point
  FROM psi_records r JOIN psi_lists l USING (partnership, epoch, owner)
 ORDER BY l.list_id, r.seq;

-- Old tags were set per record, untagged records always after tagged ones in seq order (tasks
-- went in order; a changed record was untagged and moved to the end): the watermark is the seq
-- before the first untagged record, or the last seq when all are tagged.
UPDATE psi_lists l SET tagged_through = w.through, last_seq = w.last, records = w.records
  FROM (SELECT partnership, epoch, owner, max(seq) AS last, count(*) AS records,
               coalesce(min(seq) FILTER (WHERE tag IS NULL) - 1, max(seq)) AS through
          FROM psi_records GROUP BY 1, 2, 3) w
 WHERE (l.partnership, l.epoch, l.owner) = (w.partnership, w.epoch, w.owner);

INSERT INTO psi_tags (list_id, seq, tag)
SELECT l.list_id, r.seq, r.tag
  FROM psi_records r JOIN psi_lists l USING (partnership, epoch, owner)
 WHERE r.tag IS NOT NULL AND r.seq <= l.tagged_through
 ORDER BY l.list_id, r.seq;

CREATE TABLE psi_list_fields (
    list_id    int   NOT NULL,
    record_id  bytea NOT NULL,
    sealed     bytea NOT NULL,
    PRIMARY KEY (list_id, record_id)
);
INSERT INTO psi_list_fields (list_id, record_id, sealed)
SELECT l.list_id, f.record_id, f.sealed FROM psi_fields f JOIN psi_lists l USING (partnership, epoch, owner);

DROP TABLE psi_records;
DROP TABLE psi_fields;

-- The old shape, for reading: tag is the one stored for the record's current seq.
CREATE VIEW psi_records AS
SELECT l.partnership, l.epoch, l.owner, p.record_id, p.seq, p.population, p.point, t.tag
  FROM psi_points p
  JOIN psi_lists l ON l.list_id = p.list_id
  LEFT JOIN psi_tags t ON t.list_id = p.list_id AND t.seq = p.seq;

-- Staged rows are only ever read whole per upload at commit and deleted with it; the staging
-- table holds only uploads in flight, so a scan is cheaper than an index kept up per COPY row.
-- For the same reason, no key check per staged row either; PsiStore.DeleteBefore deletes staged
-- rows with their uploads.
DROP INDEX psi_staged_upload;
ALTER TABLE psi_staged DROP CONSTRAINT psi_staged_upload_id_fkey;

-- Paging a side's matches by record id is an index range scan on either side. Ids compare
-- bytewise ("C"): under the database's default collation every comparison of the 65-character
-- partnership id in these indexes went through the locale (a release inserts 200k rows at 1M × 1M).
DROP INDEX psi_matches_partnership;
ALTER TABLE psi_matches ALTER COLUMN partnership TYPE text COLLATE "C";
CREATE INDEX psi_matches_low ON psi_matches (partnership, epoch, low_record);
CREATE INDEX psi_matches_high ON psi_matches (partnership, epoch, high_record);
