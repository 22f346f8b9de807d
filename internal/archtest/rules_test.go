package archtest

import (
	"fmt"
	"sort"
	"strings"
)

// Module is the module path the rules are written against.
const Module = "github.com/signet-auth/signet"

// Package is one package of the graph as go list reports it.
type Package struct {
	ImportPath string
	Standard   bool
	Deps       []string // every package it imports, directly or not
	Dir        string
	GoFiles    []string
}

// Rule forbids the packages From (module-relative; "" is the root) to
// import, directly or not, any package under one of Forbid
// (module-relative prefixes: "web" matches web and web/...), or, with
// StdOnly, anything outside the standard library.
type Rule struct {
	From    []string
	Forbid  []string
	StdOnly bool
	Why     string
}

// Rules are the arrows the project keeps.
var Rules = []Rule{
	{From: []string{""}, StdOnly: true,
		Why: "the root holds the domain and store interfaces and imports only the standard library"},
	{From: []string{"sqlite", "postgres", "internal/storecore", "storetest"}, Forbid: []string{"api", "web", "awscreds", "authserver"},
		Why: "the stores implement the root's interfaces and know nothing of the surfaces, awscreds or the engine"},
	{From: []string{"ratelimit"}, Forbid: []string{"web", "httpserver"},
		Why: "the JSON APIs use the limiter without pulling in the HTML pages; the surfaces adapt to the limiter"},
	{From: []string{"sigv4"}, Forbid: []string{"api"},
		Why: "SigV4 verification knows no wire dialect; each surface renders its failures"},
	{From: []string{"api/oauth2"}, Forbid: []string{"keyring"},
		Why: "the surface declares the Signer it consumes"},
	{From: []string{"api/ssoportal", "api/signin"}, Forbid: []string{"iamrole"},
		Why: "the surfaces do not know whether an assignment's credentials are local or a real IAM role's"},
	{From: []string{"iamrole"}, Forbid: []string{"api", "web", "keyring", "authserver"},
		Why: "the credential source knows no wire dialect and declares the TokenSigner it consumes"},
	{From: []string{"internal/testsupport"}, Forbid: []string{"api", "web", "authserver", "awscreds", "broker", "iamrole", "keyring",
		"ratelimit", "sigv4", "sqlite", "postgres", "storetest", "internal/testenv", "internal/signintest"},
		Why: "the shared test doubles import only what none of their users is, so that no test import cycles"},
	{From: []string{"cmd/signet"}, Forbid: []string{"signettest", "internal/testenv"},
		Why: "the test servers (with their fast password hashing and package testing) stay out of the binary"},
}

// Check returns one line per forbidden import in graph (keyed by import
// path), and one per package a rule names that graph lacks.
func Check(graph map[string]Package, rules []Rule) []string {
	var out []string
	for _, r := range rules {
		for _, from := range r.From {
			path := full(from)
			p, ok := graph[path]
			if !ok {
				out = append(out, fmt.Sprintf("%s: not in the package graph", path))
				continue
			}
			for _, d := range p.Deps {
				if bad(graph, d, r) {
					out = append(out, fmt.Sprintf("%s imports %s: %s", path, d, r.Why))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func bad(graph map[string]Package, dep string, r Rule) bool {
	if r.StdOnly {
		p, ok := graph[dep]
		return !ok || !p.Standard
	}
	for _, f := range r.Forbid {
		if prefix := full(f); dep == prefix || strings.HasPrefix(dep, prefix+"/") {
			return true
		}
	}
	return false
}

func full(rel string) string {
	if rel == "" {
		return Module
	}
	return Module + "/" + rel
}
