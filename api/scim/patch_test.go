package scim

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// apply parses body and applies it to res.
func apply(t *testing.T, res map[string]any, body string) (int, error) {
	t.Helper()
	ops, err := parsePatch([]byte(body), 100)
	if err != nil {
		return 0, err
	}
	return applyPatch(res, ops)
}

func group() map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1",
		"displayName":"aws-dev","members":[{"value":"m1"},{"value":"m2"}],"meta":{"resourceType":"Group"}}`), &m); err != nil {
		panic(err)
	}
	return m
}

func members(t *testing.T, m map[string]any) []string {
	t.Helper()
	g, err := readGroup(m)
	if err != nil {
		t.Fatal(err)
	}
	return g.Members
}

// The request bodies of Okta's and Microsoft Entra ID's SCIM 2.0
// documentation, as they send them.
func TestPatchOktaAndEntraBodies(t *testing.T) {
	cases := []struct {
		name, body string
		res        func() map[string]any
		check      func(t *testing.T, m map[string]any)
	}{
		{"Okta deactivate", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
			ada, func(t *testing.T, m map[string]any) {
				if u, err := readUser(m); err != nil || !u.User.Disabled {
					t.Errorf("user %+v, %v; want disabled", u, err)
				}
			}},
		{"Entra disable with the string False", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			ada, func(t *testing.T, m map[string]any) {
				if u, err := readUser(m); err != nil || !u.User.Disabled {
					t.Errorf("user %+v, %v; want disabled", u, err)
				}
			}},
		{"Entra e-mail and family name", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			ada, func(t *testing.T, m map[string]any) {
				u, err := readUser(m)
				if err != nil || u.Email != "updatedEmail@microsoft.com" || u.FamilyName != "updatedFamilyName" || u.GivenName != "Ada" {
					t.Errorf("user %+v, %v", u, err)
				}
			}},
		{"Entra enterprise extension attribute", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"701984"}]}`,
			ada, func(t *testing.T, m map[string]any) {
				if _, err := readUser(m); err != nil {
					t.Error(err)
				}
			}},
		{"Okta rename with the id in the value", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"g1","displayName":"Test SCIMv2"}}]}`,
			group, func(t *testing.T, m map[string]any) {
				if g, err := readGroup(m); err != nil || g.DisplayName != "Test SCIMv2" {
					t.Errorf("group %+v, %v", g, err)
				}
			}},
		{"Okta add members", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"m3","display":"test.user@okta.local"},{"value":"m1"}]}]}`,
			group, func(t *testing.T, m map[string]any) {
				if got := members(t, m); !reflect.DeepEqual(got, []string{"m1", "m2", "m3"}) {
					t.Errorf("members %v", got)
				}
			}},
		{"Okta remove a member by filter", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"m2\"]"}]}`,
			group, func(t *testing.T, m map[string]any) {
				if got := members(t, m); !reflect.DeepEqual(got, []string{"m1"}) {
					t.Errorf("members %v", got)
				}
			}},
		{"Entra add member", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"name":"addMember","op":"add","path":"members","value":[{"$ref":null,"value":"m9"}]}]}`,
			group, func(t *testing.T, m map[string]any) {
				if got := members(t, m); !reflect.DeepEqual(got, []string{"m1", "m2", "m9"}) {
					t.Errorf("members %v", got)
				}
			}},
		{"Entra remove member", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"name":"removeMember","op":"remove","path":"members","value":[{"$ref":null,"value":"m1"}]}]}`,
			group, func(t *testing.T, m map[string]any) {
				if got := members(t, m); !reflect.DeepEqual(got, []string{"m2"}) {
					t.Errorf("members %v", got)
				}
			}},
		{"remove every member", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members"}]}`,
			group, func(t *testing.T, m map[string]any) {
				if got := members(t, m); len(got) != 0 {
					t.Errorf("members %v", got)
				}
			}},
		{"replace the members", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[{"value":"m7"}]}]}`,
			group, func(t *testing.T, m map[string]any) {
				if got := members(t, m); !reflect.DeepEqual(got, []string{"m7"}) {
					t.Errorf("members %v", got)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.res()
			if _, err := apply(t, m, c.body); err != nil {
				t.Fatal(err)
			}
			c.check(t, m)
		})
	}
}

func TestPatchRefusals(t *testing.T) {
	for body, want := range map[string]string{
		`{"Operations":[{"op":"add","path":"title","value":"x"}]}`:                                   "invalidSyntax",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`:              "invalidSyntax",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"move"}]}`: "invalidSyntax",
		`not json`: "invalidSyntax",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove"}]}`:                                   "noTarget",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"zz\"]"}]}`: "noTarget",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"id","value":"other"}]}`:      "mutability",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members[value eq","value":1}]}`:  "invalidPath",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"a b","value":1}]}`:               "invalidPath",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title"}]}`:                       "invalidValue",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":"not an object"}]}`:              "invalidValue",
	} {
		_, err := apply(t, group(), body)
		var we *wireError
		if !errors.As(err, &we) || we.scimType != want {
			t.Errorf("%s: err = %v, want %s", body, err, want)
		}
	}
}

func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"m1"}]}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"x@y"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"m2\"]"}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, res := range []map[string]any{ada(), group()} {
			ops, err := parsePatch([]byte(body), 100)
			if err == nil {
				_, err = applyPatch(res, ops)
			}
			if err != nil {
				var we *wireError
				if !errors.As(err, &we) || we.status != 400 {
					t.Fatalf("%q: error %v is no 400 SCIM error", body, err)
				}
				continue
			}
			// What a PATCH leaves is read back like a PUT body, or refused.
			if _, err := readUser(res); err != nil && !errors.As(err, new(*wireError)) {
				t.Fatalf("%q: readUser: %v", body, err)
			}
			if _, err := readGroup(res); err != nil && !errors.As(err, new(*wireError)) {
				t.Fatalf("%q: readGroup: %v", body, err)
			}
		}
	})
}
