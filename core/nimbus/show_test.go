package nimbus

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

// How the harness prints what nimbuses do: one line per effect, with znode
// data and client replies decoded, so that a script reads as what was
// written and said rather than as truncated JSON.

// showReq prints a request as its String does, except that data written
// under /topologies and /assignments is decoded into braces.
func (h *harness) showReq(req core.Request) string {
	switch r := req.(type) {
	case core.Multi:
		parts := make([]string, len(r.Ops))
		for i, op := range r.Ops {
			parts[i] = h.showReq(op)
		}
		return "multi[" + strings.Join(parts, "; ") + "]"
	case core.Create:
		if s, ok := h.showData(r.Path, r.Data); ok {
			return fmt.Sprintf("create %s %s %s", r.Path, r.Mode, s)
		}
	case core.SetData:
		if s, ok := h.showData(r.Path, r.Data); ok {
			return fmt.Sprintf("set %s v=%d %s", r.Path, r.Version, s)
		}
	}
	return req.String()
}

// showData decodes a record, an assignment or a supervisor's registration;
// ok is false for other paths
// and for data that does not decode (printed raw).
func (h *harness) showData(path string, data []byte) (string, bool) {
	switch {
	case strings.HasPrefix(path, h.layout.Topologies()+"/"):
		rec, err := protocol.DecodeTopology(data)
		if err != nil {
			return "", false
		}
		return showRecord(rec), true
	case strings.HasPrefix(path, h.layout.Supervisors()+"/"):
		s, err := protocol.DecodeSupervisor(data)
		if err != nil {
			return "", false
		}
		return fmt.Sprintf("{%s host=%s slots=%v cpu=%d mem=%d}", s.ID, s.Host, s.Slots, s.Capacity.CPU, s.Capacity.MemoryMB), true
	case strings.HasPrefix(path, h.layout.Assignments()+"/"):
		a, err := protocol.DecodeAssignment(data)
		if err != nil {
			return "", false
		}
		return showAssignment(a), true
	}
	return "", false
}

// showRecord prints a topology record: name, status, the spec's workers
// and parallelism, and the pending action.
func showRecord(rec protocol.TopologyRecord) string {
	s := rec.Name + " " + rec.Status
	if spec, err := topology.Decode(rec.Spec); err == nil {
		s += " " + showSpec(spec)
	} else {
		s += " spec-error"
	}
	if p := rec.Pending; p != nil {
		s += fmt.Sprintf(" pending=%s/%s", p.Kind, p.Wait)
		if p.Workers > 0 {
			s += fmt.Sprintf(" workers=%d", p.Workers)
		}
		for _, k := range sortedKeys(p.Parallelism) {
			s += fmt.Sprintf(" %s=%d", k, p.Parallelism[k])
		}
		if p.Previous != "" {
			s += " previous=" + p.Previous
		}
	}
	return "{" + s + "}"
}

// showSpec prints a spec's worker count and each component's parallelism.
func showSpec(spec *topology.Topology) string {
	s := fmt.Sprintf("workers=%d", spec.Config.Workers)
	for _, list := range [][]topology.Component{spec.Spouts, spec.Bolts} {
		for _, c := range list {
			s += fmt.Sprintf(" %s=%d", c.Name, c.Parallelism)
		}
	}
	return s
}

// showAssignment prints an assignment: epoch, its status unless ACTIVE,
// then each worker's slot and tasks.
func showAssignment(a protocol.Assignment) string {
	s := fmt.Sprintf("e%d", a.Epoch)
	if a.Status != protocol.StatusActive {
		s += fmt.Sprintf(" status=%q", a.Status)
	}
	for _, w := range a.Workers {
		s += fmt.Sprintf(" %s:%d%v", w.Supervisor, w.Port, w.Tasks)
	}
	return "{" + s + "}"
}

// showReply prints a reply's code, a listing's children, and a failed
// multi's per-operation codes.
func showReply(r core.Reply) string {
	s := r.Code.String()
	if r.Children != nil {
		s += " children=[" + strings.Join(r.Children, ",") + "]"
	}
	if r.Code != core.CodeOK && len(r.Multi) > 0 {
		codes := make([]string, len(r.Multi))
		for i, m := range r.Multi {
			codes[i] = m.Code.String()
		}
		s += " ops=[" + strings.Join(codes, "; ") + "]"
	}
	return s
}

