package sqlite

import (
	"fmt"

	sc "github.com/signet-auth/signet/internal/storecore"
)

// Statements. Column lists come from package storecore so the row encoding is
// the same as PostgreSQL's; the SQL around them is SQLite's.
var (
	userCols       = sc.Cols("", sc.UserColumns)
	clientCols     = sc.Cols("", sc.ClientColumns)
	codeCols       = sc.Cols("", sc.CodeColumns)
	deviceCols     = sc.Cols("", sc.DeviceColumns)
	sessionCols    = sc.Cols("", sc.SessionColumns)
	generationCols = sc.Cols("", sc.GenerationColumns)
	keyCols        = sc.Cols("", sc.KeyColumns)

	insertUser       = insert("users", sc.UserColumns)
	insertClient     = insert("clients", sc.ClientColumns)
	insertCode       = insert("codes", sc.CodeColumns)
	insertDevice     = insert("device_authorizations", sc.DeviceColumns)
	insertSession    = insert("sessions", sc.SessionColumns)
	insertGeneration = insert("token_generations", sc.GenerationColumns)
	insertKey        = insert("server_keys", sc.KeyColumns)

	// sessionGeneration selects a session with one of its generations.
	sessionGeneration = "SELECT " + sc.Cols("s", sc.SessionColumns) + ", " + sc.Cols("g", sc.GenerationColumns) +
		" FROM token_generations g JOIN sessions s ON s.id = g.session_id"
)

func insert(table string, cols []string) string {
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, sc.Cols("", cols), placeholders(len(cols)))
}
