-- The seq index of psi_points as a BRIN index instead of a B-tree. Every added point paid for two
-- B-tree entries at COPY time; measured on the fixture cluster (1M points in 16 chunks of 65,536,
-- cluster CPU): no index 0.5 s, the record id key alone 1.9 s, both B-trees 3.3 s, the record id
-- key and this BRIN index (summarized after each chunk) 2.4-2.7 s. An upload's rows go into the
-- heap in seq order, chunk after chunk, so a few pages' summary bounds a task's range closely.
--
-- What changes for readers (ReblindStore): the index gives no order and no uniqueness. Seqs stay
-- unique by construction (each add reserves its own range from psi_lists.last_seq, and a commit
-- that moves rows moves them past every seq given). Ranges are found as seq windows
-- (ReblindStore.NextRange); a task's points come in heap order, which is seq order unless records
-- moved (changed records, space reused after deletes), and the node orders them then
-- (ReblindStore.WritePoints).
--
-- minmax-multi, not plain minmax: a page range that mixes rows of two lists (space freed by an
-- ended partnership and reused) or a few rows of later seqs (a changed record's new version) keeps
-- them as separate intervals instead of one span that every later window would overlap.
-- Pages the summary does not cover yet (inserted since the last summarization) always match, so
-- the add path summarizes after each chunk (PsiStore.Summarize); correctness never depends on it.
--
-- The index is on list_id::bigint, not list_id, and readers of a seq range name the list so
-- ("list_id::bigint = $1", PsiStore.InList): as list_id, the planner could take the condition to
-- the primary key (list_id, record_id) and read a task's range as a bitmap of the whole list (300k
-- a side: 56 ms a task); the cast is no key of the primary key, so such reads go through this
-- index. (Swapping the primary key's columns instead spread each upload's key inserts over the
-- whole index: +0.7 s per 1M.)
DROP INDEX psi_points_seq;
CREATE INDEX psi_points_seq ON psi_points
    USING brin ((list_id::bigint) int8_minmax_multi_ops, seq int8_minmax_multi_ops) WITH (pages_per_range = 8);
