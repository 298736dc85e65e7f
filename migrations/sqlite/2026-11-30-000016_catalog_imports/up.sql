-- Every catalog import (the stores file, a YML or CSV feed) with what it
-- did or why it changed nothing, for staff to see on the console.
CREATE TABLE catalog_imports (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TIMESTAMP NOT NULL,
    source  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    outcome TEXT NOT NULL,
    report  TEXT NOT NULL
);
CREATE INDEX catalog_imports_at ON catalog_imports (at);
