package storecore

import (
	"reflect"
	"testing"

	"github.com/signet-auth/signet"
)

// listCases are list columns as JSON writes them and as it does not.
var listCases = []string{
	`[]`, `["a"]`, `["refresh_token","authorization_code"]`, `["sso:account:access","openid"]`,
	`["https://app.example/cb?x=1&y=2"]`, `["é","日本"]`, `[""]`, `["",""]`,
	`["a\"b"]`, `["\u003c"]`, `[ "a" ]`, `["a",]`, `[,"a"]`, `["a""b"]`, `["a"`, `"a"]`,
	`null`, `[null]`, `["a",null]`, `[1]`, "[\"\xff\"]", "[\"a\x01\"]", `[`, `]`, ``, `["]`, `[""`,
	`["a","b","c","d"]`, `["a"],["b"]`,
}

// TestStringListMatchesEncodingJSON: wherever the fast reader answers, its
// answer is encoding/json's; where it does not, the column still decodes
// through the fallback exactly as before.
func TestStringListMatchesEncodingJSON(t *testing.T) {
	for _, s := range listCases {
		checkStringList(t, s)
	}
	for _, v := range [][]string{nil, {"a"}, {"x", "y", "z"}, {"<&>"}, {"tab\there"}, {"quote\"d"}, {"€"}} {
		s := JSON(v)
		got, ok := stringList(s)
		if want, _ := FromJSON[string](s); !reflect.DeepEqual(got, want) && ok {
			t.Errorf("stringList(%q) = %q, encoding/json %q", s, got, want)
		}
		var d decoder
		if got := d.list(s); d.err != nil || !reflect.DeepEqual(got, normal(v)) {
			t.Errorf("decoder.list(JSON(%q)) = %q, %v", v, got, d.err)
		}
	}
	// What json.Marshal writes for plain values is read without fallback.
	for _, s := range []string{`[]`, `["a"]`, `["refresh_token","authorization_code"]`, `["é"]`} {
		if _, ok := stringList(s); !ok {
			t.Errorf("stringList(%q) fell back", s)
		}
	}
}

func normal(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	return v
}

func checkStringList(t *testing.T, s string) {
	t.Helper()
	got, ok := stringList(s)
	if !ok {
		return
	}
	want, err := FromJSON[string](s)
	if err != nil {
		t.Fatalf("stringList(%q) = %q, but encoding/json refuses it: %v", s, got, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stringList(%q) = %q, encoding/json %q", s, got, want)
	}
}

// FuzzStringList: for every input the fast reader accepts, encoding/json
// accepts it too and reads the same list.
func FuzzStringList(f *testing.F) {
	for _, s := range listCases {
		f.Add(s)
	}
	f.Fuzz(checkStringList)
}

// TestFromJSONEmpty: an empty list column reads as nil whatever its
// element type, as encoding/json's answer is normalised.
func TestFromJSONEmpty(t *testing.T) {
	for _, s := range []string{`[]`, `[ ]`, `null`} {
		if v, err := FromJSON[assignment](s); v != nil || err != nil {
			t.Errorf("FromJSON(%q) = %v, %v", s, v, err)
		}
	}
	if v, err := assignmentsFromJSON(`[{"account_id":"111122223333","role_name":"Dev"}]`); err != nil ||
		len(v) != 1 || v[0] != (signet.Assignment{AccountID: "111122223333", RoleName: "Dev"}) {
		t.Errorf("assignmentsFromJSON = %v, %v", v, err)
	}
}
