-- Opportunity rooms and deal registrations. The grains own the truth (OpportunityRoomGrain,
-- DealProtectionGrain); these tables hold what is bulky and append-only (messages) and the read
-- models that lists page through without calling every grain.

-- A room's messages, numbered 1, 2, 3, … per room by its grain (the only writer).
CREATE TABLE room_messages (
    room    text        NOT NULL,
    seq     bigint      NOT NULL,
    author  text        NOT NULL,
    at      timestamptz NOT NULL,
    body    text        NOT NULL,
    PRIMARY KEY (room, seq)
);

-- Which partners are in (or invited to) which rooms: GET /rooms pages through this.
CREATE TABLE room_members (
    partner     text        NOT NULL,
    room        text        NOT NULL,
    role        text        NOT NULL,
    status      text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (partner, room)
);

-- Deal registrations as the vendor and the registering partner list them: the registration as
-- last written by its protection grain (vendor + account domain), with the keys lists filter on.
CREATE TABLE deal_registrations (
    id          text        PRIMARY KEY,
    vendor      text        NOT NULL,
    partner     text        NOT NULL,
    room        text        NOT NULL,
    account     text        NOT NULL,
    status      text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    registration jsonb      NOT NULL
);
CREATE INDEX deal_registrations_vendor ON deal_registrations (vendor, id);
CREATE INDEX deal_registrations_partner ON deal_registrations (partner, id);
