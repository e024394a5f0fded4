-- Released matches as packed blocks instead of one row per match. psi_matches had a row per match
-- and two indexes whose keys led with the 65-character partnership: a first release of 200k
-- matches (1M × 1M) spent ~1.5 CPU-s of PostgreSQL on the index inserts alone. Now a release is
-- one row in psi_match_sets and, per side, its matches sorted by that side's record id and cut
-- into blocks of up to 2,048 of the side's records (all matches of a record in one block), each
-- a bytea with the block's first and last record id: ~100 rows a side for 200k matches, one binary COPY.
-- A page of overlaps is the blocks after the cursor's record id (an index range on last_record);
-- whether a record matched is the one block whose range holds it. A new release replaces the
-- partnership's set (delete and insert in the release's transaction), so every reader sees one
-- whole release. The node encodes and decodes blocks (MatchStore.Sets.cs); the entries, in order:
--   1 byte: length n of this side's record id, n bytes: the id, 2 bytes (big-endian): its
--   population as an index into psi_match_sets.populations (from 0); then the same for the
--   counterpart's record that matched. A side's block holds its records in id order (bytewise,
--   as bytea compares), each record's matches by the counterpart's population ("C") and id.

-- populations: the population names the set's entries refer to by index.
CREATE TABLE psi_match_sets (
    set_id       int     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership  text    COLLATE "C" NOT NULL,
    epoch        int     NOT NULL,
    populations  text[]  NOT NULL,
    matches      bigint  NOT NULL,
    UNIQUE (partnership, epoch)
);

-- low_side: the block holds the low-id side's records (else the high side's). No foreign key to
-- the set: the rows are written and deleted only with their set (MatchStore, PsiStore.DeleteBefore).
CREATE TABLE psi_match_blocks (
    set_id        int     NOT NULL,
    low_side      boolean NOT NULL,
    first_record  bytea   NOT NULL,
    last_record   bytea   NOT NULL,
    entries       bytea   NOT NULL,
    PRIMARY KEY (set_id, low_side, last_record)
);
-- Record ids are random: compressing the entries only costs CPU.
ALTER TABLE psi_match_blocks ALTER COLUMN entries SET STORAGE EXTERNAL;

-- Decodes a block's entries (for the view below: operators and tests; the node decodes its own).
CREATE FUNCTION psi_match_entries(entries bytea, populations text[])
RETURNS TABLE (my_record bytea, my_population text, their_record bytea, their_population text)
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    o int := 0;
    n int;
BEGIN
    WHILE o < length(entries) LOOP
        n := get_byte(entries, o);
        my_record := substring(entries FROM o + 2 FOR n);
        my_population := populations[(get_byte(entries, o + 1 + n) << 8 | get_byte(entries, o + 2 + n)) + 1];
        o := o + 3 + n;
        n := get_byte(entries, o);
        their_record := substring(entries FROM o + 2 FOR n);
        their_population := populations[(get_byte(entries, o + 1 + n) << 8 | get_byte(entries, o + 2 + n)) + 1];
        o := o + 3 + n;
        RETURN NEXT;
    END LOOP;
END $$;

-- The existing releases, packed the same way.
ALTER TABLE psi_matches RENAME TO psi_matches_0009;

INSERT INTO psi_match_sets (partnership, epoch, populations, matches)
SELECT m.partnership, m.epoch,
       (SELECT array_agg(DISTINCT p.population ORDER BY p.population)
          FROM psi_matches_0009 x, LATERAL (VALUES (x.low_population COLLATE "C"), (x.high_population)) p (population)
         WHERE x.partnership = m.partnership AND x.epoch = m.epoch),
       count(*)
  FROM (SELECT DISTINCT partnership, epoch, low_record, low_population, high_record, high_population FROM psi_matches_0009) m
 GROUP BY m.partnership, m.epoch;

WITH entries AS (
  SELECT s.set_id, side.low_side, side.mine, side.theirs, side.their_population,
         substring(int2send(length(side.mine)::int2) FROM 2) || side.mine || int2send((array_position(s.populations, side.my_population) - 1)::int2)
         || substring(int2send(length(side.theirs)::int2) FROM 2) || side.theirs || int2send((array_position(s.populations, side.their_population) - 1)::int2) AS entry
    FROM (SELECT DISTINCT partnership, epoch, low_record, low_population, high_record, high_population FROM psi_matches_0009) m
    JOIN psi_match_sets s ON s.partnership = m.partnership AND s.epoch = m.epoch
    CROSS JOIN LATERAL (VALUES (true, m.low_record, m.low_population, m.high_record, m.high_population COLLATE "C"),
                               (false, m.high_record, m.high_population, m.low_record, m.low_population)) side (low_side, mine, my_population, theirs, their_population)),
numbered AS (
  SELECT *, (dense_rank() OVER (PARTITION BY set_id, low_side ORDER BY mine) - 1) / 2048 AS block FROM entries)
INSERT INTO psi_match_blocks (set_id, low_side, first_record, last_record, entries)
SELECT set_id, low_side, (array_agg(mine ORDER BY mine))[1], (array_agg(mine ORDER BY mine DESC))[1],
       string_agg(entry, ''::bytea ORDER BY mine, their_population, theirs)
  FROM numbered
 GROUP BY set_id, low_side, block;

DROP TABLE psi_matches_0009;

-- The old shape, for reading: every match once (from the low side's blocks).
CREATE VIEW psi_matches AS
SELECT s.partnership, s.epoch, e.my_record AS low_record, e.my_population AS low_population,
       e.their_record AS high_record, e.their_population AS high_population
  FROM psi_match_sets s
  JOIN psi_match_blocks b ON b.set_id = s.set_id AND b.low_side
  CROSS JOIN LATERAL psi_match_entries(b.entries, s.populations) e;
