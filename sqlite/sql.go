package sqlite

import sc "github.com/signet-auth/signet/internal/storecore"

// inserts are the INSERT statements with SQLite's placeholders. Column lists
// come from package storecore, so the row encoding is the same as PostgreSQL's.
var inserts = sc.NewInserts(placeholders)
