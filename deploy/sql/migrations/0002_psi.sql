-- Bulk PSI data: blinded points, the counterpart's tags for them, and matches. Written with
-- binary COPY, read in streams; never in grain state. A partnership's data is keyed by the
-- partnership (ordered "A|B"), the epoch and the side that owns the records; a new epoch or an
-- ended partnership deletes the old rows. No plaintext account identifier ever reaches here:
-- record ids are random-looking 16-byte values made by the owner, points are a·H(k).

-- An upload session: one population of one side's list for one partnership and epoch, sent in
-- numbered chunks under a client-chosen id, so a retried or resumed upload never duplicates.
CREATE TABLE psi_uploads (
    upload_id       uuid        PRIMARY KEY,
    partnership     text        NOT NULL,
    epoch           int         NOT NULL,
    owner           text        NOT NULL,
    population      text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('add', 'remove', 'fields')),
    declared_count  int         NOT NULL CHECK (declared_count >= 0),
    received_count  int         NOT NULL DEFAULT 0,
    chunks          int         NOT NULL DEFAULT 0,
    committed_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX psi_uploads_partnership ON psi_uploads (partnership, epoch, owner);

-- Each accepted chunk, with a hash so that a replay of the same bytes is recognised as such.
CREATE TABLE psi_upload_chunks (
    upload_id  uuid   NOT NULL REFERENCES psi_uploads ON DELETE CASCADE,
    chunk      int    NOT NULL,
    sha256     bytea  NOT NULL,
    count      int    NOT NULL,
    PRIMARY KEY (upload_id, chunk)
);

-- Records of uploads not yet committed: a point for added records, sealed fields for fields.
CREATE TABLE psi_staged (
    upload_id  uuid  NOT NULL REFERENCES psi_uploads ON DELETE CASCADE,
    record_id  bytea NOT NULL,
    payload    bytea
);
CREATE INDEX psi_staged_upload ON psi_staged (upload_id);

-- Committed blinded records. seq orders them per side, so re-blind tasks are incremental.
CREATE TABLE psi_records (
    partnership  text   NOT NULL,
    epoch        int    NOT NULL,
    owner        text   NOT NULL,
    record_id    bytea  NOT NULL,
    seq          bigint NOT NULL,
    population   text   NOT NULL,
    point        bytea  NOT NULL,
    tag          bytea,
    PRIMARY KEY (partnership, epoch, owner, record_id)
);
CREATE UNIQUE INDEX psi_records_seq ON psi_records (partnership, epoch, owner, seq);

-- Shared fields of a side's records, sealed with the pairwise key that only the two partners
-- can derive; the server stores and forwards opaque bytes.
CREATE TABLE psi_fields (
    partnership  text  NOT NULL,
    epoch        int   NOT NULL,
    owner        text  NOT NULL,
    record_id    bytea NOT NULL,
    sealed       bytea NOT NULL,
    PRIMARY KEY (partnership, epoch, owner, record_id)
);

-- Released intersection results: which record of the low-id side matched which of the high-id
-- side, per partnership and epoch, with both populations. Replaced whole on every release.
CREATE TABLE psi_matches (
    partnership      text  NOT NULL,
    epoch            int   NOT NULL,
    low_record       bytea NOT NULL,
    low_population   text  NOT NULL,
    high_record      bytea NOT NULL,
    high_population  text  NOT NULL
);
CREATE INDEX psi_matches_partnership ON psi_matches (partnership, epoch);

-- Tags are joined on when intersecting.
CREATE INDEX psi_records_tag ON psi_records (partnership, epoch, owner, tag) WHERE tag IS NOT NULL;
-- Untagged records are what re-blind tasks hand out.
CREATE INDEX psi_records_untagged ON psi_records (partnership, epoch, owner, seq) WHERE tag IS NULL;
