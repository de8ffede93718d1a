package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/realnet/auth"
	"github.com/squall/squall/zkadapter"
)

// The browser test's bounds. uiWaitMax is one condition's wait: metrics
// reach nimbus through two heartbeats and a rebalance restarts workers.
const (
	uiWaitMax     = 25 * time.Second
	uiPollEvery   = 100 * time.Millisecond
	uiRefreshMs   = 700 // the page's redraw period in the test
	uiReaderToken = "reader-token-0123456789abcdef"
)

// chromiumPath finds a Chromium to drive: $SQUALL_CHROMIUM, else the first
// of the usual names on PATH ("" when there is none).
func chromiumPath() string {
	if p := os.Getenv("SQUALL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// uiBrowser is one headless Chromium tab and where its screenshots go.
type uiBrowser struct {
	t    *testing.T
	ctx  context.Context
	shot string // directory of the screenshots
}

// startBrowser starts headless Chromium with the flags it needs on a
// machine without network (no background fetches, no QUIC, a fresh
// profile), or skips the test when there is none, unless
// SQUALL_REQUIRE_BROWSER=1 (make test) makes that a failure.
func startBrowser(t *testing.T) *uiBrowser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("SQUALL_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium found (SQUALL_CHROMIUM, chromium on PATH) and SQUALL_REQUIRE_BROWSER=1: run .ci/chromium.sh ensure")
		}
		t.Skip("no Chromium found (set SQUALL_CHROMIUM or install Debian's chromium; make test installs it)")
	}
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.WindowSize(1400, 1100),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit, before the profile is removed
	})
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: got %v, want a running browser", path, err)
	}
	dir := os.Getenv("SQUALL_UI_SCREENSHOTS")
	if dir == "" {
		d, err := os.MkdirTemp("", "squall-ui-screenshots-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	t.Logf("browser %s; screenshots in %s", path, dir)
	return &uiBrowser{t: t, ctx: bctx, shot: dir}
}

// do runs browser actions, failing the test on an error.
func (b *uiBrowser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiWaitMax)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: got %v; page: %s", what, err, b.state())
	}
}

// eval evaluates a JavaScript expression and decodes its value into v.
func (b *uiBrowser) eval(expr string, v any) error {
	ctx, cancel := context.WithTimeout(b.ctx, uiWaitMax)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// state describes the page for failure messages: route, banner, notice
// and the start of the visible text.
func (b *uiBrowser) state() string {
	var s string
	err := b.eval(`JSON.stringify({hash: location.hash, page: document.body.dataset.page || '',
		banner: document.getElementById('banner').textContent,
		notice: document.getElementById('notice').textContent,
		text: document.getElementById('main').innerText.slice(0, 1500)})`, &s)
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return s
}

// wait polls cond (a JavaScript expression) until it is true.
func (b *uiBrowser) wait(what, cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiWaitMax+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond,
		chromedp.WithPollingInterval(uiPollEvery), chromedp.WithPollingTimeout(uiWaitMax)))
	if err != nil {
		b.t.Fatalf("%s: got %v after %s, want %s; page: %s", what, err, uiWaitMax, cond, b.state())
	}
}

// strings evaluates an expression that gives a list of strings.
func (b *uiBrowser) strings(expr string) []string {
	b.t.Helper()
	var out []string
	if err := b.eval(expr, &out); err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return out
}

// number evaluates an expression that gives a number.
func (b *uiBrowser) number(expr string) float64 {
	b.t.Helper()
	var out float64
	if err := b.eval(expr, &out); err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return out
}

// screenshot saves the whole page as NAME.png and logs its path.
func (b *uiBrowser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiWaitMax)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(b.shot, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s (%d bytes)", path, len(png))
}

