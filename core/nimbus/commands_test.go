package nimbus

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

// The script commands. <n> is a nimbus id, <s> a supervisor id; options are
// key=value; durations are Go's ("10s"); "+" in a text argument stands for
// a space.
//
//	start <n>[:<priority>] ... [launch=20s] [monitor=1s]   nimbuses, connected together
//	expire <n> [silent]       its session expires; silent: it hears nothing yet
//	notify <n>                deliver the session events held back by silent
//	crash <n>                 its process stops; its session expires
//	lose <n> <text>           its next request containing text is applied, the reply lost
//	drop <n> <text>           its next request containing text is lost before the server
//	hold <n> <text>           a request containing text, and all after it, wait...
//	release <n>               ...until release
//	reconnect <n>             Disconnected then Connected on the same session
//	sup <s> [slots=6700,6701] [cpu=400] [mem=4096] [host=<s>-host]
//	sup-raw <s> <data>        a supervisor znode holding data as is
//	sup-expire <s>            its session expires: its znode goes
//	beat <s> every=<d> [dead=<port>,...] | beat <s> off
//	hb <n> <s> <topology>:<port>[:dead] ...   one SupervisorHeartbeat
//	recv <n> <payload>        a raw message
//	submit <n> <name> [workers=2] [spout=2] [bolt=2] [timeout=30s] [cpu=10] [mem=128]
//	submit-raw <n> <spec JSON>
//	kill|activate|deactivate|status <n> <name> [wait=<d>|default]
//	rebalance <n> <name> [wait=<d>|default] [workers=<k>] [<component>=<parallelism>]
//	list <n>
//	run <d>                   tick every 100ms for d
//	zk                        the records, assignments and supervisors in ZooKeeper
//	zk-put <path> <data>      write a znode by hand
//	zk-delete <path>          delete a znode by hand
//	stats <n>                 role and non-zero counters
//	state <n>                 the leader's view: supervisors, topologies, slots
//	verbose on|off            show the election's own requests too
//	logs on|off               show the nimbuses' Log effects (their decisions)
func (h *harness) exec(line string) []string {
	h.t.Helper()
	f := strings.Fields(line)
	cmd, args := f[0], f[1:]
	opts := options(args)
	switch cmd {
	case "start":
		h.execStart(args, opts)
	case "expire":
		h.expire(h.peer(args[0]), len(args) > 1 && args[1] == "silent")
	case "notify":
		h.notify(h.peer(args[0]))
	case "crash":
		h.crash(h.peer(args[0]))
	case "lose":
		p := h.peer(args[0])
		p.lose = append(p.lose, text(args[1:]))
	case "drop":
		p := h.peer(args[0])
		p.drop = append(p.drop, text(args[1:]))
	case "hold":
		h.peer(args[0]).hold = text(args[1:])
	case "release":
		h.peer(args[0]).hold = ""
		h.settle()
	case "reconnect":
		p := h.peer(args[0])
		p.inbox = append(p.inbox, core.SessionChanged{State: core.Disconnected, Session: p.session},
			core.SessionChanged{State: core.Connected, Session: p.session})
		h.settle()
	case "sup":
		h.register(core.SupervisorID(args[0]), protocol.Encode(supervisorInfo(h, args[0], opts)))
	case "sup-raw":
		h.register(core.SupervisorID(args[0]), []byte(strings.Join(args[1:], " ")))
	case "sup-expire":
		h.unregister(core.SupervisorID(args[0]))
	case "beat":
		h.execBeat(args, opts)
	case "hb":
		h.execHeartbeat(args)
	case "recv":
		p := h.peer(args[0])
		p.inbox = append(p.inbox, core.Recv{From: harnessClient, Payload: []byte(strings.Join(args[1:], " "))})
		h.settle()
	case "submit", "submit-raw", "kill", "activate", "deactivate", "status", "rebalance", "list":
		h.request(h.peer(args[0]), h.clientRequest(cmd, args, opts))
	case "run":
		h.run(h.duration(args[0]))
	case "zk":
		return h.showZK()
	case "zk-put":
		h.plant(args[0], []byte(strings.Join(args[1:], " ")))
		h.settle()
	case "zk-delete":
		if r := h.zk.Apply(h.admin, h.now, core.Delete{Path: args[0], Version: core.AnyVersion}); r.Code != core.CodeOK {
			h.t.Fatalf("zk-delete %s: %s", args[0], r.Code)
		}
		h.route()
		h.settle()
	case "stats":
		p := h.peer(args[0])
		h.emit("%s: %s stats%s", p.id, roleOf(p), nonZero(p.m.Stats()))
	case "state":
		return stateOf(h.peer(args[0]))
	case "verbose":
		h.verbose = args[0] == "on"
	case "logs":
		h.logs = args[0] == "on"
	default:
		h.t.Fatalf("unknown command %q", line)
	}
	return h.take()
}

// execStart starts nimbuses "id[:priority]" (priority 1 by default) and
// connects them together, so that they enroll in the same round trips.
func (h *harness) execStart(args []string, opts opts) {
	var cfgs []Config
	for _, a := range args {
		if strings.Contains(a, "=") {
			continue
		}
		id, prio, _ := strings.Cut(a, ":")
		cfg := Config{ID: core.NodeID(id), Priority: 1, LaunchGrace: opts.duration(h, "launch", 0),
			MonitorPeriod: opts.duration(h, "monitor", 0)}
		if prio != "" {
			cfg.Priority = h.atoi(prio)
		}
		cfgs = append(cfgs, cfg)
	}
	h.start(cfgs...)
}

