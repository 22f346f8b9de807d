package scim_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet/secret"
)

const oktaUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"primary":true,"value":"%s","type":"work"}],"displayName":"Ada Lovelace","externalId":"%s","active":true}`

func user(name, ext string) string { return fmt.Sprintf(oktaUser, name, name, ext) }

// FD-06: without a live bearer token nothing is read or written, and the
// answer is 401 in the SCIM error shape.
func TestFD06_NoOrWrongBearerIs401(t *testing.T) {
	c := newSCIM(t)
	revoked := token(t, c.e, "okta")
	ts, err := c.e.Stores.SCIM.ListSCIMTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		if tk.Digest == c.e.Hasher.Digest(revoked) {
			if err := c.e.Stores.SCIM.RevokeSCIMToken(context.Background(), tk.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	unknown, _, err := secret.NewMinter(strings.NewReader(strings.Repeat("x", 64)), c.e.Hasher).New(secret.PrefixSCIMToken)
	if err != nil {
		t.Fatal(err)
	}
	for name, bearer := range map[string]string{"none": "", "garbage": "garbage", "unknown": unknown,
		"revoked": revoked, "truncated": c.bearer[:len(c.bearer)-1]} {
		t.Run(name, func(t *testing.T) {
			for _, r := range [][3]string{{"GET", "/Users", ""}, {"POST", "/Users", user("mallory@example.com", "x")},
				{"GET", "/ServiceProviderConfig", ""}, {"DELETE", "/Groups/abc", ""}} {
				status, m := c.as(bearer).do(r[0], r[1], r[2])
				isSCIMError(t, r[0]+" "+r[1], status, m, http.StatusUnauthorized, "")
			}
		})
	}
	if m := c.must(200, "GET", "/Users", ""); m["totalResults"] != 0.0 {
		t.Errorf("a refused POST created a user: %v", m)
	}
}

// FD-06: a token sees only its own provider's people and groups: another
// tenant's id is 404 for every method and nothing changes.
func TestFD06_AnotherTenantsIDIs404(t *testing.T) {
	c := newSCIM(t)
	entra := c.as(token(t, c.e, "entra"))
	u := id(c.must(201, "POST", "/Users", user("ada@example.com", "00u1")))
	g := id(c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"aws-dev","members":[{"value":"`+u+`"}]}`))
	deactivate := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`
	for _, r := range [][3]string{
		{"GET", "/Users/" + u, ""}, {"PUT", "/Users/" + u, user("ada@example.com", "00u1")},
		{"PATCH", "/Users/" + u, deactivate}, {"DELETE", "/Users/" + u, ""},
		{"GET", "/Groups/" + g, ""}, {"PUT", "/Groups/" + g, `{"displayName":"x"}`},
		{"PATCH", "/Groups/" + g, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members"}]}`},
		{"DELETE", "/Groups/" + g, ""},
		{"GET", "/Users/no-such-id", ""}, {"GET", "/Groups/no-such-id", ""},
	} {
		status, m := entra.do(r[0], r[1], r[2])
		isSCIMError(t, "entra "+r[0]+" "+r[1], status, m, http.StatusNotFound, "")
	}
	for _, path := range []string{"/Users", "/Groups"} {
		if m := entra.must(200, "GET", path, ""); m["totalResults"] != 0.0 {
			t.Errorf("entra lists okta's %s: %v", path, m)
		}
	}
	if m := c.must(200, "GET", "/Users/"+u, ""); m["active"] != true {
		t.Errorf("another tenant's PATCH changed the user: %v", m)
	}
	if m := c.must(200, "GET", "/Groups/"+g, ""); len(m["members"].([]any)) != 1 || m["displayName"] != "aws-dev" {
		t.Errorf("another tenant's requests changed the group: %v", m)
	}
}