// click clicks the element sel selects once it is there and enabled. It
// clicks from inside the page, in one script run: the page redraws its
// content every uiRefreshMs, and a click by coordinates could land between
// the removal of the old element and the drawing of the new one.
func (b *uiBrowser) click(sel string) {
	b.t.Helper()
	b.wait("click "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		if (!e || e.disabled) return false; e.click(); return true; })()`, sel))
}

// goHash moves the open page to another route (#/...).
func (b *uiBrowser) goHash(hash string) {
	b.t.Helper()
	var ignored any
	if err := b.eval(fmt.Sprintf(`location.hash = %q; 1`, hash), &ignored); err != nil {
		b.t.Fatalf("go to %s: %v", hash, err)
	}
}

// confirm clicks an action's button and then OK in its dialog, after
// filling the dialog's fields (selector → value).
func (b *uiBrowser) confirm(button string, fields map[string]string) {
	b.t.Helper()
	b.click(button)
	b.wait("the confirmation of "+button, `document.getElementById('confirm').open`)
	steps := []chromedp.Action[chromedp.Void]{}
	for _, sel := range slices.Sorted(maps.Keys(fields)) {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(sel), fields[sel]))
	}
	b.do("fill the confirmation of "+button, steps...)
	b.click("#confirm-ok")
}

// startUICluster runs a local cluster (nimbus, two supervisors, workers as
// goroutines on the in-memory ZooKeeper) with ts submitted, and serves its
// API and UI twice: open (as local mode) and with a read-only token
// required. It returns both base URLs.
func startUICluster(t *testing.T, ts ...*topology.Topology) (open, guarded string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	lc := &localCluster{zk: zkadapter.NewMemoryServer(), net: newMemNet(), log: log,
		topo: map[string]*topology.Topology{}, errs: make(chan error, 64)}
	for _, tp := range ts {
		lc.topo[tp.Name] = tp
	}
	t.Cleanup(func() {
		cancel()
		lc.wg.Wait()
	})
	br := lc.startNimbus(ctx)
	for i := 1; i <= 2; i++ {
		if err := lc.startSupervisor(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	for _, tp := range ts {
		spec, err := topology.Encode(tp)
		if err != nil {
			t.Fatal(err)
		}
		if err := localRequest(ctx, br, protocol.ClientRequest{Op: protocol.OpSubmit, Topology: tp.Name, Spec: spec}); err != nil {
			t.Fatalf("submit %s: %v", tp.Name, err)
		}
	}
	tokens, err := auth.ParseTokens([]string{"reader:readonly:" + uiReaderToken}, "")
	if err != nil {
		t.Fatal(err)
	}
	urls := []string{}
	for _, tok := range []*auth.Tokens{nil, tokens} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lc.serveUI(ctx, ln, br, tok)
		urls = append(urls, "http://"+ln.Addr().String())
	}
	return urls[0], urls[1]
}

// graphOf is the DAG the UI must draw for t: its components and one
// "from->to" per subscription, sorted.
func graphOf(t *topology.Topology) (nodes, edges []string) {
	for _, c := range slices.Concat(t.Spouts, t.Bolts) {
		nodes = append(nodes, c.Name)
		for _, in := range c.Inputs {
			edges = append(edges, in.Component+"->"+c.Name)
		}
	}
	slices.Sort(nodes)
	slices.Sort(edges)
	return slices.Compact(nodes), slices.Compact(edges)
}

// TestWebUIInBrowser drives the web UI in headless Chromium against a live
// local cluster: the cluster page, the topology page with its DAG and
// growing counts, the actions, errors, and the token's 401 and 403.
func TestWebUIInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a local cluster and a browser")
	}
	b := startBrowser(t)
	wc, err := buildTopology("wordcount", "wordcount", 1)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := buildTopology("complaints", "complaints", 1)
	if err != nil {
		t.Fatal(err)
	}
	open, guarded := startUICluster(t, wc, cp)

	b.do("open the UI", chromedp.Navigate(fmt.Sprintf("%s/?refresh=%d", open, uiRefreshMs)))
	uiClusterPage(b)
	wcID := uiTopologyID(b, "wordcount")
	cpID := uiTopologyID(b, "complaints")

	b.goHash("#/topology/" + wcID)
	uiTopologyPage(b, wc)
	uiActions(b)
	uiErrors(b, cpID)
	uiKill(b, cpID)
	uiAuth(b, guarded, wcID)
}

// uiClusterPage: the cluster page lists both supervisors, both topologies
// and the leader nimbus.
func uiClusterPage(b *uiBrowser) {
	b.t.Helper()
	b.wait("the cluster page lists 2 supervisors and both topologies",
		`document.querySelectorAll('#supervisors tbody tr[data-id]').length === 2 &&
		 [...document.querySelectorAll('#topologies tbody tr[data-name]')].map(r => r.dataset.name).sort().join() === 'complaints,wordcount' &&
		 document.querySelectorAll('#nimbuses tbody tr[data-host]').length >= 1`)
	sups := b.strings(`[...document.querySelectorAll('#supervisors tbody tr[data-id]')].map(r => r.dataset.id).sort()`)
	if want := []string{"sup-1", "sup-2"}; !slices.Equal(sups, want) {
		b.t.Errorf("supervisors: got %v, want %v", sups, want)
	}
	statuses := b.strings(`[...document.querySelectorAll('#topologies tbody tr[data-name] td[data-field=status]')].map(c => c.textContent)`)
	for _, s := range statuses {
		if s != "ACTIVE" {
			b.t.Errorf("topology status on the cluster page: got %q, want ACTIVE (all %v)", s, statuses)
		}
	}
	b.screenshot("1-cluster")
}

// uiTopologyID reads a topology's id from its row on the cluster page.
func uiTopologyID(b *uiBrowser, name string) string {
	b.t.Helper()
	ids := b.strings(fmt.Sprintf(`[...document.querySelectorAll('#topologies tbody tr[data-name=%q]')].map(r => r.dataset.id)`, name))
	if len(ids) != 1 || ids[0] == "" {
		b.t.Fatalf("id of %s on the cluster page: got %v, want one", name, ids)
	}
	return ids[0]
}

// uiTopologyPage: the DAG has one node per component and one edge per
// subscription, and the count bolt's executed count grows between redraws.
func uiTopologyPage(b *uiBrowser, tp *topology.Topology) {
	b.t.Helper()
	nodes, edges := graphOf(tp)
	b.wait("the DAG is drawn", `document.querySelectorAll('#dag g.node').length > 0`)
	gotNodes := b.strings(`[...document.querySelectorAll('#dag g.node')].map(n => n.dataset.component).sort()`)
	gotEdges := b.strings(`[...document.querySelectorAll('#dag g.edge-group')].filter(g => g.querySelector('path.edge')).map(g => g.dataset.from + '->' + g.dataset.to).sort()`)
	if !slices.Equal(gotNodes, nodes) {
		b.t.Errorf("DAG nodes: got %v, want %v", gotNodes, nodes)
	}
	if !slices.Equal(gotEdges, edges) {
		b.t.Errorf("DAG edges: got %v, want %v", gotEdges, edges)
	}
	spoutX := b.number(`Number(document.querySelector('#dag g.node.spout rect').getAttribute('x'))`)
	countX := b.number(`Number(document.querySelector('#dag g.node[data-component=count] rect').getAttribute('x'))`)
	if !(spoutX < countX) {
		b.t.Errorf("layout: the spout's x %v is not left of count's %v", spoutX, countX)
	}
	uiLayout(b)
	executed := `Number(document.querySelector('#bolts tr[data-component=count] td[data-field=executed]')?.dataset.value ?? -1)`
	b.wait("count has executed tuples", executed+` > 0`)
	first := b.number(executed)
	b.wait(fmt.Sprintf("count's executed grows past %v on a redraw", first), fmt.Sprintf(`%s > %v`, executed, first))
	rows := b.strings(`[...document.querySelectorAll('#topology-stats tbody tr[data-window]')].map(r => r.dataset.window)`)
	if want := []string{"600", "10800", "86400", ":all-time"}; !slices.Equal(rows, want) {
		b.t.Errorf("topology stats windows: got %v, want %v", rows, want)
	}
	b.screenshot("2-topology")
	// The ackers show only when asked for, as Storm UI's system stats.
	bolts := `[...document.querySelectorAll('#bolts tbody tr[data-component]')].map(r => r.dataset.component).join()`
	if got := b.strings(`[` + bolts + `]`); !slices.Equal(got, []string{"count,split"}) {
		b.t.Errorf("bolts without system components: got %v, want [count,split]", got)
	}
	b.click("#show-system")
	b.wait("the acker is listed", bolts+` === '__acker,count,split'`)
	b.click("#show-system")
	b.wait("the acker is hidden again", bolts+` === 'count,split'`)
	// Another window shows the same components over it.
	b.click(`#windows a[data-window="600"]`)
	b.wait("the 10m window is shown", `location.hash.endsWith('window=600') && document.querySelector('#topology-stats tr.selected')?.dataset.window === '600' &&
		document.querySelectorAll('#bolts tbody tr[data-component]').length === 2`)
}

