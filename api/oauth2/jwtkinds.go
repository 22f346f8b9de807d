package oauth2

// The kinds of JWT this surface hands out, and the rules each is held to
// where it is accepted (RFC 8725 §3.11–3.12; catalogue JT-01):
//
//   - ID tokens (idClaims): typ JWT, aud the client they were issued to;
//     this server never accepts one.
//   - client_credentials access tokens (authserver.AccessClaims): typ at+jwt
//     (RFC 9068 §2.1), aud this server's issuer, client_id the client;
//     introspection accepts only that typ and that aud, for that client
//     (the engine's LookupSelfContained).
//   - client assertions are the clients' own; one typed as an access token
//     is refused by the engine, whoever signed it.
