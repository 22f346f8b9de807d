package signin

import (
	"testing"

	"github.com/signet-auth/signet/authserver"
)

// A developer's server comes back on another port; the cross-device client
// must keep working without an operator deleting it (which would revoke its
// sessions), while a real issuer stays an exact match.
func TestClientSpecsLoopbackIssuerPortFree(t *testing.T) {
	for _, tc := range []struct {
		issuer, registered, requested string
		match                         bool
	}{
		{"http://127.0.0.1:8400", "http://127.0.0.1/v1/sessions/confirmation", "http://127.0.0.1:9999/v1/sessions/confirmation", true},
		{"http://[::1]:8400/", "http://[::1]/v1/sessions/confirmation", "http://[::1]:8400/v1/sessions/confirmation", true},
		{"https://signet.example.com", "https://signet.example.com/v1/sessions/confirmation", "https://signet.example.com:8443/v1/sessions/confirmation", false},
		{"http://127.0.0.1:8400", "http://127.0.0.1/v1/sessions/confirmation", "http://127.0.0.1:9999/v1/sessions/other", false},
	} {
		spec := ClientSpecs(tc.issuer)[1]
		if spec.ID != ClientCrossDevice || len(spec.RedirectURIs) != 1 || spec.RedirectURIs[0] != tc.registered {
			t.Fatalf("%s: cross-device spec %+v", tc.issuer, spec)
		}
		if got := authserver.MatchRedirectURI(spec.RedirectURIs, tc.requested); got != tc.match {
			t.Errorf("%s: match(%s) = %v, want %v", tc.issuer, tc.requested, got, tc.match)
		}
	}
}
