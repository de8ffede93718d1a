package topology

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Validate checks everything about t that does not depend on the cluster.
// The error, if any, is a *ValidationError.
func Validate(t *Topology) error {
	if t == nil {
		return &ValidationError{Problems: []Problem{{Path: "topology", Err: ErrInvalid, Detail: "nil topology"}}}
	}
	v := &validator{}
	if !validName(t.Name) {
		v.add("name", ErrName, "%s", nameRule(t.Name))
	}
	byName := v.checkComponents(t)
	for _, b := range t.Bolts {
		v.checkInputs(componentPath("bolts", b.Name), b, byName)
	}
	v.checkConfig(t.Config, byName)
	v.checkTotals(t)
	return v.err(t.Name)
}

// ValidateCapacity reports every component one of whose tasks could not fit
// on even the largest supervisor, whose capacity is maxCapacity.
func ValidateCapacity(t *Topology, maxCapacity Resources) error {
	v := &validator{}
	check := func(path string, r Resources) {
		if over := r.over(maxCapacity); len(over) > 0 {
			v.add(path, ErrCapacity, "one task needs more than the largest supervisor offers: %s", strings.Join(over, ", "))
		}
	}
	for _, c := range t.Spouts {
		check(componentPath("spouts", c.Name)+".resources", c.Resources)
	}
	for _, c := range t.Bolts {
		check(componentPath("bolts", c.Name)+".resources", c.Resources)
	}
	if t.Config.AckerTasks() > 0 {
		check(AckerComponent+".resources", AckerResources())
	}
	return v.err(t.Name)
}

// checkComponents checks each component on its own and the set of names, and
// returns the components by name (the first of duplicates).
func (v *validator) checkComponents(t *Topology) map[string]*Component {
	if n := len(t.Spouts) + len(t.Bolts); n > ComponentsMax {
		v.add("components", ErrLimit, "%d components, over the limit of %d", n, ComponentsMax)
	}
	if len(t.Spouts) == 0 {
		v.add("spouts", ErrNoSpout, "a topology needs at least one spout")
	}
	byName := map[string]*Component{}
	seen := map[string]string{} // name -> path of its first use
	for _, kind := range []string{"spouts", "bolts"} {
		list := t.Spouts
		if kind == "bolts" {
			list = t.Bolts
		}
		for i := range list {
			c := &list[i]
			path := componentPath(kind, c.Name)
			if first, dup := seen[c.Name]; dup {
				v.add(path, ErrDuplicate, "component name %q is already used by %s", c.Name, first)
			} else {
				seen[c.Name] = path
				byName[c.Name] = c
			}
			v.checkComponent(path, c, kind == "spouts")
		}
	}
	return byName
}

func (v *validator) checkComponent(path string, c *Component, spout bool) {
	switch {
	case strings.HasPrefix(c.Name, SystemPrefix):
		v.add(path, ErrReserved, "component name %q: names starting with %q are reserved for system components", c.Name, SystemPrefix)
	case !validName(c.Name):
		v.add(path, ErrName, "component %s", nameRule(c.Name))
	}
	if !validToken(c.Type, tokenBytesMax) {
		v.add(path+".type", ErrName, "type %q must be the registered name of an implementation (1-%d printable characters, no spaces)", c.Type, tokenBytesMax)
	}
	switch {
	case c.Parallelism < 1:
		v.add(path+".parallelism", ErrParallelism, "parallelism %d, must be at least 1", c.Parallelism)
	case c.Parallelism > TasksMax:
		v.add(path+".parallelism", ErrLimit, "parallelism %d, over the limit of %d", c.Parallelism, TasksMax)
	}
	switch {
	case c.Tasks < c.Parallelism:
		v.add(path+".tasks", ErrParallelism, "tasks %d fewer than parallelism %d: every executor needs a task", c.Tasks, c.Parallelism)
	case c.Tasks > TasksMax:
		v.add(path+".tasks", ErrLimit, "tasks %d, over the limit of %d", c.Tasks, TasksMax)
	}
	for _, d := range c.Resources.dims() {
		switch {
		case d.v < 0:
			v.add(path+".resources."+d.name, ErrResources, "%s %d is negative", d.name, d.v)
		case d.v > ResourceMax:
			v.add(path+".resources."+d.name, ErrResources, "%s %d, over the limit of %d", d.name, d.v, int64(ResourceMax))
		}
	}
	v.checkOutputs(path, c.Outputs)
	v.checkComponentConfig(path, c.Config)
	if spout && len(c.Inputs) > 0 {
		v.add(path+".inputs", ErrSpoutInput, "a spout cannot subscribe to streams, but it has %d inputs", len(c.Inputs))
	}
	if len(c.Inputs) > inputsMax {
		v.add(path+".inputs", ErrLimit, "%d inputs, over the limit of %d", len(c.Inputs), inputsMax)
	}
}

