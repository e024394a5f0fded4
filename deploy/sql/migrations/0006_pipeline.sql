-- A vendor's pipeline: the latest facts of each room it takes part in (PipelineGrain folds them
-- into totals at activation and keeps the totals incrementally), and partner costs for ROPI.
CREATE TABLE pipeline_rooms (
    vendor      text        NOT NULL,
    room        text        NOT NULL,
    facts       jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (vendor, room)
);

CREATE TABLE pipeline_costs (
    vendor      text          NOT NULL,
    id          text          NOT NULL,
    partner     text          NOT NULL,
    kind        text          NOT NULL,
    amount      numeric(20,4) NOT NULL,
    currency    text          NOT NULL,
    date        date          NOT NULL,
    note        text,
    recorded_at timestamptz   NOT NULL,
    PRIMARY KEY (vendor, id)
);
CREATE INDEX pipeline_costs_partner ON pipeline_costs (vendor, partner, date);
