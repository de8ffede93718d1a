package topology

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// mustComponent returns the named component of t, for mutation.
func mustComponent(tb testing.TB, t *Topology, name string) *Component {
	tb.Helper()
	c, ok := t.Component(name)
	if !ok {
		tb.Fatalf("no component %q", name)
	}
	return c
}

func TestValidate(t *testing.T) {
	type validateCase struct {
		name   string
		mutate func(tb testing.TB, t *Topology)
		path   string // of the problem wanted; "" means the topology is valid
		err    error
		detail string // the problem's detail must contain it
		count  int    // problems in all
	}
	count := func(tb testing.TB, t *Topology) *Component { return mustComponent(tb, t, "count") }
	split := func(tb testing.TB, t *Topology) *Component { return mustComponent(tb, t, "split") }
	cases := []validateCase{
		{"valid as built", func(testing.TB, *Topology) {}, "", nil, "", 0},
		{"valid: no acking", func(_ testing.TB, t *Topology) { t.Config.Ackers = 0 }, "", nil, "", 0},
		{"valid: explicit ackers", func(_ testing.TB, t *Topology) { t.Config.Ackers = 7 }, "", nil, "", 0},
		{"valid: self loop", func(tb testing.TB, t *Topology) {
			count(tb, t).Inputs = append(count(tb, t).Inputs, Input{"count", "default", Grouping{Kind: GroupShuffle}})
		}, "", nil, "", 0},
		{"valid: zero resources", func(tb testing.TB, t *Topology) { count(tb, t).Resources = Resources{} }, "", nil, "", 0},

		{"empty name", func(_ testing.TB, t *Topology) { t.Name = "" }, "name", ErrName, `name "" must be 1-128`, 1},
		{"name with space", func(_ testing.TB, t *Topology) { t.Name = "word count" }, "name", ErrName, `"word count"`, 1},
		{"name with slash", func(_ testing.TB, t *Topology) { t.Name = "a/b" }, "name", ErrName, `"a/b"`, 1},
		{"name too long", func(_ testing.TB, t *Topology) { t.Name = strings.Repeat("n", NameBytesMax+1) }, "name", ErrName, "must be 1-128", 1},
		{"duplicate bolt", func(tb testing.TB, t *Topology) { t.Bolts = append(t.Bolts, *split(tb, t)) },
			"bolts.split", ErrDuplicate, `component name "split" is already used by bolts.split`, 1},
		{"bolt named as spout", func(tb testing.TB, t *Topology) {
			c := *count(tb, t)
			c.Name = "sentences"
			t.Bolts = append(t.Bolts, c)
		}, "bolts.sentences", ErrDuplicate, "already used by spouts.sentences", 1},
		{"reserved component name", func(tb testing.TB, t *Topology) { count(tb, t).Name = "__count" },
			"bolts.__count", ErrReserved, `names starting with "__" are reserved`, 1},
		{"acker name", func(tb testing.TB, t *Topology) { count(tb, t).Name = AckerComponent },
			"bolts.__acker", ErrReserved, "reserved for system components", 1},
		{"component name with dot", func(tb testing.TB, t *Topology) { count(tb, t).Name = "co.unt" },
			`bolts."co.unt"`, ErrName, `component name "co.unt"`, 1},
		{"no type", func(tb testing.TB, t *Topology) { count(tb, t).Type = "" }, "bolts.count.type", ErrName, "registered name", 1},
		{"type with space", func(tb testing.TB, t *Topology) { count(tb, t).Type = "a b" }, "bolts.count.type", ErrName, `"a b"`, 1},
		{"unknown source component", func(tb testing.TB, t *Topology) { count(tb, t).Inputs[0].Component = "splt" },
			"bolts.count.inputs.splt/default", ErrUnknownComponent, `subscribes to unknown component "splt"`, 1},
		{"unknown stream", func(tb testing.TB, t *Topology) { count(tb, t).Inputs[0].Stream = "words" },
			"bolts.count.inputs.split/words", ErrUnknownStream, `stream "words", which "split" does not declare (it declares [default])`, 1},
		{"unknown stream, source declares none", func(tb testing.TB, t *Topology) { split(tb, t).Outputs = nil },
			"bolts.count.inputs.split/default", ErrUnknownStream, "(it declares none)", 1},
		{"fields grouping on undeclared field", func(tb testing.TB, t *Topology) { count(tb, t).Inputs[0].Grouping.Fields = []string{"wrd"} },
			"bolts.count.inputs.split/default", ErrUnknownField, `fields grouping on field "wrd", which stream "default" of "split" does not declare (it declares [word])`, 1},
		{"partial key grouping on undeclared field", func(tb testing.TB, t *Topology) {
			count(tb, t).Inputs[0].Grouping = Grouping{Kind: GroupPartialKey, Fields: []string{"word", "n"}}
		}, "bolts.count.inputs.split/default", ErrUnknownField, `partial_key grouping on field "n"`, 1},
		{"fields grouping without fields", func(tb testing.TB, t *Topology) { count(tb, t).Inputs[0].Grouping.Fields = nil },
			"bolts.count.inputs.split/default", ErrGrouping, "fields grouping needs at least one field", 1},
		{"grouping field twice", func(tb testing.TB, t *Topology) { count(tb, t).Inputs[0].Grouping.Fields = []string{"word", "word"} },
			"bolts.count.inputs.split/default", ErrDuplicate, `field "word" listed twice`, 1},
		{"unknown grouping", func(tb testing.TB, t *Topology) { count(tb, t).Inputs[0].Grouping = Grouping{Kind: "random"} },
			"bolts.count.inputs.split/default", ErrGrouping, `unknown grouping "random" (want one of shuffle, fields, partial_key,`, 1},
		{"shuffle with fields", func(tb testing.TB, t *Topology) { split(tb, t).Inputs[0].Grouping.Fields = []string{"sentence"} },
			"bolts.split.inputs.sentences/default", ErrGrouping, "shuffle grouping takes no fields, got [sentence]", 1},
		{"custom without name", func(tb testing.TB, t *Topology) { split(tb, t).Inputs[0].Grouping = Grouping{Kind: GroupCustom} },
			"bolts.split.inputs.sentences/default", ErrGrouping, "custom grouping needs the registered name", 1},
		{"custom name on shuffle", func(tb testing.TB, t *Topology) { split(tb, t).Inputs[0].Grouping.Custom = "x.Y" },
			"bolts.split.inputs.sentences/default", ErrGrouping, `shuffle grouping takes no custom name, got "x.Y"`, 1},
		{"duplicate input", func(tb testing.TB, t *Topology) {
			split(tb, t).Inputs = append(split(tb, t).Inputs, Input{"sentences", "default", Grouping{Kind: GroupAll}})
		}, "bolts.split.inputs.sentences/default", ErrDuplicate, `subscribes to stream "default" of "sentences" twice`, 1},
		{"zero parallelism", func(tb testing.TB, t *Topology) { count(tb, t).Parallelism = 0 },
			"bolts.count.parallelism", ErrParallelism, "parallelism 0, must be at least 1", 1},
		{"negative parallelism", func(tb testing.TB, t *Topology) { count(tb, t).Parallelism = -3 },
			"bolts.count.parallelism", ErrParallelism, "parallelism -3", 1},
		{"tasks fewer than parallelism", func(tb testing.TB, t *Topology) { split(tb, t).Tasks = 2 },
			"bolts.split.tasks", ErrParallelism, "tasks 2 fewer than parallelism 4", 1},
		{"negative cpu", func(tb testing.TB, t *Topology) { count(tb, t).Resources.CPU = -1 },
			"bolts.count.resources.cpu", ErrResources, "cpu -1 is negative", 1},
		{"negative disk", func(tb testing.TB, t *Topology) { count(tb, t).Resources.DiskMB = -5 },
			"bolts.count.resources.disk_mb", ErrResources, "disk_mb -5 is negative", 1},
		{"memory over limit", func(tb testing.TB, t *Topology) { count(tb, t).Resources.MemoryMB = ResourceMax + 1 },
			"bolts.count.resources.memory_mb", ErrResources, "over the limit", 1},
		{"spout with inputs", func(t testing.TB, topo *Topology) {
			s := mustComponent(t, topo, "sentences")
			s.Inputs = []Input{{"split", "default", Grouping{Kind: GroupShuffle}}}
		}, "spouts.sentences.inputs", ErrSpoutInput, "a spout cannot subscribe to streams, but it has 1 inputs", 1},
		{"no spout", func(_ testing.TB, t *Topology) { t.Spouts = nil }, "spouts", ErrNoSpout, "at least one spout", 2},
		{"reserved stream", func(tb testing.TB, t *Topology) { split(tb, t).Outputs["__tick"] = nil },
			"bolts.split.outputs.__tick", ErrReserved, "reserved for system streams", 1},
		{"stream name with dot", func(tb testing.TB, t *Topology) { split(tb, t).Outputs["a.b"] = nil },
			`bolts.split.outputs."a.b"`, ErrName, `stream name "a.b"`, 1},
		{"output field twice", func(tb testing.TB, t *Topology) { count(tb, t).Outputs["default"] = []string{"n", "n"} },
			"bolts.count.outputs.default", ErrDuplicate, `field "n" listed twice`, 1},
		{"output field empty", func(tb testing.TB, t *Topology) { count(tb, t).Outputs["default"] = []string{""} },
			"bolts.count.outputs.default", ErrName, `field name ""`, 1},
		{"config key with space", func(tb testing.TB, t *Topology) { count(tb, t).Config = map[string]string{"a key": "v"} },
			`bolts.count.config."a key"`, ErrName, "config key", 1},
		{"config value not UTF-8", func(tb testing.TB, t *Topology) { count(tb, t).Config = map[string]string{"k": "\xff"} },
			`bolts.count.config."k"`, ErrConfig, "not valid UTF-8", 1},
		{"config value too long", func(tb testing.TB, t *Topology) {
			count(tb, t).Config = map[string]string{"k": strings.Repeat("v", valueBytesMax+1)}
		}, `bolts.count.config."k"`, ErrLimit, "over the limit of 4096", 1},

		{"zero workers", func(_ testing.TB, t *Topology) { t.Config.Workers = 0 }, "config.workers", ErrConfig, "workers 0, must be at least 1", 1},
		{"workers over limit", func(_ testing.TB, t *Topology) { t.Config.Workers = WorkersMax + 1 }, "config.workers", ErrLimit, "over the limit", 1},
		{"ackers -2", func(_ testing.TB, t *Topology) { t.Config.Ackers = -2 }, "config.ackers", ErrConfig, "ackers -2: want -1 (one per worker), 0 (no acking)", 1},
		{"zero message timeout", func(_ testing.TB, t *Topology) { t.Config.MessageTimeout = 0 },
			"config.message_timeout", ErrConfig, "message_timeout 0s, must be positive", 1},
		{"negative tick interval", func(_ testing.TB, t *Topology) { t.Config.TickInterval = -time.Second },
			"config.tick_interval", ErrConfig, "tick_interval -1s is negative", 1},
		{"worker timeout over limit", func(_ testing.TB, t *Topology) { t.Config.WorkerTimeout = 25 * time.Hour },
			"config.worker_timeout", ErrLimit, "over the limit of 24h0m0s", 1},
		{"negative max spout pending", func(_ testing.TB, t *Topology) { t.Config.MaxSpoutPending = -1 },
			"config.max_spout_pending", ErrConfig, "(0 means unbounded)", 1},
		{"sample rate over 1", func(_ testing.TB, t *Topology) { t.Config.StatsSampleRate = 1.5 },
			"config.stats_sample_rate", ErrConfig, "1.5, must be within [0, 1]", 1},
		{"sample rate NaN", func(_ testing.TB, t *Topology) { t.Config.StatsSampleRate = math.NaN() },
			"config.stats_sample_rate", ErrConfig, "NaN", 1},
		{"negative priority", func(_ testing.TB, t *Topology) { t.Config.Priority = -1 }, "config.priority", ErrConfig, "priority -1", 1},
		{"pin unknown component", func(_ testing.TB, t *Topology) { t.Config.Pin = map[string][]string{"cnt": {"h"}} },
			"config.pin.cnt", ErrUnknownComponent, `pins unknown component "cnt"`, 1},
		{"pin acker", func(_ testing.TB, t *Topology) { t.Config.Pin = map[string][]string{AckerComponent: {"h"}} },
			"config.pin.__acker", ErrUnknownComponent, "pins unknown component", 1},
		{"pin no hosts", func(_ testing.TB, t *Topology) { t.Config.Pin = map[string][]string{"count": nil} },
			"config.pin.count", ErrConfig, "pins no hosts", 1},
		{"pin host twice", func(_ testing.TB, t *Topology) { t.Config.Pin = map[string][]string{"count": {"h", "h"}} },
			"config.pin.count", ErrDuplicate, `host "h" listed twice`, 1},
		{"pin bad host", func(_ testing.TB, t *Topology) { t.Config.Pin = map[string][]string{"count": {"a b"}} },
			"config.pin.count", ErrName, `host "a b"`, 1},

		{"too many tasks", func(tb testing.TB, t *Topology) { count(tb, t).Tasks = TasksMax },
			"tasks", ErrLimit, "100007 tasks in all, acker tasks included", 1},
		{"component tasks over limit", func(tb testing.TB, t *Topology) { count(tb, t).Tasks = math.MaxInt },
			"bolts.count.tasks", ErrLimit, "over the limit", 2},
		{"too many components", func(tb testing.TB, t *Topology) {
			for range ComponentsMax {
				t.Bolts = append(t.Bolts, Component{Name: "b", Type: "x.B", Parallelism: 1, Tasks: 1})
			}
		}, "components", ErrLimit, "1003 components, over the limit of 1000", problemsMax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			topo := wordcount(t)
			c.mutate(t, topo)
			err := Validate(topo)
			if c.path == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if !errors.Is(err, ErrInvalid) || !errors.Is(err, c.err) {
				t.Errorf("got %v, want it to match ErrInvalid and %v", err, c.err)
			}
			if len(verr.Problems) != c.count {
				t.Errorf("got %d problems %q, want %d", len(verr.Problems), verr.Problems, c.count)
			}
			if !hasProblem(verr, c.path, c.err, c.detail) {
				t.Errorf("got %q, want a problem at %s matching %v with %q", verr.Problems, c.path, c.err, c.detail)
			}
			if !strings.HasPrefix(err.Error(), `topology: invalid topology "`) {
				t.Errorf("got %q, want the topology: prefix", err)
			}
		})
	}
}

