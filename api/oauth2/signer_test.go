package oauth2

import "github.com/signet-auth/signet/keyring"

// The keyring is the Signer the server wires in; checked here so that the
// surface itself does not import the keyring.
var _ Signer = (*keyring.Keyring)(nil)
