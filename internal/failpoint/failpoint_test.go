package failpoint

import (
	"slices"
	"strings"
	"testing"
)

func TestParseAndHit(t *testing.T) {
	var hits []string
	actions := map[string]Action{"record": func(point string) { hits = append(hits, point) }}
	p, err := Parse(" grant-claimed = record , reuse-revoked=record", actions)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Armed(), []string{GrantClaimed, ReuseRevoked}; !slices.Equal(got, want) {
		t.Errorf("Armed() = %v, want %v", got, want)
	}
	for _, name := range Names() {
		p.Hit(name)
	}
	if want := []string{GrantClaimed, ReuseRevoked}; !slices.Equal(hits, want) {
		t.Errorf("hits %v, want %v: only the armed points act", hits, want)
	}
}

func TestNilArmsNothing(t *testing.T) {
	for _, spec := range []string{"", "  "} {
		p, err := Parse(spec, nil)
		if err != nil || p != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, nil", spec, p, err)
		}
	}
	var p *Points
	p.Hit(GrantClaimed) // must not panic
	if p.Armed() != nil {
		t.Error("a nil *Points lists armed points")
	}
}

func TestParseRejects(t *testing.T) {
	actions := map[string]Action{ActionKill: func(string) {}}
	for spec, want := range map[string]string{
		"grant-claimed":                         "want point=action",
		"grant-claimd=kill":                     "unknown point",
		"grant-claimed=panic":                   "unknown action",
		"grant-claimed=kill,grant-claimed=kill": "armed twice",
		"=kill":                                 "want point=action",
		"grant-claimed=kill,":                   "want point=action",
	} {
		p, err := Parse(spec, actions)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), EnvVar) {
			t.Errorf("Parse(%q) = %v, %v; want an error naming %s and saying %q", spec, p, err, EnvVar, want)
		}
	}
}
