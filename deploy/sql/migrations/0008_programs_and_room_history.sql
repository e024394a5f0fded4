-- Vendor programs as GET /programs lists them: each published program as its VendorProgramGrain
-- last wrote it (the grain owns the truth). A partner sees its own program and those of the
-- vendors it takes part with (an accepted room shared with the vendor, or a deal registered with it),
-- which the list finds through room_members and deal_registrations.
CREATE TABLE vendor_programs (
    vendor       text        PRIMARY KEY,
    published_at timestamptz NOT NULL,
    program      jsonb       NOT NULL
);
