package scenarios

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/sim"
)

// Timeline records what a replayed run shows in its picture: per node,
// starts, crashes, pauses, faults and leadership, over virtual time.
type Timeline struct {
	Events []sim.Record
	Leader []sim.Record // sampled: who leads, when it changes
	Assign []sim.Record // sampled: each topology's assignment, when it changes
	assign map[string]string
	End    core.Time
	last   string
	c      *cluster
	sample core.Time // when leadership was last sampled
}

// timelineWhat are the trace kinds a picture shows.
var timelineWhat = map[string]bool{
	"start": true, "crash": true, "pause": true, "resume": true, "clock-rate": true,
	"partition": true, "heal": true, "heal-all": true, "clog": true, "reset": true,
	"outage": true, "expire": true, "session-expired": true, "lost-reply": true,
	"disk-crash": true, "disk-errors": true, "disk-errors-stop": true, "store-open-failed": true,
}

// timelineEventsMax bounds the events a picture keeps.
const timelineEventsMax = 20_000

// Observe is an Options.Observe that records the picture's events.
func (t *Timeline) Observe(r sim.Record) {
	t.End = max(t.End, r.At)
	if t.c != nil && (r.At >= t.sample+core.Time(pollPeriod) || len(t.Leader) == 0) {
		t.sample = r.At
		t.sampleLeader(r.At)
		t.sampleAssignments(r.At)
	}
	if !timelineWhat[r.What] && !(r.What == "call" && !strings.HasPrefix(r.Detail, "chaos") &&
		r.Detail != "poll" && !strings.HasPrefix(r.Detail, "duplicates") && r.Detail != "capacity" &&
		r.Detail != "leader-sample" && r.Detail != "converged" && r.Detail != "workers keep running") {
		if r.What == "event" && strings.HasPrefix(r.Detail, "persisted ") && strings.Contains(r.Detail, "err=") {
			r.What, r.Detail = "persist-failed", ""
		} else {
			return
		}
	}
	if len(t.Events) < timelineEventsMax {
		t.Events = append(t.Events, r)
	}
}

// attach lets Observe sample the cluster's leader as trace lines pass, at
// most once per poll period; it schedules nothing, so a replay's trace hash
// is the run's.
func (t *Timeline) attach(c *cluster) { t.c = c }

func (t *Timeline) sampleLeader(now core.Time) {
	who := "none"
	if l := t.c.leader(); l != nil {
		who = string(l.ID())
	}
	if who != t.last {
		t.last = who
		t.Leader = append(t.Leader, sim.Record{At: now, Who: who, What: "leader"})
	}
}

// Replay runs opts (seed and all) with a timeline attached; run is the
// scenario's run function.
func Replay(run func(Options) Result, opts Options) (Result, *Timeline) {
	t := &Timeline{}
	prev := opts.Observe
	opts.Observe = func(r sim.Record) {
		t.Observe(r)
		if prev != nil {
			prev(r)
		}
	}
	opts.attach = t.attach
	return run(opts), t
}

// sampleAssignments records each topology's assignment when it changes. It
// reads ZooKeeper's model directly and reports nothing: the run must not
// notice it is observed.
func (t *Timeline) sampleAssignments(now core.Time) {
	if t.assign == nil {
		t.assign = map[string]string{}
	}
	zk := t.c.w.ZK()
	for _, name := range zk.ChildrenOf(t.c.layout.Assignments()) {
		data, _, ok := zk.Lookup(t.c.layout.Assignment(core.TopologyID(name)))
		if !ok {
			continue
		}
		a, err := protocol.DecodeAssignment(data)
		if err != nil {
			continue
		}
		var ws []string
		for _, wa := range a.Workers {
			ws = append(ws, fmt.Sprintf("%s:%d(%d tasks)", wa.Supervisor, wa.Port, len(wa.Tasks)))
		}
		desc := fmt.Sprintf("epoch %d: %s", a.Epoch, strings.Join(ws, " "))
		if t.assign[name] != desc {
			t.assign[name] = desc
			t.Assign = append(t.Assign, sim.Record{At: now, Who: name, What: "assignment", Detail: desc})
		}
	}
}

