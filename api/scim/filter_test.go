package scim

import (
	"encoding/json"
	"errors"
	"testing"
)

// ada is a user as rendered.
func ada() map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1",
		"externalId":"00uAbC","userName":"Ada@Example.com","displayName":"Ada Lovelace","active":true,
		"name":{"givenName":"Ada","familyName":"Lovelace"},
		"emails":[{"value":"ada@example.com","type":"work","primary":true},{"value":"ada@home.example","type":"home"}],
		"members":[{"value":"m1"},{"value":"m2"}],"age":36,
		"meta":{"resourceType":"User","lastModified":"2026-01-02T03:04:05Z"}}`), &m); err != nil {
		panic(err)
	}
	return m
}

func TestFilterMatches(t *testing.T) {
	for f, want := range map[string]bool{
		// Okta's and Entra ID's lookups.
		`userName eq "ada@example.com"`:                                true, // case-insensitive
		`userName eq "test.user@okta.local"`:                           false,
		`externalId eq "00uAbC"`:                                       true,
		`externalId eq "00uabc"`:                                       false, // case-exact
		`displayName eq "Ada Lovelace"`:                                true,
		`id eq "u1" and members eq "m2"`:                               true, // Entra ID's membership check
		`id eq "u1" and members eq "m3"`:                               false,
		`members[value eq "m1"]`:                                       true,
		`emails[type eq "work" and value co "example"]`:                true,
		`emails[type eq "work" and value ew "home.example"]`:           false,
		`emails[type eq "work"].value co "example.com"`:                true,
		`emails[type eq "home"].value eq "ada@example.com"`:            false,
		`emails.value sw "ada@home"`:                                   true,
		`emails.type eq "other"`:                                       false,
		`name.familyName co "love"`:                                    true,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ada"`: true,
		`title pr`:                false,
		`displayName pr`:          true,
		`active eq true`:          true,
		`active eq false`:         false,
		`active ne false`:         true,
		`title ne "x"`:            true,
		`age gt 35 and age lt 37`: true,
		`age ge 37`:               false,
		`meta.lastModified gt "2026-01-01T00:00:00Z"`:                   true,
		`meta.lastModified le "2026-01-01T00:00:00Z"`:                   false,
		`not (userName eq "x")`:                                         true,
		`not(userName eq "ada@example.com")`:                            false,
		`userName eq "x" or displayName sw "ada" and active eq true`:    true, // and binds tighter
		`(userName eq "x" or displayName sw "ada") and active eq false`: false,
		`USERNAME EQ "ada@example.com"`:                                 true, // attribute names and operators in any case
		`title eq null`:                                                 false,
		`userName eq "a\"b"`:                                            false,
	} {
		p, err := parseFilter(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := p.match(ada()); got != want {
			t.Errorf("%s: match = %v, want %v", f, got, want)
		}
	}
}

func TestFilterRefusals(t *testing.T) {
	for _, f := range []string{``, `userName`, `userName eq`, `userName zz "a"`, `"a" eq userName`, `userName eq "a`,
		`(userName pr`, `userName pr)`, `not userName pr`, `emails[type eq "work"`, `emails.value[type pr]`,
		`userName eq 'a'`, `active lt true`, `a.b.c pr`, `x:userName pr`, `userName eq "a" and`, `userName eq {}`, `emails[type pr].`, `emails[type pr].value`, `emails[type pr].1x eq "a"`} {
		_, err := parseFilter(f)
		var fe *filterError
		if !errors.As(err, &fe) {
			t.Errorf("%q: err = %v, want a filter error", f, err)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`userName eq "a"`, `emails[type eq "work" and value co "@"]`, `not (a pr) or b gt 1`,
		`members eq "x" and id eq "y"`, `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw "A"`, `((((a pr))))`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseFilter(s)
		if err != nil {
			var fe *filterError
			if !errors.As(err, &fe) {
				t.Fatalf("%q: error %T is no filterError", s, err)
			}
			return
		}
		before, _ := json.Marshal(ada())
		res := ada()
		p.match(res)
		after, _ := json.Marshal(res)
		if string(before) != string(after) {
			t.Fatalf("%q: matching changed the resource", s)
		}
	})
}