// uiActions: deactivate turns the status INACTIVE, activate back ACTIVE,
// and a rebalance to two workers shows two workers.
func uiActions(b *uiBrowser) {
	b.t.Helper()
	status := `document.getElementById('topology-status')?.textContent`
	b.wait("the topology is ACTIVE", status+` === 'ACTIVE'`)
	b.confirm("#action-deactivate", nil)
	b.wait("deactivate shows INACTIVE", status+` === 'INACTIVE'`)
	b.wait("deactivate's notice", `document.getElementById('notice').textContent.includes('deactivate wordcount: success')`)
	b.screenshot("3-deactivated")
	b.confirm("#action-activate", nil)
	b.wait("activate shows ACTIVE", status+` === 'ACTIVE'`)
	b.confirm("#action-rebalance", map[string]string{"#confirm-wait": "0", "#confirm-workers": "2"})
	b.wait("rebalance's notice", `document.getElementById('notice').textContent.includes('rebalance wordcount: success')`)
	b.wait("the rebalance spreads it over 2 workers", `document.querySelectorAll('#workers tbody tr[data-port]').length === 2 && `+status+` === 'ACTIVE'`)
}

// uiErrors: the complaining bolt's errors show on the topology page, in
// the DAG and on its component page.
func uiErrors(b *uiBrowser, id string) {
	b.t.Helper()
	b.goHash("#/topology/" + id)
	b.wait("the errors table names complain", `[...document.querySelectorAll('#errors tbody tr[data-component=complain] td[data-field=lastError]')]
		.some(c => c.textContent.includes('complain: cannot handle'))`)
	b.wait("the DAG marks complain", `document.querySelector('#dag g.node.has-error')?.dataset.component === 'complain'`)
	b.click(`#errors tbody tr[data-component=complain] a`)
	b.wait("the component page lists its errors", `document.body.dataset.page === 'component' &&
		[...document.querySelectorAll('#component-errors tbody td[data-field=error]')].filter(c => c.textContent.includes('complain: cannot handle')).length >= 1`)
	b.wait("the component page lists complain's 2 tasks", `document.querySelectorAll('#component-executors tbody tr[data-id]').length === 2`)
	b.screenshot("4-component-errors")
}

