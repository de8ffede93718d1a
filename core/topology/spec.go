package topology

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/squall/squall/core"
)

// SpecVersion is the version of the JSON spec this package writes and reads.
const SpecVersion = 1

// SpecBytesMax bounds an encoded spec. The spec travels inside the topology's
// ZooKeeper record, whose data is bounded by core.DataBytesMax; half of it is
// left for the record's other fields.
const SpecBytesMax = core.DataBytesMax / 2

var (
	// ErrSpec marks a spec that is not well-formed: malformed or truncated
	// JSON, a value of the wrong type, an unknown field, a bad duration.
	ErrSpec = errors.New("topology: bad spec")
	// ErrVersion marks a spec of a version this build cannot read.
	ErrVersion = errors.New("topology: unsupported spec version")
)

// The wire form, version 1. Fields are declared in the order of their JSON
// keys, so every object is written with sorted keys; maps are sorted by
// encoding/json. Pointers tell an absent field, which takes the builder's
// default, from an explicit zero, which is validated: a hand-written spec may
// leave out what it does not change, while Encode writes every field.
type specTopology struct {
	Bolts   []specComponent `json:"bolts"`
	Config  *specConfig     `json:"config"`
	Name    string          `json:"name"`
	Spouts  []specComponent `json:"spouts"`
	Version int             `json:"version"`
}

type specComponent struct {
	Config      map[string]string   `json:"config,omitempty"`
	Inputs      []specInput         `json:"inputs,omitempty"`
	Name        string              `json:"name"`
	Outputs     map[string][]string `json:"outputs,omitempty"`
	Parallelism *int                `json:"parallelism"` // default 1, as Storm's
	Resources   *specResources      `json:"resources"`
	Tasks       *int                `json:"tasks"` // default parallelism
	Type        string              `json:"type"`
}

type specInput struct {
	Component string   `json:"component"`
	Custom    string   `json:"custom,omitempty"`
	Fields    []string `json:"fields,omitempty"`
	Grouping  string   `json:"grouping"`
	Stream    *string  `json:"stream"` // default "default"
}

type specResources struct {
	CPU         *core.CPUPercent  `json:"cpu"`
	DiskMB      *core.DiskMB      `json:"disk_mb"`
	MemoryMB    *core.MemoryMB    `json:"memory_mb"`
	NetworkMbps *core.NetworkMbps `json:"network_mbps"`
}

type specConfig struct {
	Ackers          *int                `json:"ackers"`
	Isolated        *bool               `json:"isolated"`
	MaxSpoutPending *int                `json:"max_spout_pending"`
	MessageTimeout  *string             `json:"message_timeout"` // a Go duration, "30s"
	Pin             map[string][]string `json:"pin,omitempty"`
	Priority        *int                `json:"priority"`
	StatsSampleRate *float64            `json:"stats_sample_rate"`
	TickInterval    *string             `json:"tick_interval"`
	WorkerTimeout   *string             `json:"worker_timeout"`
	Workers         *int                `json:"workers"`
}

// Encode returns t's versioned JSON spec. t must be valid (the error is then
// a *ValidationError) and its spec at most SpecBytesMax. The bytes are
// deterministic: topologies equal in canonical form encode identically.
func Encode(t *Topology) ([]byte, error) {
	if err := Validate(t); err != nil {
		return nil, err
	}
	data, err := json.Marshal(encodeTopology(canonical(t)))
	core.Assert(err == nil, "topology: encoding plain data: %v", err)
	if len(data) > SpecBytesMax {
		v := &validator{}
		v.add("spec", ErrLimit, "encodes to %d bytes, over the limit of %d", len(data), SpecBytesMax)
		return nil, v.err(t.Name)
	}
	return data, nil
}

func encodeTopology(t *Topology) specTopology {
	c := t.Config
	return specTopology{
		Bolts: encodeComponents(t.Bolts),
		Config: &specConfig{
			Ackers:          &c.Ackers,
			Isolated:        &c.Isolated,
			MaxSpoutPending: &c.MaxSpoutPending,
			MessageTimeout:  durationString(c.MessageTimeout),
			Pin:             c.Pin,
			Priority:        &c.Priority,
			StatsSampleRate: &c.StatsSampleRate,
			TickInterval:    durationString(c.TickInterval),
			WorkerTimeout:   durationString(c.WorkerTimeout),
			Workers:         &c.Workers,
		},
		Name:    t.Name,
		Spouts:  encodeComponents(t.Spouts),
		Version: SpecVersion,
	}
}

func encodeComponents(list []Component) []specComponent {
	out := make([]specComponent, len(list)) // never nil: written as [], not null
	for i, c := range list {
		r := c.Resources
		out[i] = specComponent{
			Config:      c.Config,
			Name:        c.Name,
			Parallelism: &c.Parallelism,
			Resources:   &specResources{CPU: &r.CPU, DiskMB: &r.DiskMB, MemoryMB: &r.MemoryMB, NetworkMbps: &r.NetworkMbps},
			Tasks:       &c.Tasks,
			Type:        c.Type,
		}
		if len(c.Outputs) > 0 {
			out[i].Outputs = make(map[string][]string, len(c.Outputs))
			for stream, fields := range c.Outputs {
				out[i].Outputs[stream] = append([]string{}, fields...) // [] rather than null
			}
		}
		for _, in := range c.Inputs {
			out[i].Inputs = append(out[i].Inputs, specInput{
				Component: in.Component,
				Custom:    in.Grouping.Custom,
				Fields:    in.Grouping.Fields,
				Grouping:  string(in.Grouping.Kind),
				Stream:    &in.Stream,
			})
		}
	}
	return out
}

