// Package dpop verifies and builds DPoP proofs (RFC 9449): the compact JWS a
// client sends in the DPoP header to show it holds the private key a refresh
// token or access token is bound to.
//
// The Sign-In token endpoint (docs/spec/aws/signin.md §4) and the
// standard OAuth surface call Verifier.Verify with the DPoP header values, the
// request method and the request URL built from the configured external URL
// (never from Host or X-Forwarded-*), and compare the returned Proof.JKT with
// the thumbprint the grant is bound to; that comparison is the engine's.
//
// Verify follows RFC 9449 §4.3, cheapest and most hostile checks first: one
// header value, at most MaxProofSize bytes, three unpadded base64url parts,
// all before anything is decoded; then the JOSE header (typ, alg, jwk), the
// claims (jti, htm, htu, iat, ath), the signature, the server nonce, and last
// the jti replay check in the shared ReplayStore, so that a proof rejected for
// any other reason never uses up its jti.
//
// Failures are *signet.Error values with a generic message and the precise
// reason in Err for the log. With server nonces on (Options.NonceKey), a
// proof without a current nonce gets CodeUseDPoPNonce, and NonceFromError
// gives the value for the one DPoP-Nonce response header (RFC 9449 §8);
// Verifier.Nonce gives a current value for any other response.
//
// JWKs are parsed here rather than by go-jose: the AWS SDK for Go encodes EC
// coordinates with big.Int.Bytes(), so about one key in 128 arrives with a
// 31-byte coordinate, which go-jose (rightly, per RFC 7518 §6.2.1.2) refuses.
// Such coordinates are left-padded before the signature check and before the
// RFC 7638 thumbprint, which always uses the canonical padded form: one key,
// one jkt, whatever padding the client chose. JSON objects are read member by
// member with exact, case-sensitive names and duplicates rejected
// (RFC 7515 §5.2), which encoding/json's struct decoding does not give.
//
// NewProof builds proofs the way the AWS CLI and SDKs do, for tests and for
// the signet login client.
package dpop