// uiKill: killing with no wait takes the topology off the cluster page.
func uiKill(b *uiBrowser, id string) {
	b.t.Helper()
	b.goHash("#/topology/" + id)
	b.wait("the complaints page", `document.getElementById('topology-page')?.dataset.id === `+fmt.Sprintf("%q", id))
	b.confirm("#action-kill", map[string]string{"#confirm-wait": "0"})
	b.wait("kill goes back to the cluster page without complaints", `document.body.dataset.page === 'cluster' &&
		![...document.querySelectorAll('#topologies tbody tr[data-name]')].some(r => r.dataset.name === 'complaints' &&
		  r.querySelector('td[data-field=status]').textContent !== 'KILLED')`)
}

// uiAuth: behind authentication the page says 401 until a token is given,
// and a read-only token's deactivate is refused with 403.
func uiAuth(b *uiBrowser, base, id string) {
	b.t.Helper()
	b.do("open the guarded UI", chromedp.Navigate(fmt.Sprintf("%s/?refresh=%d", base, uiRefreshMs)))
	b.wait("401 without a token", `document.getElementById('banner').dataset.status === '401' &&
		document.getElementById('banner').textContent.includes('401 Unauthorized') &&
		document.getElementById('banner').textContent.includes('Paste an API token')`)
	b.screenshot("5-unauthorized")
	b.do("paste the read-only token", chromedp.SendKeys(chromedp.CSS("#token"), uiReaderToken),
		chromedp.Click(chromedp.CSS("#token-save")))
	b.wait("the token opens the cluster page", `document.getElementById('banner').hidden &&
		document.querySelectorAll('#topologies tbody tr[data-name=wordcount]').length === 1`)
	var stored string
	if err := b.eval(`sessionStorage.getItem('squall.token')`, &stored); err != nil || stored != uiReaderToken {
		b.t.Errorf("sessionStorage token: got %q (%v), want the pasted token", stored, err)
	}
	b.goHash("#/topology/" + id)
	b.wait("the topology page", `document.getElementById('topology-status')?.textContent === 'ACTIVE'`)
	b.confirm("#action-deactivate", nil)
	b.wait("403 for a read-only token", `document.getElementById('banner').dataset.status === '403' &&
		document.getElementById('banner').textContent.includes('403 Forbidden')`)
	b.screenshot("6-forbidden")
	var st string
	if err := b.eval(`document.getElementById('topology-status').textContent`, &st); err != nil || st != "ACTIVE" {
		b.t.Errorf("status after a refused deactivate: got %q (%v), want ACTIVE", st, err)
	}
	if strings.Contains(b.state(), "INACTIVE") {
		b.t.Errorf("a refused deactivate shows INACTIVE: %s", b.state())
	}
}

