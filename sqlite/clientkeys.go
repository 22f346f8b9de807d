package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/signet-auth/signet"
)

// SetClientJWKS stores (or replaces) the JWK Set a private_key_jwt client
// authenticates with (RFC 7523 §2.2); ErrNotFound if there is no such
// client. The caller checks that it holds public keys only.
func (db *DB) SetClientJWKS(ctx context.Context, clientID string, jwks []byte) error {
	err := db.exec(ctx, false, `INSERT INTO client_jwks (client_id, jwks) VALUES (?, ?)
		ON CONFLICT (client_id) DO UPDATE SET jwks = excluded.jwks`, clientID, string(jwks))
	if code, ok := sqliteCode(err); ok && code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return fmt.Errorf("sqlite: %w (%w)", signet.ErrNotFound, err)
	}
	return mapErr(err)
}

// ClientJWKS returns the client's JWK Set; ErrNotFound if it has none.
func (db *DB) ClientJWKS(ctx context.Context, clientID string) ([]byte, error) {
	var s string
	err := db.read.QueryRowContext(ctx, `SELECT jwks FROM client_jwks WHERE client_id = ?`, clientID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, signet.ErrNotFound
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return []byte(s), nil
}
