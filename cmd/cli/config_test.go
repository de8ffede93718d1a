package cli

import (
	"slices"
	"strings"
	"testing"
)

func TestConfigDefaultsValidate(t *testing.T) {
	c := defaultConfig()
	if err := c.validate(); err != nil {
		t.Fatalf("defaults: got %v, want valid", err)
	}
	if got := c.list("supervisor.slots.ports"); !slices.Equal(got, []string{"6700", "6701", "6702", "6703"}) {
		t.Fatalf("default slots: got %v, want 6700..6703", got)
	}
}

func TestConfigFileAndOverrides(t *testing.T) {
	c := defaultConfig()
	file := `# a squall.yaml
zookeeper.servers:
  - zk1:2181
  - zk2:2181
nimbus.seeds: [10.0.0.1:6627, 10.0.0.2:6627]
nimbus.priority: 3
supervisor.slots.ports: "7000,7001"
`
	if err := c.loadYAML("squall.yaml", []byte(file)); err != nil {
		t.Fatalf("load: got %v, want nil", err)
	}
	if err := c.override("nimbus.priority=5"); err != nil {
		t.Fatalf("override: got %v, want nil", err)
	}
	if err := c.validate(); err != nil {
		t.Fatalf("validate: got %v, want nil", err)
	}
	tests := []struct {
		key  string
		want []string
	}{
		{"zookeeper.servers", []string{"zk1:2181", "zk2:2181"}},
		{"nimbus.seeds", []string{"10.0.0.1:6627", "10.0.0.2:6627"}},
		{"nimbus.priority", []string{"5"}},
		{"supervisor.slots.ports", []string{"7000", "7001"}},
		{"zookeeper.root", []string{"/squall"}},
	}
	for _, tt := range tests {
		if got := c.list(tt.key); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, file, override, want string
	}{
		{"unknown key with its line", "nimbus.port: 1\nnimbus.prot: 2\n", "", `line 2: unknown key "nimbus.prot"`},
		{"list for a scalar key", "nimbus.port: [1, 2]\n", "", "line 1: nimbus.port: want a scalar"},
		{"not a mapping", "- a\n- b\n", "", "want a mapping"},
		{"bad integer", "nimbus.port: six\n", "", `nimbus.port = "six"`},
		{"bad duration", "zookeeper.session.timeout: 4\n", "", "want a positive duration"},
		{"bad port in a list", "supervisor.slots.ports: [6700, x]\n", "", `"x" is not a port`},
		{"no slots", "", "supervisor.slots.ports=", "supervisor.slots.ports (-c): 0 ports, want 1 to 64"},
		{"slot twice", "supervisor.slots.ports: [6700, 6701, 6700]\n", "", "port 6700 is listed twice"},
		{"no seeds", "nimbus.seeds: \"\"\n", "", "nimbus.seeds (f.yaml:1) is empty"},
		{"no seeds override", "", "nimbus.seeds= , ", "nimbus.seeds (-c) is empty"},
		{"seed without port", "", "nimbus.seeds=10.0.0.1", `"10.0.0.1" is not host:port`},
		{"bad override", "", "nimbus.port", "want key=value"},
		{"unknown data plane", "worker.lanes: thread\n", "", `worker.lanes = "thread": want task or single`},
		{"metrics.public not a bool", "metrics.public: yes\n", "", `metrics.public = "yes" (f.yaml:1): want true or false`},
		{"unknown override", "", "nope=1", `unknown key "nope"`},
		{"syntax error", "a: [1, 2\n", "", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultConfig()
			err := c.loadYAML("f.yaml", []byte(tt.file))
			if err == nil && tt.override != "" {
				err = c.override(tt.override)
			}
			if err == nil {
				err = c.validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestReferenceListsEveryKey(t *testing.T) {
	ref := reference()
	for _, s := range settings {
		if !strings.Contains(ref, s.key) {
			t.Errorf("reference: got no %s, want every key", s.key)
		}
	}
}
