package xform

import "testing"

func TestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CreateOAuth2Token", "create-o-auth2-token"},
		{"CreateTokenWithIAM", "create-token-with-iam"},
		{"IntrospectOAuth2TokenWithIAM", "introspect-o-auth2-token-with-iam"},
		{"GetCallerIdentity", "get-caller-identity"},
		{"clientId", "client-id"},
		{"refreshTokenBody", "refresh-token-body"},
		{"grant_type", "grant_type"},
		{"ListTagsForResourceARNs", "list-tags-for-resource-arns"},
		{"already-dashed", "already-dashed"},
	}
	for _, tt := range tests {
		if got := Name(tt.in, "-"); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