func (h *harness) execBeat(args []string, opts opts) {
	s := h.sups[core.SupervisorID(args[0])]
	if s == nil {
		h.t.Fatalf("beat: no supervisor %q", args[0])
	}
	if len(args) > 1 && args[1] == "off" {
		s.every = 0
		return
	}
	s.every, s.nextBeat, s.dead = opts.duration(h, "every", 0), h.now, nil
	if s.every <= 0 {
		h.t.Fatalf("beat %s: every=<duration> wanted", args[0])
	}
	for _, p := range opts.list("dead") {
		s.dead = append(s.dead, core.Port(h.atoi(p)))
	}
}

// hb <n> <s> <topology>:<port>[:dead] ...
func (h *harness) execHeartbeat(args []string) {
	hb := protocol.SupervisorHeartbeat{Supervisor: core.SupervisorID(args[1]), Workers: []protocol.WorkerStatus{}}
	for _, w := range args[2:] {
		parts := strings.Split(w, ":")
		hb.Workers = append(hb.Workers, protocol.WorkerStatus{Topology: core.TopologyID(parts[0]),
			Port: core.Port(h.atoi(parts[1])), Alive: len(parts) < 3 || parts[2] != "dead"})
	}
	h.send(h.peer(args[0]), core.NodeID(args[1]), hb)
}

func (h *harness) clientRequest(cmd string, args []string, opts opts) protocol.ClientRequest {
	req := protocol.ClientRequest{Op: cmd}
	switch cmd {
	case "list":
		return req
	case "submit-raw":
		req.Op, req.Spec = protocol.OpSubmit, json.RawMessage(strings.Join(args[1:], " "))
		return req
	case "submit":
		req.Spec = specJSON(h, args[1], opts)
		return req
	}
	req.Topology = args[1]
	if opts["wait"] == "default" {
		req.DefaultWait = true // the topology's message timeout
	} else {
		req.Wait = opts.duration(h, "wait", 0)
	}
	if cmd == protocol.OpRebalance {
		req.Workers = opts.int(h, "workers", 0)
		for k, v := range opts {
			if k != "wait" && k != "workers" {
				if req.Parallelism == nil {
					req.Parallelism = map[string]int{}
				}
				req.Parallelism[k] = h.atoi(v)
			}
		}
	}
	return req
}

// specJSON builds a topology with the Builder: spout "src", bolt "sink"
// reading it, with the options' parallelism, workers, worker timeout,
// message timeout (msgtimeout) and per-task resources.
func specJSON(h *harness, name string, opts opts) []byte {
	h.t.Helper()
	cfg := topology.DefaultConfig()
	cfg.Workers = opts.int(h, "workers", 2)
	cfg.WorkerTimeout = opts.duration(h, "timeout", 30*time.Second)
	cfg.MessageTimeout = opts.duration(h, "msgtimeout", cfg.MessageTimeout)
	res := topology.Resources{CPU: core.CPUPercent(opts.int(h, "cpu", 10)), MemoryMB: core.MemoryMB(opts.int(h, "mem", 128))}
	b := topology.NewBuilder(name).SetConfig(cfg)
	b.Spout("src", "test.Source", opts.int(h, "spout", 2)).Resources(res).Output("default", "v")
	b.Bolt("sink", "test.Sink", opts.int(h, "bolt", 2)).Resources(res).ShuffleGrouping("src")
	spec, err := b.Build()
	if err != nil {
		h.t.Fatalf("spec %s: %v", name, err)
	}
	data, err := topology.Encode(spec)
	if err != nil {
		h.t.Fatalf("spec %s: %v", name, err)
	}
	return data
}

func supervisorInfo(h *harness, id string, opts opts) protocol.SupervisorInfo {
	info := protocol.SupervisorInfo{ID: core.SupervisorID(id), Host: opts.str("host", id+"-host"),
		Address: core.NodeID(id), Capacity: protocol.Resources{
			CPU: core.CPUPercent(opts.int(h, "cpu", 400)), MemoryMB: core.MemoryMB(opts.int(h, "mem", 4096))}}
	for _, p := range opts.list("slots") {
		info.Slots = append(info.Slots, core.Port(h.atoi(p)))
	}
	if info.Slots == nil {
		info.Slots = []core.Port{6700, 6701}
	}
	return info
}

// opts are a command's key=value arguments.
type opts map[string]string

func options(args []string) opts {
	o := opts{}
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			o[k] = v
		}
	}
	return o
}

func (o opts) str(key, def string) string {
	if v, ok := o[key]; ok {
		return v
	}
	return def
}

func (o opts) int(h *harness, key string, def int) int {
	if v, ok := o[key]; ok {
		return h.atoi(v)
	}
	return def
}

func (o opts) duration(h *harness, key string, def time.Duration) time.Duration {
	if v, ok := o[key]; ok {
		return h.duration(v)
	}
	return def
}

func (o opts) list(key string) []string {
	if v, ok := o[key]; ok && v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

func text(args []string) string { return strings.ReplaceAll(strings.Join(args, " "), "+", " ") }

func (h *harness) atoi(s string) int {
	h.t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		h.t.Fatalf("bad number %q: %v", s, err)
	}
	return n
}

func (h *harness) duration(s string) time.Duration {
	h.t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		h.t.Fatalf("bad duration %q: %v", s, err)
	}
	return d
}
