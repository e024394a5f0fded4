-- Vendor programs as GET /programs lists them: each published program as its VendorProgramGrain
-- last wrote it (the grain owns the truth). A partner sees its own program and those of the
-- vendors it takes part with (an accepted room shared with the vendor, or a deal registered with it),
-- which the list finds through room_members and deal_registrations.
CREATE TABLE vendor_programs (
    vendor       text        PRIMARY KEY,
    published_at timestamptz NOT NULL,
    program      jsonb       NOT NULL
);

-- A room's history (who did what, when), numbered 1, 2, 3, … per room by its grain (the only
-- writer). The grain keeps the latest entries in its state and writes each here after storing the
-- change; entries only leave the grain's state once they are here. private_detail is shown to
-- by_partner only.
CREATE TABLE room_history (
    room            text        NOT NULL,
    seq             bigint      NOT NULL,
    action          text        NOT NULL,
    by_partner      text        NOT NULL,
    at              timestamptz NOT NULL,
    detail          text,
    private_detail  text,
    PRIMARY KEY (room, seq)
);
