package topology

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/squall/squall/core"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json golden specs")

// TestEncodeGolden pins the spec's bytes: a change here changes what every
// stored topology record holds, so it must be deliberate (-update).
func TestEncodeGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		topo *Topology
	}{{"wordcount", wordcount(t)}, {"everything", everything(t)}} {
		name, topo := c.name, c.topo
		t.Run(name, func(t *testing.T) {
			data, err := Encode(topo)
			if err != nil {
				t.Fatal(err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, data, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("got\n%s\nwant\n%s", pretty.Bytes(), want)
			}
			// The golden file is indented; it decodes to the same topology.
			back, err := Decode(want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, topo) {
				t.Errorf("decoded golden: got %+v, want %+v", back, topo)
			}
		})
	}
}

func TestEncodeSortedKeys(t *testing.T) {
	data, err := Encode(everything(t))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	objects := 0
	// walk reads one JSON value and checks the keys of every object in it.
	var walk func(path string)
	walk = func(path string) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch tok {
		case json.Delim('{'):
			objects++
			var keys []string
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				keys = append(keys, key.(string))
				walk(path + "." + key.(string))
			}
			if !slices.IsSorted(keys) {
				t.Errorf("%s: got keys %q, want them sorted", path, keys)
			}
			_, _ = dec.Token() // '}'
		case json.Delim('['):
			for dec.More() {
				walk(path + "[]")
			}
			_, _ = dec.Token() // ']'
		}
	}
	walk("spec")
	if objects < 20 {
		t.Errorf("walked %d objects, want the spec's many: the walk is broken", objects)
	}
}

func TestRoundTrip(t *testing.T) {
	minimal := NewBuilder("m")
	minimal.Spout("s", "x.S", 1)
	single, err := minimal.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		topo *Topology
	}{{"wordcount", wordcount(t)}, {"everything", everything(t)}, {"minimal", single}} {
		topo := c.topo
		t.Run(c.name, func(t *testing.T) {
			data, err := Encode(topo)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, topo) {
				t.Errorf("got  %+v\nwant %+v", back, topo)
			}
			again, err := Encode(back)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Errorf("re-encoded:\ngot  %s\nwant %s", again, data)
			}
		})
	}
}

func TestEncodeDeterministic(t *testing.T) {
	want, err := Encode(everything(t))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 { // maps iterate in a new order each time
		topo := everything(t)
		slices.Reverse(topo.Bolts) // and a non-canonical order encodes the same
		got, err := Encode(topo)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}
}