// showSend prints a ClientReply decoded; anything else as its String.
func showSend(e core.Send) string {
	msg, err := protocol.DecodeMessage(e.Payload)
	reply, ok := msg.(protocol.ClientReply)
	if err != nil || !ok {
		return e.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "reply to=%s id=%d", e.To, reply.ID)
	if reply.OK {
		b.WriteString(" ok")
	}
	if reply.NotLeader {
		fmt.Fprintf(&b, " not-leader leader=%q", reply.Leader)
	}
	if reply.Error != "" {
		fmt.Fprintf(&b, " error=%q", reply.Error)
	}
	for _, t := range reply.Topologies {
		b.WriteString(" " + showSummary(t))
	}
	return b.String()
}

func showSummary(t protocol.TopologySummary) string {
	s := fmt.Sprintf("[%s %s workers=%d tasks=%d epoch=%d", t.ID, t.Status, t.Workers, t.Tasks, t.Epoch)
	if t.Name != string(t.ID) {
		s += " name=" + t.Name
	}
	if t.Reason != "" {
		s += fmt.Sprintf(" reason=%q", t.Reason)
	}
	return s + "]"
}

// showZK lists the topology records, assignments and supervisors in
// ZooKeeper, decoded where they decode.
func (h *harness) showZK() []string {
	var out []string
	for _, dir := range []string{h.layout.Topologies(), h.layout.Assignments(), h.layout.Supervisors()} {
		for _, name := range h.zk.ChildrenOf(dir) {
			path := dir + "/" + name
			data, stat, _ := h.zk.Lookup(path)
			s, ok := h.showData(path, data)
			if !ok {
				s = fmt.Sprintf("%q", data)
				if len(data) > 40 {
					s = fmt.Sprintf("%q+%d", data[:40], len(data)-40)
				}
			}
			out = append(out, fmt.Sprintf("%s v=%d %s", path, stat.Version, s))
		}
	}
	return out
}

// nonZero prints a struct's non-zero fields, each after a space.
func nonZero(v any) string {
	rv := reflect.ValueOf(v)
	var b strings.Builder
	for i := 0; i < rv.NumField(); i++ {
		if !rv.Field(i).IsZero() {
			fmt.Fprintf(&b, " %s=%v", rv.Type().Field(i).Name, rv.Field(i))
		}
	}
	return b.String()
}

// stateOf prints a nimbus's view of the cluster, as the leader keeps it.
func stateOf(p *peer) []string {
	m := p.m
	out := []string{fmt.Sprintf("%s: %s dirty=%t next-monitor=%s leader-since=%s supervisors=%v",
		p.id, roleOf(p), m.dirty, m.nextMonitor, m.leaderSince, sortedSupervisors(m.supervisors))}
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		line := fmt.Sprintf("  %s %s v=%d", id, t.rec.Status, t.version)
		if t.assign != nil {
			line += fmt.Sprintf(" assign=%s v=%d", showAssignment(*t.assign), t.assignVer)
		}
		if t.deadline != 0 {
			line += " deadline=" + t.deadline.String()
		}
		if t.writing {
			line += " writing"
		}
		if t.reason != "" {
			line += fmt.Sprintf(" reason=%q", t.reason)
		}
		out = append(out, line)
		for _, s := range sortedSlots(t.assignedAt) {
			seen := "never"
			if at, ok := m.seen[s]; ok {
				seen = at.String()
			}
			out = append(out, fmt.Sprintf("    %s:%d assigned=%s seen=%s", s.sup, s.port, t.assignedAt[s], seen))
		}
	}
	return out
}

func sortedSlots(mp map[slot]core.Time) []slot {
	out := make([]slot, 0, len(mp))
	for s := range mp {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b slot) int {
		if a.sup != b.sup {
			return strings.Compare(string(a.sup), string(b.sup))
		}
		return int(a.port) - int(b.port)
	})
	return out
}
