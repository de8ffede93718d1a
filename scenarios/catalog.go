package scenarios

import (
	"embed"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/squall/squall/core"
)

// The built-in catalog is written in the scenario file format: one file per
// scenario under catalog/. A file with "engine: go" names a scenario whose
// logic the format cannot express; its Go body is registered under the same
// name with register.
//
//go:embed catalog/*.yaml
var catalogFS embed.FS

var (
	catalogOnce  sync.Once
	catalogSpecs []*Spec
)

// CatalogFiles returns the parsed catalog files, sorted by name. A file
// that does not parse is a programmer error (a test parses them all).
func CatalogFiles() []*Spec {
	catalogOnce.Do(func() {
		entries, err := catalogFS.ReadDir("catalog")
		core.Assert(err == nil, "scenarios: catalog: %v", err)
		for _, ent := range entries {
			name := path.Join("catalog", ent.Name())
			data, err := catalogFS.ReadFile(name)
			core.Assert(err == nil, "scenarios: %s: %v", name, err)
			s, err := ParseFile(name, data)
			core.Assert(err == nil, "%v", err)
			core.Assert(s.Name == strings.TrimSuffix(ent.Name(), ".yaml"), "%s names scenario %s", name, s.Name)
			catalogSpecs = append(catalogSpecs, s)
		}
		slices.SortFunc(catalogSpecs, func(a, b *Spec) int { return strings.Compare(a.Name, b.Name) })
	})
	return catalogSpecs
}

// CatalogFile returns the raw text of a catalog scenario's file.
func CatalogFile(name string) ([]byte, bool) {
	data, err := catalogFS.ReadFile("catalog/" + name + ".yaml")
	return data, err == nil
}

// fromSpec makes a catalog entry of a spec.
func fromSpec(s *Spec) Scenario {
	return Scenario{Name: s.Name, Description: s.Description, Spec: s,
		Run: func(opts Options) Result { return RunSpec(s, opts) }}
}

// merged is the catalog: the files, and Go-registered scenarios without a
// file (a file wins over a Go body of the same name).
func merged() []Scenario {
	var out []Scenario
	seen := map[string]bool{}
	for _, s := range CatalogFiles() {
		out = append(out, fromSpec(s))
		seen[s.Name] = true
	}
	for _, s := range catalog {
		if !seen[s.Name] {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Scenario) int { return strings.Compare(a.Name, b.Name) })
	return out
}