func TestDecodeDefaults(t *testing.T) {
	spec := `{"version": 1, "name": "wordcount",
	  "spouts": [{"name": "sentences", "type": "examples.SentenceSpout", "parallelism": 2, "outputs": {"default": ["sentence"]}}],
	  "bolts": [
	    {"name": "split", "type": "examples.Split", "parallelism": 4, "outputs": {"default": ["word"]},
	     "inputs": [{"component": "sentences", "grouping": "shuffle"}]},
	    {"name": "count", "type": "examples.Count", "parallelism": 4, "tasks": 8, "resources": {"cpu": 50, "memory_mb": 256},
	     "outputs": {"default": ["word", "count"]},
	     "inputs": [{"component": "split", "stream": "default", "grouping": "fields", "fields": ["word"]}]}]}`
	got, err := Decode([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if want := wordcount(t); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// Parallelism defaults to 1 and a partial config keeps the other defaults.
	got, err = Decode([]byte(`{"version":1,"name":"m","spouts":[{"name":"s","type":"x.S"}],"config":{"workers":3}}`))
	if err != nil {
		t.Fatal(err)
	}
	wantConfig := DefaultConfig()
	wantConfig.Workers = 3
	if s := got.Spouts[0]; s.Parallelism != 1 || s.Tasks != 1 || !reflect.DeepEqual(got.Config, wantConfig) {
		t.Errorf("got %+v, want parallelism 1, tasks 1, config %+v", got, wantConfig)
	}
}

func TestDecodeErrors(t *testing.T) {
	valid, err := Encode(wordcount(t))
	if err != nil {
		t.Fatal(err)
	}
	type decodeCase struct {
		name string
		spec string
		err  error
		want string // the error message must contain it
	}
	cases := []decodeCase{
		{"empty", ``, ErrSpec, "topology: bad spec: line 1, column 1 (byte 0): malformed or truncated JSON: unexpected end of JSON input"},
		{"truncated", string(valid[:40]), ErrSpec, "line 1, column 40 (byte 39): malformed or truncated JSON: unexpected end of JSON input"},
		{"malformed", "{\"version\": 1,\n  \"name\": wordcount}", ErrSpec, "line 2, column 11 (byte 25): malformed or truncated JSON: invalid character 'w'"},
		{"trailing data", `{"version":1} {}`, ErrSpec, "invalid character '{' after top-level value"},
		{"not an object", `[1, 2]`, ErrSpec, "the spec must be a JSON object, got array"},
		{"null", `null`, ErrSpec, "topology: bad spec: no version"},
		{"no version", `{"name": "x"}`, ErrSpec, "no version"},
		{"version 2", `{"version": 2, "name": "x", "future": true}`, ErrVersion, "topology: unsupported spec version 2 (this build reads version 1)"},
		{"version 0", `{"version": 0}`, ErrVersion, "unsupported spec version 0"},
		{"version a string", `{"version": "1"}`, ErrSpec, "line 1, column 15 (byte 14): version: got string, want an integer"},
		{"unknown top-level field", `{"version": 1, "nmae": "x"}`, ErrSpec, `topology: bad spec: unknown field "nmae"`},
		{"unknown component field", `{"version": 1, "spouts": [{"name": "s", "paralelism": 2}]}`, ErrSpec, `unknown field "paralelism"`},
		{"wrong type", `{"version": 1, "spouts": [{"name": "s", "parallelism": "2"}]}`, ErrSpec,
			"line 1, column 58 (byte 57): spouts.parallelism: got string, want an integer"},
		{"fractional count", `{"version": 1, "config": {"workers": 1.5}}`, ErrSpec, "config.workers: got number 1.5, want an integer"},
		{"huge count", `{"version": 1, "config": {"workers": 1e99}}`, ErrSpec, "config.workers: got number 1e99, want an integer"},
		{"bad duration", `{"version": 1, "config": {"message_timeout": "30"}}`, ErrSpec,
			`config.message_timeout: "30" is not a duration such as "30s"`},
		{"duration as number", `{"version": 1, "config": {"tick_interval": 30}}`, ErrSpec, "config.tick_interval: got number, want a string"},
		{"too large", `{"version": 1, "name": "` + strings.Repeat("x", SpecBytesMax) + `"}`, ErrSpec, "over the limit of 524288"},
		{"invalid topology", `{"version": 1, "name": "x"}`, ErrInvalid, `topology: invalid topology "x": spouts: a topology needs at least one spout`},
		{"invalid grouping", strings.Replace(string(valid), `"grouping":"shuffle"`, `"grouping":"shufle"`, 1), ErrGrouping,
			`bolts.split.inputs.sentences/default: unknown grouping "shufle"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			topo, err := Decode([]byte(c.spec))
			if err == nil {
				t.Fatalf("got %+v, want an error", topo)
			}
			if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %q, want an error matching %v containing %q", err, c.err, c.want)
			}
			if topo != nil {
				t.Errorf("got topology %+v with the error, want nil", topo)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	topo := wordcount(t)
	topo.Config.Workers = 0
	if _, err := Encode(topo); !errors.Is(err, ErrConfig) {
		t.Errorf("invalid: got %v, want ErrConfig", err)
	}
	if _, err := Encode(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil: got %v, want ErrInvalid", err)
	}
	big := wordcount(t)
	for i := range 130 { // 130 values of 4 KiB: over SpecBytesMax
		c := Component{Name: fmt.Sprintf("b%d", i), Type: "x.B", Parallelism: 1, Tasks: 1,
			Config: map[string]string{"k": strings.Repeat("v", valueBytesMax)}}
		big.Bolts = append(big.Bolts, c)
	}
	if _, err := Encode(big); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "spec: encodes to") {
		t.Errorf("big: got %v, want ErrLimit on the spec's size", err)
	}
}

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// encodes, decodes back equal and re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, topo := range []*Topology{wordcount(f), everything(f)} {
		data, err := Encode(topo)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, name := range []string{"wordcount.json", "everything.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version":1,"name":"m","spouts":[{"name":"s","type":"x.S"}],"config":{"workers":3,"ackers":0}}`))
	f.Add([]byte(`{"version":1,"name":"m","spouts":[{"name":"s","type":"x.S","outputs":{"default":[]}}],` +
		`"bolts":[{"name":"b","type":"x.B","inputs":[{"component":"s","grouping":"all"}]}]}`))
	f.Add([]byte(`{"version": 2}`))
	f.Add([]byte(`{"version": 1, "spouts": [{"name": "s", "parallelism": "2"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		topo, err := Decode(data)
		if err != nil {
			if topo != nil {
				t.Fatalf("got a topology with error %v", err)
			}
			return
		}
		first, err := Encode(topo)
		if err != nil {
			t.Fatalf("decoded topology does not encode: %v", err)
		}
		back, err := Decode(first)
		if err != nil {
			t.Fatalf("encoded topology does not decode: %v\n%s", err, first)
		}
		if !reflect.DeepEqual(back, topo) {
			t.Fatalf("round trip: got %+v, want %+v", back, topo)
		}
		second, err := Encode(back)
		if err != nil || !bytes.Equal(second, first) {
			t.Fatalf("re-encoded: got %s (%v), want %s", second, err, first)
		}
		if tasks := Tasks(topo); len(tasks) == 0 || tasks[len(tasks)-1].ID != core.TaskID(len(tasks)) {
			t.Fatalf("tasks of a decoded topology: %v", tasks)
		}
		_ = Executors(topo)
	})
}
