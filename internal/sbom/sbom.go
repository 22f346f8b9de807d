package sbom

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"
)

// BOM is the subset of a CycloneDX 1.5 document this package writes.
type BOM struct {
	BOMFormat    string       `json:"bomFormat"`
	SpecVersion  string       `json:"specVersion"`
	SerialNumber string       `json:"serialNumber"`
	Version      int          `json:"version"`
	Metadata     Metadata     `json:"metadata"`
	Components   []Component  `json:"components"`
	Dependencies []Dependency `json:"dependencies"`
}

// Metadata says what the document describes and when it was made.
type Metadata struct {
	Timestamp string    `json:"timestamp"`
	Component Component `json:"component"`
}

// Component is one module (or the standard library).
type Component struct {
	Type       string     `json:"type"`
	BOMRef     string     `json:"bom-ref"`
	Name       string     `json:"name"`
	Version    string     `json:"version"`
	PURL       string     `json:"purl"`
	Properties []Property `json:"properties,omitempty"`
}

// Property is a CycloneDX name/value pair.
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Dependency lists what one component depends on.
type Dependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

// purl is the package URL of a Go module (purl spec, type golang).
func purl(path, version string) string {
	return "pkg:golang/" + path + "@" + version
}

// Build makes the document for binaries of one main module (one
// BuildInfo per binary: several platforms of one release), listing the
// union of their modules. version replaces the main module's recorded
// version when set (builds from a work tree record "(devel)").
func Build(infos []*debug.BuildInfo, version string, at time.Time) (*BOM, error) {
	if len(infos) == 0 {
		return nil, errors.New("sbom: no build information")
	}
	main := infos[0].Main
	if version == "" {
		version = main.Version
	}
	byRef := map[string]Component{}
	for _, bi := range infos {
		if bi.Main.Path != main.Path {
			return nil, fmt.Errorf("sbom: binaries of two modules: %s and %s", main.Path, bi.Main.Path)
		}
		std := Component{Type: "library", Name: "stdlib", Version: bi.GoVersion, PURL: purl("stdlib", bi.GoVersion)}
		std.BOMRef = std.PURL
		byRef[std.BOMRef] = std
		for _, m := range bi.Deps {
			c := module(m)
			byRef[c.BOMRef] = c
		}
	}
	components := make([]Component, 0, len(byRef))
	for _, c := range byRef {
		components = append(components, c)
	}
	slices.SortFunc(components, func(a, b Component) int { return cmp.Compare(a.BOMRef, b.BOMRef) })
	refs := make([]string, len(components))
	for i, c := range components {
		refs[i] = c.BOMRef
	}
	app := Component{Type: "application", Name: main.Path, Version: version, PURL: purl(main.Path, version)}
	app.BOMRef = app.PURL
	b := &BOM{
		BOMFormat: "CycloneDX", SpecVersion: "1.5", Version: 1,
		Metadata:     Metadata{Timestamp: at.UTC().Format(time.RFC3339), Component: app},
		Components:   components,
		Dependencies: []Dependency{{Ref: app.BOMRef, DependsOn: refs}},
	}
	// The serial number is a UUID (version 5 layout) of the content, so
	// the same inputs give the same document.
	content, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	b.SerialNumber = fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	return b, nil
}

// module is the component of one linked module: the module that was
// actually compiled in (the replacement, when there is one), its go.sum
// hash, and the module it replaced.
func module(m *debug.Module) Component {
	used := m
	if m.Replace != nil {
		used = m.Replace
	}
	c := Component{Type: "library", Name: used.Path, Version: used.Version, PURL: purl(used.Path, used.Version)}
	c.BOMRef = c.PURL
	if used.Sum != "" {
		c.Properties = append(c.Properties, Property{Name: "go:sum", Value: used.Sum})
	}
	if m.Replace != nil {
		c.Properties = append(c.Properties, Property{Name: "go:replaces", Value: m.Path + "@" + m.Version})
	}
	return c
}
