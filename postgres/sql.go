package postgres

import sc "github.com/signet-auth/signet/internal/storecore"

// inserts are the INSERT statements with PostgreSQL's placeholders. Column lists
// come from package storecore, so the row encoding is the same as SQLite's.
var inserts = sc.NewInserts(placeholders)