func durationString(d time.Duration) *string {
	s := d.String()
	return &s
}

// Decode reads a versioned JSON spec and returns the topology, validated and
// canonical. Errors wrap ErrSpec or ErrVersion, with the line, column and
// byte offset where encoding/json reports one, or are a *ValidationError.
// Decode never panics, whatever data holds.
func Decode(data []byte) (*Topology, error) {
	if len(data) > SpecBytesMax {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrSpec, len(data), SpecBytesMax)
	}
	// A lax first pass: it rejects malformed, truncated or trailing data and
	// finds the version before the strict decode of that version's shape.
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, specJSONError(data, err)
	}
	switch {
	case probe.Version == nil:
		return nil, fmt.Errorf("%w: no version", ErrSpec)
	case *probe.Version != SpecVersion:
		return nil, fmt.Errorf("%w %d (this build reads version %d)", ErrVersion, *probe.Version, SpecVersion)
	}
	var s specTopology
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, specJSONError(data, err)
	}
	t, err := decodeTopology(s)
	if err != nil {
		return nil, err
	}
	t = canonical(t)
	if err := Validate(t); err != nil {
		return nil, err
	}
	return t, nil
}

func decodeTopology(s specTopology) (*Topology, error) {
	t := &Topology{Name: s.Name, Config: DefaultConfig()}
	if c := s.Config; c != nil {
		cfg := &t.Config
		cfg.Ackers = valueOr(c.Ackers, cfg.Ackers)
		cfg.Isolated = valueOr(c.Isolated, cfg.Isolated)
		cfg.MaxSpoutPending = valueOr(c.MaxSpoutPending, cfg.MaxSpoutPending)
		cfg.Pin = c.Pin
		cfg.Priority = valueOr(c.Priority, cfg.Priority)
		cfg.StatsSampleRate = valueOr(c.StatsSampleRate, cfg.StatsSampleRate)
		cfg.Workers = valueOr(c.Workers, cfg.Workers)
		for _, d := range []struct {
			key string
			in  *string
			out *time.Duration
		}{
			{"message_timeout", c.MessageTimeout, &cfg.MessageTimeout},
			{"tick_interval", c.TickInterval, &cfg.TickInterval},
			{"worker_timeout", c.WorkerTimeout, &cfg.WorkerTimeout},
		} {
			if d.in == nil {
				continue
			}
			v, err := time.ParseDuration(*d.in)
			if err != nil {
				return nil, fmt.Errorf("%w: config.%s: %q is not a duration such as \"30s\"", ErrSpec, d.key, *d.in)
			}
			*d.out = v
		}
	}
	t.Spouts = decodeComponents(s.Spouts)
	t.Bolts = decodeComponents(s.Bolts)
	return t, nil
}

func decodeComponents(list []specComponent) []Component {
	var out []Component
	for _, s := range list {
		c := Component{
			Name:        s.Name,
			Type:        s.Type,
			Parallelism: valueOr(s.Parallelism, 1),
			Outputs:     s.Outputs,
			Resources:   DefaultResources(),
			Config:      s.Config,
		}
		c.Tasks = valueOr(s.Tasks, c.Parallelism)
		if r := s.Resources; r != nil {
			c.Resources.CPU = valueOr(r.CPU, c.Resources.CPU)
			c.Resources.MemoryMB = valueOr(r.MemoryMB, c.Resources.MemoryMB)
			c.Resources.NetworkMbps = valueOr(r.NetworkMbps, c.Resources.NetworkMbps)
			c.Resources.DiskMB = valueOr(r.DiskMB, c.Resources.DiskMB)
		}
		for _, in := range s.Inputs {
			c.Inputs = append(c.Inputs, Input{
				Component: in.Component,
				Stream:    valueOr(in.Stream, DefaultStream),
				Grouping:  Grouping{Kind: GroupingKind(in.Grouping), Fields: in.Fields, Custom: in.Custom},
			})
		}
		out = append(out, c)
	}
	return out
}

func valueOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// specJSONError turns an encoding/json error into an ErrSpec error that says
// where the problem is when encoding/json knows.
func specJSONError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: %s: malformed or truncated JSON: %s", ErrSpec, specLocation(data, syntax.Offset), syntax.Error())
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Errorf("%w: %s: the spec must be a JSON object, got %s", ErrSpec, specLocation(data, typ.Offset), typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("%w: %s: %s: got %s, want %s", ErrSpec, specLocation(data, typ.Offset), typ.Field, typ.Value, jsonKind(typ.Type))
	}
	// Unknown fields: encoding/json gives the name but not the place.
	return fmt.Errorf("%w: %s", ErrSpec, strings.TrimPrefix(err.Error(), "json: "))
}

// specLocation names the last byte encoding/json read before it failed,
// having read offset bytes: the offending character of a syntax error, the
// end of a value of the wrong type. Line and column count from 1, the byte
// offset from 0.
func specLocation(data []byte, offset int64) string {
	at := int(min(max(offset-1, 0), int64(len(data))))
	before := data[:at]
	line := bytes.Count(before, []byte("\n")) + 1
	column := at - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d (byte %d)", line, column, at)
}

// jsonKind says what JSON value a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another value"
}
