package supervisor

import (
	"encoding/json"
	"fmt"
	"github.com/squall/squall/sim/script"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
	"github.com/squall/squall/core/protocol"
)

// harness drives one supervisor by hand: every coordination result, process
// event and heartbeat is written in the script.
type harness struct {
	m       *Machine
	now     core.Time
	emitted []opEffect // every effect with an op, for ?-references
}

type opEffect struct {
	op core.OpID
	s  string
}

// opArg parses an op argument: a number, or ?<text> for the latest effect
// with an op whose printed form contains text (+ stands for a space).
func (h *harness) opArg(t *testing.T, arg string) core.OpID {
	text, ok := strings.CutPrefix(arg, "?")
	if !ok {
		return core.OpID(atoi(t, arg))
	}
	text = strings.ReplaceAll(text, "+", " ")
	for i := len(h.emitted) - 1; i >= 0; i-- {
		if strings.Contains(h.emitted[i].s, text) {
			return h.emitted[i].op
		}
	}
	t.Fatalf("no effect with an op matches %q", arg)
	return 0
}

func (h *harness) record(effs []core.Effect) {
	for _, e := range effs {
		switch e := e.(type) {
		case core.Coord:
			h.emitted = append(h.emitted, opEffect{e.Op, e.String()})
		case core.Persist:
			h.emitted = append(h.emitted, opEffect{e.Op, e.String()})
		case core.StartWorker:
			h.emitted = append(h.emitted, opEffect{e.Op, e.String()})
		}
	}
}

// tickPeriod is the tick period the run command delivers ticks at.
const tickPeriod = 100 * time.Millisecond

func TestScripts(t *testing.T) {
	script.Run(t, "*.txt", func(*testing.T) script.Exec { return (&harness{}).exec })
}

func (h *harness) exec(t *testing.T, line string) []string {
	t.Helper()
	f := strings.Fields(line)
	cmd, args := f[0], f[1:]
	if cmd == "new" {
		h.m, h.now, h.emitted = New(testConfig(t, args)), 0, nil
		return nil
	}
	if h.m == nil {
		t.Fatalf("%s: no machine yet (new first)", line)
	}
	switch cmd {
	case "run":
		return h.run(parseDuration(t, args[0]))
	case "state":
		return h.state()
	}
	return h.step(h.event(t, cmd, args, line))
}

func testConfig(t *testing.T, args []string) Config {
	cfg := Config{ID: "s1", Host: "h1", Address: "s1", Slots: []core.Port{6700},
		Capacity: protocol.Resources{CPU: 400, MemoryMB: 8192}}
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "slots":
			cfg.Slots = nil
			for _, p := range strings.Split(v, ",") {
				cfg.Slots = append(cfg.Slots, core.Port(atoi(t, p)))
			}
		default:
			t.Fatalf("new: unknown option %q", a)
		}
	}
	return cfg
}

// event parses one event command.
func (h *harness) event(t *testing.T, cmd string, args []string, line string) core.Event {
	switch cmd {
	case "advance": // time passes, then one tick
		h.now = h.now.Add(parseDuration(t, args[0]))
		return core.Tick{}
	case "tick":
		return core.Tick{}
	case "connected", "disconnected", "expired":
		state := map[string]core.SessionState{"connected": core.Connected,
			"disconnected": core.Disconnected, "expired": core.Expired}[cmd]
		id := h.m.Session()
		if len(args) > 0 {
			n, err := strconv.ParseInt(args[0], 0, 64)
			if err != nil {
				t.Fatal(err)
			}
			id = core.SessionID(n)
		}
		return core.SessionChanged{State: state, Session: id}
	case "result":
		return h.result(t, args, line)
	case "assignment": // assignment <op> <topology>@<epoch>[/<status>] <sup>:<port>:<task>,<task> ...
		topo, epoch, _ := strings.Cut(args[1], "@")
		epoch, status, _ := strings.Cut(epoch, "/")
		a := protocol.Assignment{Topology: core.TopologyID(topo), Epoch: uint64(atoi(t, epoch)), Status: status}
		for _, w := range args[2:] {
			p := strings.Split(w, ":")
			wa := protocol.WorkerAssignment{Supervisor: core.SupervisorID(p[0]), Port: core.Port(atoi(t, p[1]))}
			for _, task := range strings.Split(p[2], ",") {
				wa.Tasks = append(wa.Tasks, core.TaskID(atoi(t, task)))
			}
			a.Workers = append(a.Workers, wa)
		}
		return core.CoordResult{Op: h.opArg(t, args[0]), Reply: core.Reply{Code: core.CodeOK, Data: protocol.Encode(a)}}
	case "leader": // leader <op> <nimbus id>
		data, _ := json.Marshal(election.Member{ID: core.NodeID(args[1]), Address: args[1], Priority: 1})
		return core.CoordResult{Op: h.opArg(t, args[0]), Reply: core.Reply{Code: core.CodeOK, Data: data}}
	case "watch":
		types := map[string]core.WatchType{"created": core.NodeCreated, "deleted": core.NodeDeleted,
			"data": core.NodeDataChanged, "children": core.NodeChildrenChanged}
		return core.WatchFired{Type: types[args[0]], Path: args[1]}
	case "hb": // hb <port> <topology> <epoch> [from=<node>]
		port := core.Port(atoi(t, args[0]))
		from := protocol.WorkerNode("s1", port)
		if len(args) > 3 {
			from = core.NodeID(strings.TrimPrefix(args[3], "from="))
		}
		hb := protocol.WorkerHeartbeat{Topology: core.TopologyID(args[1]), Port: port, Epoch: uint64(atoi(t, args[2]))}
		return core.Recv{From: from, Payload: protocol.EncodeMessage(hb)}
	case "recv": // recv <from> <raw payload>
		return core.Recv{From: core.NodeID(args[0]), Payload: []byte(strings.Join(args[1:], " "))}
	case "persisted": // persisted <op> [err]
		return core.Persisted{Op: h.opArg(t, args[0]), Err: strings.Join(args[1:], " ")}
	case "started": // started <op> <port> [err]
		return core.WorkerStarted{Op: h.opArg(t, args[0]), Port: core.Port(atoi(t, args[1])),
			Err: strings.Join(args[2:], " ")}
	case "exited": // exited <port> <topology> <reason>
		return core.WorkerExited{Port: core.Port(atoi(t, args[0])), Topology: core.TopologyID(args[1]),
			Reason: strings.Join(args[2:], " ")}
	case "restored": // restored <key>=<value> ...
		var ev core.Restored
		for _, a := range args {
			k, v, _ := strings.Cut(a, "=")
			ev.Entries = append(ev.Entries, core.KV{Key: []byte(k), Value: []byte(v)})
		}
		return ev
	}
	t.Fatalf("unknown command %q", line)
	return nil
}

