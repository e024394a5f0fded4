-- Each partner's feed: every event for that partner, numbered 1, 2, 3, … per partner by its
-- FeedGrain, so that clients can resume after any sequence number and notice gaps.
CREATE TABLE partner_feed (
    partner     text        NOT NULL,
    seq         bigint      NOT NULL,
    type        text        NOT NULL,
    at          timestamptz NOT NULL,
    counterpart text,
    room        text,
    data        jsonb,
    PRIMARY KEY (partner, seq)
);