func (v *validator) checkOutputs(path string, outputs map[string][]string) {
	if len(outputs) > streamsMax {
		v.add(path+".outputs", ErrLimit, "%d streams, over the limit of %d", len(outputs), streamsMax)
	}
	for _, stream := range sortedKeys(outputs) {
		spath := path + ".outputs." + segment(stream)
		switch {
		case strings.HasPrefix(stream, SystemPrefix):
			v.add(spath, ErrReserved, "stream name %q: names starting with %q are reserved for system streams", stream, SystemPrefix)
		case !validName(stream):
			v.add(spath, ErrName, "stream %s", nameRule(stream))
		}
		v.checkFieldList(spath, outputs[stream])
	}
}

// checkFieldList checks a stream's declared fields or a grouping's fields.
func (v *validator) checkFieldList(path string, fields []string) {
	if len(fields) > fieldsMax {
		v.add(path, ErrLimit, "%d fields, over the limit of %d", len(fields), fieldsMax)
		return
	}
	for i, f := range fields {
		switch {
		case !validName(f):
			v.add(path, ErrName, "field %s", nameRule(f))
		case slices.Contains(fields[:i], f):
			v.add(path, ErrDuplicate, "field %q listed twice", f)
		}
	}
}

func (v *validator) checkComponentConfig(path string, config map[string]string) {
	if len(config) > configMax {
		v.add(path+".config", ErrLimit, "%d entries, over the limit of %d", len(config), configMax)
	}
	for _, k := range sortedKeys(config) {
		kpath := path + ".config." + strconv.Quote(k)
		value := config[k]
		switch {
		case !validToken(k, tokenBytesMax):
			v.add(kpath, ErrName, "config key must be 1-%d printable characters, no spaces", tokenBytesMax)
		case len(value) > valueBytesMax:
			v.add(kpath, ErrLimit, "value of %d bytes, over the limit of %d", len(value), valueBytesMax)
		case !utf8.ValidString(value):
			v.add(kpath, ErrConfig, "value is not valid UTF-8")
		}
	}
}

// checkInputs checks a bolt's subscriptions against the components they name.
func (v *validator) checkInputs(path string, b Component, byName map[string]*Component) {
	type source struct{ component, stream string }
	seen := map[source]bool{}
	for _, in := range b.Inputs {
		ipath := path + ".inputs." + segment(in.Component) + "/" + segment(in.Stream)
		if seen[source{in.Component, in.Stream}] {
			v.add(ipath, ErrDuplicate, "subscribes to stream %q of %q twice", in.Stream, in.Component)
			continue
		}
		seen[source{in.Component, in.Stream}] = true
		src, ok := byName[in.Component]
		if !ok {
			v.add(ipath, ErrUnknownComponent, "subscribes to unknown component %q", in.Component)
			v.checkGrouping(ipath, in, nil, false)
			continue
		}
		fields, declared := src.Outputs[in.Stream]
		if !declared {
			v.add(ipath, ErrUnknownStream, "subscribes to stream %q, which %q does not declare (it declares %s)",
				in.Stream, in.Component, listOrNone(sortedKeys(src.Outputs)))
		}
		v.checkGrouping(ipath, in, fields, declared)
	}
}

// checkGrouping checks in's grouping; declared says whether the source stream
// exists, in which case fields are its declared fields.
func (v *validator) checkGrouping(path string, in Input, fields []string, declared bool) {
	g := in.Grouping
	switch g.Kind {
	case GroupFields, GroupPartialKey:
		if len(g.Fields) == 0 {
			v.add(path, ErrGrouping, "%s grouping needs at least one field", g.Kind)
		}
		v.checkFieldList(path, g.Fields)
		for _, f := range g.Fields {
			if declared && !slices.Contains(fields, f) {
				v.add(path, ErrUnknownField, "%s grouping on field %q, which stream %q of %q does not declare (it declares %s)",
					g.Kind, f, in.Stream, in.Component, listOrNone(fields))
			}
		}
	case GroupCustom:
		if !validToken(g.Custom, tokenBytesMax) {
			v.add(path, ErrGrouping, "custom grouping needs the registered name of its implementation, got %q", g.Custom)
		}
	case GroupShuffle, GroupAll, GroupGlobal, GroupNone, GroupDirect, GroupLocalOrShuffle, GroupLocalFirst:
	default:
		kinds := make([]string, len(groupingKinds))
		for i, k := range groupingKinds {
			kinds[i] = string(k)
		}
		v.add(path, ErrGrouping, "unknown grouping %q (want one of %s)", g.Kind, strings.Join(kinds, ", "))
		return
	}
	if len(g.Fields) > 0 && g.Kind != GroupFields && g.Kind != GroupPartialKey {
		v.add(path, ErrGrouping, "%s grouping takes no fields, got %s", g.Kind, listOrNone(g.Fields))
	}
	if g.Custom != "" && g.Kind != GroupCustom {
		v.add(path, ErrGrouping, "%s grouping takes no custom name, got %q", g.Kind, g.Custom)
	}
}