// FD-06: a filter the server cannot parse is 400 invalidFilter, never a
// listing of everything.
func TestFD06_MalformedFilterIs400InvalidFilter(t *testing.T) {
	c := newSCIM(t)
	c.must(201, "POST", "/Users", user("ada@example.com", "00u1"))
	for _, f := range []string{
		`userName eq`, `userName`, `userName xx "a"`, `userName eq "unterminated`, `(userName eq "a"`,
		`userName eq "a")`, `userName eq "a" and`, `or userName eq "a"`, `emails[type eq "work"`,
		`not userName eq "a"`, `userName eq bare`, `active gt true`, `1userName eq "a"`, `userName eq "a" xor title pr`,
		`http://x:userName eq "a"`, strings.Repeat("(", 40) + `userName pr` + strings.Repeat(")", 40),
		strings.Repeat(`userName eq "a" or `, 300) + `userName pr`,
	} {
		for _, path := range []string{"/Users", "/Groups"} {
			status, m := c.do("GET", path+"?filter="+urlq(f), "")
			isSCIMError(t, fmt.Sprintf("filter %.60q", f), status, m, http.StatusBadRequest, "invalidFilter")
		}
	}
}

// FD-06: 10^4 members in one PATCH is refused with tooMany and nothing of
// it is applied; so are too many operations and too large a body.
func TestFD06_TenThousandMembersRefusedNothingApplied(t *testing.T) {
	c := newSCIM(t)
	a := id(c.must(201, "POST", "/Users", user("ada@example.com", "00u1")))
	b := id(c.must(201, "POST", "/Users", user("bob@example.com", "00u2")))
	g := id(c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"aws-dev","members":[{"value":"`+a+`"}]}`))

	members := []string{`{"value":"` + b + `"}`}
	for i := range 10000 {
		members = append(members, fmt.Sprintf(`{"value":"m%05d"}`, i))
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[` +
		strings.Join(members, ",") + `]}]}`
	status, m := c.do("PATCH", "/Groups/"+g, patch)
	isSCIMError(t, "10^4 members", status, m, http.StatusBadRequest, "tooMany")
	put := `{"displayName":"aws-dev","members":[` + strings.Join(members, ",") + `]}`
	status, m = c.do("PUT", "/Groups/"+g, put)
	isSCIMError(t, "PUT with 10^4 members", status, m, http.StatusBadRequest, "tooMany")
	status, m = c.do("POST", "/Groups", `{"displayName":"big","members":[`+strings.Join(members, ",")+`]}`)
	isSCIMError(t, "POST with 10^4 members", status, m, http.StatusBadRequest, "tooMany")

	ops := make([]string, 101)
	for i := range ops {
		ops[i] = `{"op":"add","path":"members","value":[{"value":"` + b + `"}]}`
	}
	status, m = c.do("PATCH", "/Groups/"+g, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+strings.Join(ops, ",")+`]}`)
	isSCIMError(t, "101 operations", status, m, http.StatusBadRequest, "tooMany")
	huge := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"externalId","value":"` +
		strings.Repeat("x", 1<<20) + `"}]}`
	// Declared too long: refused before any handler runs (catalogue IN-01).
	if status, _ := c.raw("PATCH", "/Groups/"+g, strings.NewReader(huge), int64(len(huge))); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a declared body over 1 MiB: status %d, want 413", status)
	}
	// Chunked, so only reading finds out: the SCIM server's own bound.
	status, m = c.raw("PATCH", "/Groups/"+g, io.MultiReader(strings.NewReader(huge)), -1)
	isSCIMError(t, "a chunked body over 1 MiB", status, m, http.StatusRequestEntityTooLarge, "tooMany")
	// The first operation is valid, the second names a stranger: neither
	// is applied.
	status, m = c.do("PATCH", "/Groups/"+g, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"add","path":"members","value":[{"value":"`+b+`"}]},{"op":"add","path":"members","value":[{"value":"stranger"}]}]}`)
	isSCIMError(t, "a stranger among the members", status, m, http.StatusBadRequest, "invalidValue")

	got := c.must(200, "GET", "/Groups/"+g, "")
	if ms := got["members"].([]any); len(ms) != 1 || ms[0].(map[string]any)["value"] != a {
		t.Errorf("members after refused requests = %v, want only %s", ms, a)
	}
	if m := c.must(200, "GET", "/Groups", ""); m["totalResults"] != 1.0 {
		t.Errorf("a refused POST created a group: %v", m)
	}
}
