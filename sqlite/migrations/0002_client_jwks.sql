-- The public keys of clients that authenticate with private_key_jwt
-- (RFC 7523 §2.2): one JWK Set (RFC 7517 §5) per client, public keys only,
-- gone with its client.
CREATE TABLE client_jwks (
	client_id TEXT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
	jwks      TEXT NOT NULL
);