// WriteHTML writes the timeline as a self-contained HTML page: one row per
// node, marks for events, bars for leadership.
func (t *Timeline) WriteHTML(w io.Writer, title string, res Result) error {
	rows := map[string][]sim.Record{}
	for _, e := range t.Events {
		who := e.Who
		if who == "net" || who == "world" {
			who = "(" + who + ")"
		}
		rows[who] = append(rows[who], e)
	}
	names := make([]string, 0, len(rows))
	for _, a := range t.Assign {
		rows["assign "+a.Who] = append(rows["assign "+a.Who], a)
	}
	for k := range rows {
		names = append(names, k)
	}
	sort.Strings(names)
	const left, width, rowH = 140, 1200, 22
	end := float64(max(t.End, 1))
	x := func(at core.Time) float64 { return left + float64(at)/end*width }
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html><head><meta charset=utf-8><title>%s</title><style>"+
		"body{font:13px sans-serif;margin:16px}text{font:11px monospace}.crash{fill:#d33}.start{fill:#3a3}"+
		".fault{fill:#e90}.zk{fill:#66c}.call{fill:#888}.lead{fill:#fd6;opacity:.7}.assign{fill:#09c}#tip{position:fixed;"+
		"background:#ffd;border:1px solid #999;padding:3px;display:none}</style></head><body>", html.EscapeString(title))
	fmt.Fprintf(&b, "<h3>%s</h3><p>seed %d, verdict %s, trace %s, %.1f virtual s, %d events</p>",
		html.EscapeString(title), res.Seed, res.Verdict, res.TraceHash, res.VirtualSeconds, res.Events)
	for _, v := range res.Violations {
		fmt.Fprintf(&b, "<p style=color:#c00>%s</p>", html.EscapeString(v))
	}
	height := (len(names)+2)*rowH + 30
	fmt.Fprintf(&b, "<svg width=%d height=%d>", left+width+20, height)
	t.leaderRow(&b, x, rowH)
	for i, name := range names {
		y := (i+2)*rowH + 10
		fmt.Fprintf(&b, "<text x=4 y=%d>%s</text><line x1=%d x2=%d y1=%d y2=%d stroke=#ddd />",
			y+4, html.EscapeString(name), left, left+width, y, y)
		for _, e := range rows[name] {
			fmt.Fprintf(&b, "<circle class=%s cx=%.1f cy=%d r=4 data-t=\"%s %s %s\"/>",
				markClass(e.What), x(e.At), y, e.At, html.EscapeString(e.What), html.EscapeString(e.Detail))
		}
	}
	for s := 0.0; s <= end/1e9; s += 10 {
		fmt.Fprintf(&b, "<text x=%.1f y=%d>%gs</text>", x(core.Time(s*1e9)), height-4, s)
	}
	b.WriteString("</svg><div id=tip></div><script>var tip=document.getElementById('tip');" +
		"document.querySelectorAll('[data-t]').forEach(function(e){e.onmouseover=function(ev){" +
		"tip.textContent=e.getAttribute('data-t');tip.style.display='block';tip.style.left=ev.clientX+8+'px';" +
		"tip.style.top=ev.clientY+8+'px'};e.onmouseout=function(){tip.style.display='none'}});</script></body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (t *Timeline) leaderRow(b *strings.Builder, x func(core.Time) float64, rowH int) {
	y := rowH + 10
	fmt.Fprintf(b, "<text x=4 y=%d>leader</text>", y+4)
	for i, l := range t.Leader {
		stop := t.End
		if i+1 < len(t.Leader) {
			stop = t.Leader[i+1].At
		}
		if l.Who == "none" {
			continue
		}
		fmt.Fprintf(b, "<rect class=lead x=%.1f y=%d width=%.1f height=14 data-t=\"%s leader %s\"/>"+
			"<text x=%.1f y=%d>%s</text>", x(l.At), y-7, max(x(stop)-x(l.At), 1), l.At, l.Who, x(l.At)+2, y+4, l.Who)
	}
}

func markClass(what string) string {
	switch what {
	case "crash", "disk-crash", "persist-failed", "store-open-failed":
		return "crash"
	case "start", "resume", "heal", "heal-all":
		return "start"
	case "outage", "expire", "session-expired", "lost-reply":
		return "zk"
	case "call":
		return "call"
	case "assignment":
		return "assign"
	}
	return "fault"
}
