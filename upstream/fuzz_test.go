package upstream

import (
	"encoding/json"
	"testing"

	"github.com/signet-auth/signet"
)

// FuzzMapClaims: whatever verified claims a provider sends, mapping them
// never panics, never yields an identity without a subject, and bounds the
// groups and every string taken.
func FuzzMapClaims(f *testing.F) {
	f.Add(`{"sub":"00u1","preferred_username":"alice","email":"a@example.com","groups":["aws-dev","aws-ops"],"amr":["pwd","mfa"]}`, "")
	f.Add(`{"sub":1,"groups":"one"}`, "groups")
	f.Add(`{"oid":"x","roles":[1,"a",null,{"b":2}]}`, "roles")
	f.Fuzz(func(t *testing.T, body, groupsClaim string) {
		var claims map[string]any
		if json.Unmarshal([]byte(body), &claims) != nil {
			return
		}
		p := signet.IdentityProvider{Name: "corp", Claims: signet.ClaimMapping{Groups: groupsClaim}}
		id, err := mapClaims(p, claims)
		if err != nil {
			return
		}
		if id.Subject == "" || id.IdP != "corp" || len(id.Groups) > maxGroups {
			t.Fatalf("identity %+v", id)
		}
		for _, s := range append(append([]string{id.Subject, id.Username, id.DisplayName, id.Email}, id.Groups...), id.AMR...) {
			if len(s) > maxClaim {
				t.Fatalf("a claim of %d bytes was taken", len(s))
			}
		}
	})
}

// FuzzResolveSecret: a reference is env:, file: or refused; nothing else
// is read.
func FuzzResolveSecret(f *testing.F) {
	f.Add("env:OKTA_SECRET")
	f.Add("file:")
	f.Add("s3cr3t")
	f.Fuzz(func(t *testing.T, ref string) {
		if len(ref) > 5 && ref[:5] == "file:" {
			return // no file system access from a fuzzer
		}
		s, err := ResolveSecret(ref, func(k string) string { return "v-" + k })
		if err == nil && ref != "" && s != "v-"+ref[4:] {
			t.Fatalf("ResolveSecret(%q) = %q", ref, s)
		}
		if (err == nil) != ValidSecretRef(ref) && !(len(ref) > 4 && ref[:4] == "env:" && ref[4:] == "") {
			t.Fatalf("ResolveSecret(%q) err %v but ValidSecretRef %v", ref, err, ValidSecretRef(ref))
		}
	})
}
