-- The public partner directory: a read model that PartnerGrain keeps in step with its state,
-- so that the directory can be listed and searched with keyset paging. Only public facts.
CREATE TABLE partner_directory (
    partner_id  text        PRIMARY KEY,
    name        text        NOT NULL,
    domain      text        NOT NULL,
    type        text        NOT NULL,
    entry       jsonb       NOT NULL,
    joined_at   timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX partner_directory_domain ON partner_directory (domain);
CREATE INDEX partner_directory_type ON partner_directory (type, partner_id);