// uiLayout checks the page's layered layout on a graph wordcount lacks: a
// diamond (d is one deeper than its deepest input), a self-subscription,
// two spouts, a system component (left out) and a cycle (bounded).
func uiLayout(b *uiBrowser) {
	b.t.Helper()
	var got map[string]float64
	err := b.eval(`(() => {
		const bolt = (...inputs) => ({':type': 'bolt', ':inputs': inputs.map(c => ({':component': c, ':stream': 'default'}))});
		const g = graph({a: {':type': 'spout', ':inputs': []}, z: {':type': 'spout', ':inputs': []},
			b: bolt('a'), c: bolt('b'), d: bolt('a', 'c', 'd'), __acker: bolt('a'), e: bolt('f', 'z'), f: bolt('e')});
		const depth = layers(g);
		return Object.fromEntries([...depth.entries()]);
	})()`, &got)
	if err != nil {
		b.t.Fatalf("layout: %v", err)
	}
	want := map[string]float64{"a": 0, "z": 0, "b": 1, "c": 2, "d": 3}
	for k, w := range want {
		if got[k] != w {
			b.t.Errorf("layout depth of %s: got %v, want %v (all %v)", k, got[k], w, got)
		}
	}
	if _, ok := got["__acker"]; ok {
		b.t.Errorf("layout: got the system component __acker in %v, want it left out", got)
	}
	if got["e"] >= float64(len(got)) || got["f"] >= float64(len(got)) {
		b.t.Errorf("layout: the cycle e<->f got depths %v and %v, want them below %d", got["e"], got["f"], len(got))
	}
}
