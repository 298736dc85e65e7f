-- Kuper's rate limit is per merchant: every listener instance takes its
-- send slots from this one row (the next free slot), so together they keep
-- under it. SQLite is one process and paces in memory; the table is kept
-- on both backends so the schemas stay alike.
CREATE TABLE kuper_send_pace (
    id      INTEGER PRIMARY KEY,
    next_at TIMESTAMP NOT NULL
);
INSERT INTO kuper_send_pace (id, next_at) VALUES (1, '1970-01-01 00:00:00');