func (v *validator) checkConfig(c Config, byName map[string]*Component) {
	v.checkRange("config.workers", int64(c.Workers), 1, WorkersMax, "")
	if c.Ackers < AckersPerWorker {
		v.add("config.ackers", ErrConfig, "ackers %d: want -1 (one per worker), 0 (no acking) or a count", c.Ackers)
	} else {
		v.checkRange("config.ackers", int64(c.Ackers), AckersPerWorker, TasksMax, "")
	}
	v.checkDuration("config.message_timeout", c.MessageTimeout, 1)
	v.checkRange("config.max_spout_pending", int64(c.MaxSpoutPending), 0, SpoutPendingMax, " (0 means unbounded)")
	v.checkDuration("config.tick_interval", c.TickInterval, 0)
	v.checkDuration("config.worker_timeout", c.WorkerTimeout, 1)
	if !(c.StatsSampleRate >= 0 && c.StatsSampleRate <= 1) {
		v.add("config.stats_sample_rate", ErrConfig, "stats sample rate %v, must be within [0, 1]", c.StatsSampleRate)
	}
	v.checkRange("config.priority", int64(c.Priority), 0, PriorityMax, " (0 is the highest)")
	for _, name := range sortedKeys(c.Pin) {
		path := "config.pin." + segment(name)
		if _, ok := byName[name]; !ok {
			v.add(path, ErrUnknownComponent, "pins unknown component %q", name)
		}
		hosts := c.Pin[name]
		switch {
		case len(hosts) == 0:
			v.add(path, ErrConfig, "pins no hosts")
		case len(hosts) > pinnedHostsMax:
			v.add(path, ErrLimit, "%d hosts, over the limit of %d", len(hosts), pinnedHostsMax)
			continue
		}
		for i, h := range hosts {
			switch {
			case !validToken(h, hostBytesMax):
				v.add(path, ErrName, "host %q must be 1-%d printable characters, no spaces", h, hostBytesMax)
			case slices.Contains(hosts[:i], h):
				v.add(path, ErrDuplicate, "host %q listed twice", h)
			}
		}
	}
}

// checkRange checks lo <= n <= hi: below is a config error, above a limit.
func (v *validator) checkRange(path string, n, lo, hi int64, note string) {
	name := path[strings.LastIndexByte(path, '.')+1:]
	switch {
	case n < lo:
		v.add(path, ErrConfig, "%s %d, must be at least %d%s", name, n, lo, note)
	case n > hi:
		v.add(path, ErrLimit, "%s %d, over the limit of %d", name, n, hi)
	}
}

func (v *validator) checkDuration(path string, d, lo time.Duration) {
	name := path[strings.LastIndexByte(path, '.')+1:]
	switch {
	case d < lo && lo > 0:
		v.add(path, ErrConfig, "%s %v, must be positive", name, d)
	case d < lo:
		v.add(path, ErrConfig, "%s %v is negative", name, d)
	case d > TimeoutMax:
		v.add(path, ErrLimit, "%s %v, over the limit of %v", name, d, TimeoutMax)
	}
}

// checkTotals bounds the task table every worker holds.
func (v *validator) checkTotals(t *Topology) {
	total := 0
	for _, list := range [][]Component{t.Spouts, t.Bolts} {
		for _, c := range list {
			total += min(max(c.Tasks, 0), TasksMax+1) // clamped, so the sum cannot overflow
		}
	}
	total += min(max(t.Config.AckerTasks(), 0), TasksMax+1)
	if total > TasksMax {
		v.add("tasks", ErrLimit, "%d tasks in all, acker tasks included, over the limit of %d", total, TasksMax)
	}
}

// validName reports whether s is a valid topology, component, stream or field
// name: 1 to NameBytesMax ASCII letters, digits, '_' or '-'. Names end up in
// ZooKeeper paths, metric names and error paths, so no separators.
func validName(s string) bool {
	if len(s) == 0 || len(s) > NameBytesMax {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func nameRule(s string) string {
	return fmt.Sprintf("name %q must be 1-%d ASCII letters, digits, '_' or '-'", s, NameBytesMax)
}

// validToken reports whether s is 1 to limit printable ASCII characters other
// than space: type names, custom grouping names, config keys, host names.
func validToken(s string, limit int) bool {
	if len(s) == 0 || len(s) > limit {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// segment is name as one element of a problem path: bare when it is a valid
// name (which holds no '.' or '/'), quoted otherwise.
func segment(name string) string {
	if validName(name) {
		return name
	}
	return strconv.Quote(name)
}

func componentPath(kind, name string) string { return kind + "." + segment(name) }

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return "[" + strings.Join(items, " ") + "]"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
