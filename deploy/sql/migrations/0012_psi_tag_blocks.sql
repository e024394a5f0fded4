-- Tags as one packed block per stored range instead of one row per tag. A re-blind task's tags
-- were COPYed into psi_tags one row each (with an index on (list_id, seq)), and a release was a
-- hash join of psi_tags with itself in PostgreSQL: at 1M × 1M (2M tags) PostgreSQL spent ~3.4
-- CPU-s on the COPYs and ~0.7 on the join, and the node formatted 2M COPY rows. Now the tag store
-- writes one row per task (ReblindStore.StoreTags) and a release reads both lists' blocks and
-- joins them in the node (MatchStore.Intersect).
-- A block's entries, in seq order, 42 bytes each (record ids and tags are 16 bytes from the API):
--   8 bytes: seq (big-endian), 16: tag, 16: record id, 2 (big-endian): population as an index
--   into the block's populations (from 0).
-- Invariant, as since 0011: a tag never outlives its record's seq. A commit that removes a record
-- or gives it a new seq rewrites the blocks that hold the old seq without that entry, in the same
-- transaction (psi_tag_entries_without, PsiStore.Commit); DeleteBefore deletes a list's blocks.
-- first_seq and last_seq bound the seqs a block may hold (they are not narrowed by a rewrite).
CREATE TABLE psi_tag_blocks (
    first_seq    bigint  NOT NULL,
    last_seq     bigint  NOT NULL,
    list_id      int     NOT NULL,
    populations  text[]  NOT NULL,
    entries      bytea   NOT NULL,
    PRIMARY KEY (list_id, first_seq)
);
-- Seqs, tags and record ids are random: compressing the entries only costs CPU.
ALTER TABLE psi_tag_blocks ALTER COLUMN entries SET STORAGE EXTERNAL;

-- Decodes a block's entries (for the views below: operators and tests; the node decodes its own).
-- The value is detoasted once: each slice of a toasted value would fetch from the TOAST table.
CREATE FUNCTION psi_tag_entries(entries bytea, populations text[])
RETURNS TABLE (seq bigint, tag bytea, record_id bytea, population text)
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    e bytea := entries || ''::bytea;
    o int := 0;
BEGIN
    WHILE o + 42 <= length(e) LOOP
        seq := ('x' || encode(substring(e FROM o + 1 FOR 8), 'hex'))::bit(64)::bigint;
        tag := substring(e FROM o + 9 FOR 16);
        record_id := substring(e FROM o + 25 FOR 16);
        population := populations[(get_byte(e, o + 40) << 8 | get_byte(e, o + 41)) + 1];
        o := o + 42;
        RETURN NEXT;
    END LOOP;
END $$;

-- A block's entries without those at the given seqs (a commit's removed or re-sequenced records):
-- one pass over the entries, the seqs looked up in a hash (a hashed NOT IN subplan).
CREATE FUNCTION psi_tag_entries_without(entries bytea, seqs bigint[])
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    e bytea := entries || ''::bytea;
BEGIN
    RETURN coalesce((SELECT string_agg(substring(e FROM o + 1 FOR 42), ''::bytea ORDER BY o)
                       FROM generate_series(0, length(e) - 42, 42) o
                      WHERE ('x' || encode(substring(e FROM o + 1 FOR 8), 'hex'))::bit(64)::bigint NOT IN (SELECT unnest(seqs))),
                    ''::bytea);
END $$;

-- The existing tags, as blocks of up to 65,536 (a task's most) per list in seq order. Every tag
-- the node stored has a 16-byte tag and record id; anything else cannot be packed, so the
-- migration stops rather than drop it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM psi_tags WHERE length(tag) <> 16 OR length(record_id) <> 16) THEN
        RAISE EXCEPTION 'psi_tags holds tags or record ids that are not 16 bytes: they cannot be packed into psi_tag_blocks';
    END IF;
END $$;

WITH numbered AS (
  SELECT list_id, seq, tag, record_id, population,
         (row_number() OVER (PARTITION BY list_id ORDER BY seq) - 1) / 65536 AS block
    FROM psi_tags),
populations AS (
  SELECT list_id, block, array_agg(DISTINCT population ORDER BY population) AS populations
    FROM numbered GROUP BY list_id, block)
INSERT INTO psi_tag_blocks (list_id, first_seq, last_seq, populations, entries)
SELECT n.list_id, min(n.seq), max(n.seq), p.populations,
       string_agg(int8send(n.seq) || n.tag || n.record_id
                  || substring(int4send(array_position(p.populations, n.population) - 1) FROM 3), ''::bytea ORDER BY n.seq)
  FROM numbered n JOIN populations p USING (list_id, block)
 GROUP BY n.list_id, n.block, p.populations;

DROP VIEW psi_records;
DROP TABLE psi_tags;

-- The old shape of the tags, for reading (tests, operators): one row per entry.
CREATE VIEW psi_tags AS
SELECT b.list_id, e.seq, e.tag, e.record_id, e.population
  FROM psi_tag_blocks b CROSS JOIN LATERAL psi_tag_entries(b.entries, b.populations) e;

-- The old shape, for reading, as in 0011: committed records, each with the tag of its current seq.
-- Behind a function so that the join of records and tags runs as a hash join: as a plain view, a
-- query for one side (few rows estimated without statistics) was planned as a nested loop that
-- unnested every block again for each record (40k records: minutes).
CREATE FUNCTION psi_record_rows()
RETURNS TABLE (partnership text, epoch int, owner text, record_id bytea, seq bigint, population text, point bytea, tag bytea)
LANGUAGE sql STABLE SET enable_nestloop = off AS $$
SELECT l.partnership, l.epoch, l.owner, p.record_id, p.seq, p.population, p.point, t.tag
  FROM psi_points p
  JOIN psi_lists l ON l.list_id = p.list_id
  LEFT JOIN psi_tags t ON t.list_id = p.list_id AND t.seq = p.seq
 WHERE NOT EXISTS (SELECT 1 FROM psi_uploads u
                    WHERE u.list_id = p.list_id AND u.committed_at IS NULL
                      AND p.seq BETWEEN u.first_seq AND u.first_seq + u.declared_count - 1)
$$;

CREATE VIEW psi_records AS SELECT * FROM psi_record_rows();