// result <op> <code> [owner=<session>] [v=<version>] [children=a,b] [data=<rest of line>]
func (h *harness) result(t *testing.T, args []string, line string) core.Event {
	codes := map[string]core.Code{}
	for c := core.CodeOK; c <= core.CodeRuntimeInconsistency; c++ {
		codes[c.String()] = c
	}
	code, ok := codes[args[1]]
	if !ok {
		t.Fatalf("%s: unknown code %q", line, args[1])
	}
	r := core.Reply{Code: code}
	for i, a := range args[2:] {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "owner":
			n, err := strconv.ParseInt(v, 0, 64)
			if err != nil {
				t.Fatal(err)
			}
			r.Stat.EphemeralOwner = core.SessionID(n)
		case "v":
			r.Stat.Version = int32(atoi(t, v))
		case "children":
			r.Children = []string{}
			if v != "" {
				r.Children = strings.Split(v, ",")
			}
		case "data":
			r.Data = []byte(strings.TrimPrefix(strings.Join(args[2+i:], " "), "data="))
		}
		if k == "data" {
			break
		}
	}
	return core.CoordResult{Op: h.opArg(t, args[0]), Reply: r}
}

func (h *harness) step(ev core.Event) []string {
	h.m.Step(h.now, ev)
	effs := h.m.Ready()
	h.record(effs)
	return showEffects(effs, "")
}

// run delivers ticks every tickPeriod for d, prefixing effects with their time.
func (h *harness) run(d time.Duration) []string {
	var out []string
	for end := h.now.Add(d); h.now < end; {
		h.now = h.now.Add(tickPeriod)
		h.m.Step(h.now, core.Tick{})
		effs := h.m.Ready()
		h.record(effs)
		out = append(out, showEffects(effs, h.now.String()+" ")...)
	}
	return out
}

func (h *harness) state() []string {
	m := h.m
	out := []string{fmt.Sprintf("now=%s session=%#x registered=%t synced=%t leader=%q",
		h.now, int64(m.session), m.registered, m.synced, m.leader)}
	for _, p := range m.cfg.Slots {
		s := m.slots[p]
		line := fmt.Sprintf("port %d: %s", p, s.state)
		if s.state != slotEmpty && s.state != slotUnknown {
			line += fmt.Sprintf(" %s/e%d", s.topology, s.epoch)
		}
		if s.heartbeated {
			line += " heard=" + s.lastHeartbeat.String()
		}
		if s.failures > 0 {
			line += fmt.Sprintf(" failures=%d not-before=%s", s.failures, s.notBefore)
		}
		if s.recorded {
			line += " recorded"
		}
		if w, ok := m.desired[p]; ok {
			line += fmt.Sprintf(" desired=%s/e%d%v", w.topology, w.epoch, w.tasks)
		}
		out = append(out, line)
	}
	for _, w := range m.Running() {
		out = append(out, fmt.Sprintf("running %+v", w))
	}
	if why := m.LastCorrupt(); why != "" {
		out = append(out, "last-corrupt "+why)
	}
	return append(out, "stats "+nonZero(m.stats))
}

// showEffects prints effects one per line; messages are decoded so that a
// script shows what was said rather than a truncated payload.
func showEffects(effs []core.Effect, prefix string) []string {
	var out []string
	for _, e := range effs {
		s := e.String()
		if send, ok := e.(core.Send); ok {
			msg, err := protocol.DecodeMessage(send.Payload)
			if err != nil {
				s = fmt.Sprintf("send to=%s undecodable %v", send.To, err)
			} else {
				s = fmt.Sprintf("send to=%s %T%+v", send.To, msg, msg)
			}
		}
		out = append(out, prefix+s)
	}
	return out
}

// nonZero prints a struct's non-zero fields.
func nonZero(v any) string {
	rv := reflect.ValueOf(v)
	var parts []string
	for i := 0; i < rv.NumField(); i++ {
		if !rv.Field(i).IsZero() {
			parts = append(parts, fmt.Sprintf("%s=%v", rv.Type().Field(i).Name, rv.Field(i)))
		}
	}
	return strings.Join(parts, " ")
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad number %q: %v", s, err)
	}
	return n
}

func parseDuration(t *testing.T, s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("bad duration %q: %v", s, err)
	}
	return d
}
