package awscli

import "testing"

// The registration cache name must be the one the AWS CLI computes, or the
// two tools register twice; the vector is credential-caches.md §3.1.
func TestRegistrationKeyMatchesBotocore(t *testing.T) {
	sc := &ssoConfig{session: "my-sso", startURL: "https://d-1234567890.awsapps.com/start", region: "us-east-1", scopes: []string{"sso:account:access"}}
	if got, want := registrationKey(sc), "a8343d65418848d0bc13a5f25cbb32508ceec5d1"; got != want {
		t.Errorf("registrationKey = %s, want %s", got, want)
	}
	if got, want := sha1Hex("my-sso"), "0ad374308c5a4e22f723adf10145eafad7c4031c"; got != want {
		t.Errorf("token cache name = %s, want %s", got, want)
	}
}
