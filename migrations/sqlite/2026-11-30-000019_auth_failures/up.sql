-- Failed sign-ins per caller (the client a balancer forwards for), counted
-- together by every instance on this database: the window's start (epoch
-- milliseconds, compared exactly when two instances count at once) and its
-- failures. The rule is identity::FailureWindow.
CREATE TABLE auth_failures (
    key        TEXT PRIMARY KEY,
    started_ms BIGINT NOT NULL,
    failures   INTEGER NOT NULL
);