func hasProblem(verr *ValidationError, path string, sentinel error, detail string) bool {
	for _, p := range verr.Problems {
		if p.Path == path && errors.Is(p, sentinel) && strings.Contains(p.Detail, detail) {
			return true
		}
	}
	return false
}

func TestValidateCapacity(t *testing.T) {
	type capacityCase struct {
		name     string
		ackers   int
		capacity Resources
		want     []string // "path: detail"
	}
	cases := []capacityCase{
		{"fits", -1, Resources{CPU: 400, MemoryMB: 4096, NetworkMbps: 1000, DiskMB: 1000}, nil},
		{"exactly fits", -1, Resources{CPU: 50, MemoryMB: 256}, nil},
		{"cpu short for count", -1, Resources{CPU: 40, MemoryMB: 4096}, []string{
			"bolts.count.resources: one task needs more than the largest supervisor offers: cpu 50 > 40",
		}},
		{"memory short for all", -1, Resources{CPU: 400, MemoryMB: 32}, []string{
			"spouts.sentences.resources: one task needs more than the largest supervisor offers: memory_mb 128 > 32",
			"bolts.count.resources: one task needs more than the largest supervisor offers: memory_mb 256 > 32",
			"bolts.split.resources: one task needs more than the largest supervisor offers: memory_mb 128 > 32",
			"__acker.resources: one task needs more than the largest supervisor offers: memory_mb 64 > 32",
		}},
		{"no ackers, no acker problem", 0, Resources{CPU: 9, MemoryMB: 4096}, []string{
			"spouts.sentences.resources: one task needs more than the largest supervisor offers: cpu 10 > 9",
			"bolts.count.resources: one task needs more than the largest supervisor offers: cpu 50 > 9",
			"bolts.split.resources: one task needs more than the largest supervisor offers: cpu 10 > 9",
		}},
		{"two dimensions", 0, Resources{CPU: 10, MemoryMB: 128}, []string{
			"bolts.count.resources: one task needs more than the largest supervisor offers: cpu 50 > 10, memory_mb 256 > 128",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			topo := wordcount(t)
			topo.Config.Ackers = c.ackers
			err := ValidateCapacity(topo, c.capacity)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) || !errors.Is(err, ErrCapacity) {
				t.Fatalf("got %v, want a *ValidationError matching ErrCapacity", err)
			}
			var got []string
			for _, p := range verr.Problems {
				got = append(got, p.Error())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(c.want, "\n\t"))
			}
		})
	}
}

func TestValidNames(t *testing.T) {
	for _, c := range []struct {
		name string
		want bool
	}{
		{"a", true}, {"word-count_2", true}, {"A-Z", true}, {strings.Repeat("x", NameBytesMax), true},
		{"", false}, {strings.Repeat("x", NameBytesMax+1), false}, {"a b", false}, {"a.b", false},
		{"a/b", false}, {"a:b", false}, {"é", false}, {"a\x00", false},
	} {
		if got := validName(c.name); got != c.want {
			t.Errorf("validName(%q): got %v, want %v", c.name, got, c.want)
		}
	}
}
