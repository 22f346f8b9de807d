package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/signet-auth/signet"
)

// foreignKeyViolation is SQLSTATE 23503.
const foreignKeyViolation = "23503"

// SetClientJWKS stores (or replaces) the JWK Set a private_key_jwt client
// authenticates with (RFC 7523 §2.2); ErrNotFound if there is no such
// client. The caller checks that it holds public keys only.
func (db *DB) SetClientJWKS(ctx context.Context, clientID string, jwks []byte) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO client_jwks (client_id, jwks) VALUES ($1, $2)
		ON CONFLICT (client_id) DO UPDATE SET jwks = excluded.jwks`, clientID, string(jwks))
	if pgCode(err) == foreignKeyViolation {
		return fmt.Errorf("postgres: %w (%w)", signet.ErrNotFound, err)
	}
	return mapErr(err)
}

// ClientJWKS returns the client's JWK Set; ErrNotFound if it has none.
func (db *DB) ClientJWKS(ctx context.Context, clientID string) ([]byte, error) {
	var s string
	err := db.pool.QueryRow(ctx, `SELECT jwks FROM client_jwks WHERE client_id = $1`, clientID).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, signet.ErrNotFound
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return []byte(s), nil
}
