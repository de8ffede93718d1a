package httpapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

type exchange struct {
	method, path, body string
	wantStatus         int
	wantBody           []string // parts of the answer's body
}

func (x exchange) run(t *testing.T, host string) *http.Response {
	t.Helper()
	var body io.Reader
	if x.body != "" {
		body = strings.NewReader(x.body)
	}
	req, err := http.NewRequest(x.method, "http://"+host+x.path, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", x.method, x.path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != x.wantStatus {
		t.Errorf("%s %s: got status %d (%s), want %d", x.method, x.path, resp.StatusCode, data, x.wantStatus)
	}
	if !hasAll(string(data), x.wantBody...) {
		t.Errorf("%s %s: got body %s, want it to contain %q", x.method, x.path, data, x.wantBody)
	}
	if ct := resp.Header.Get("Content-Type"); x.method != http.MethodHead && !strings.HasPrefix(ct, "application/") {
		t.Errorf("%s %s: got Content-Type %q, want application/json or octet-stream", x.method, x.path, ct)
	}
	return resp
}

func TestRoutes(t *testing.T) {
	n := startNimbus(t, ServerConfig{})
	n.fake.addTopology("wc")
	id := string(fakeID("wc"))
	_, port, _ := net.SplitHostPort(n.host)
	program := "#!/bin/sh\necho wordcount\n"
	d := sha(program)
	for _, x := range []exchange{
		{"GET", "/api/v1/cluster/summary", "", 200,
			[]string{`"stormVersion":"` + StormVersion, `"leader":"` + n.host, `"supervisors":2`, `"slotsTotal":8`,
				`"slotsUsed":2`, `"slotsFree":6`, `"executorsTotal":4`, `"tasksTotal":4`, `"totalMem":4000`,
				`"availMem":2720`, `"memAssignedPercentUtil":32`}},
		{"GET", "/api/v1/supervisor/summary", "", 200, []string{`"id":"s1"`, `"id":"s2"`, `"uptime":"5m 58s"`,
			`"uptimeSeconds":358`, `"slotsTotal":4`, `"totalMem":3000`, `"usedCpu":160`}},
		{"GET", "/api/v1/nimbus/summary", "", 200, []string{`"host":"127.0.0.1"`, `"port":` + port, `"status":"Leader"`}},
		{"GET", "/api/v1/topology/summary", "", 200, []string{`"topologies":[{"id":"` + id + `","name":"wc"`,
			`"uptime":"29m 19s"`, `"uptimeSeconds":1759`, `"tasksTotal":4`, `"workersTotal":2`, `"executorsTotal":4`,
			`"requestedMemOnHeap":512`, `"requestedCpu":40`, `"assignedTotalMem":512`, `"assignedCpu":40`,
			`"topologyStats":[{"windowPretty":"10m 0s","window":"600","emitted":20,`,
			`{"windowPretty":"All time","window":":all-time","emitted":200,"transferred":0,"completeLatency":"0.000"`}},
		{"GET", "/api/v1/topology/" + id, "", 200,
			[]string{`"window":":all-time"`, `"windowHint":"All time"`, `"msgTimeout":30`,
				`{"windowPretty":"10m 0s","window":"600","emitted":20,`, `{"windowPretty":"All time","window":":all-time","emitted":200,`,
				`"spouts":[{"spoutId":"split","encodedSpoutId":"split","executors":2,"tasks":2,"emitted":200,`,
				`"bolts":[{"boltId":"count","encodedBoltId":"count","executors":2,"tasks":2,"emitted":0,"transferred":0,"executed":100,` +
					`"executeLatency":"2.500","processLatency":"3.000","capacity":"0.125"`,
				`"spoutId":"split","encodedSpoutId":"split","executors":2,"tasks":2,"emitted":200,"transferred":0,"completeLatency":"4.500"`,
				`"lastError":"split: bad line","errorHost":"10.11.1.70","errorPort":6701,"errorTime":1406006074,"errorLapsedSecs":16`,
				`"lastError":"","errorHost":"","errorPort":null,"errorTime":null,"errorLapsedSecs":null`,
				`{"supervisorId":"s1","host":"10.11.1.70","port":6701,"topologyId":"` + id + `","topologyName":"wc","executorsTotal":2,"assignedMemOnHeap":256,`,
				`"componentNumTasks":{"count":1,"split":1},"uptime":"27m 26s","uptimeSeconds":1646`,
				`"storm.id":"` + id + `"`, `"topology.message.timeout.secs":30`}},
		{"GET", "/api/v1/topology/wc", "", 200, []string{`"id":"` + id + `"`}}, // by name, as the CLI
		{"GET", "/api/v1/topology/" + id + "?window=600", "", 200, []string{`"window":"600"`, `"spoutId":"split","encodedSpoutId":"split","executors":2,"tasks":2,"emitted":20`}},
		{"GET", "/api/v1/topology/" + id + "?window=10m", "", 200, []string{`"window":"600"`}},
		{"GET", "/api/v1/topology/" + id + "?window=all", "", 200, []string{`"window":":all-time"`}},
		{"GET", "/api/v1/topology/" + id + "?window=10800", "", 200, []string{`"window":"10800"`, `"windowHint":"3h 0m 0s"`}},
		{"GET", "/api/v1/topology/" + id + "?window=1d", "", 200, []string{`"window":"86400"`, `"boltId":"count","encodedBoltId":"count","executors":2,"tasks":2,"emitted":0,"transferred":0,"executed":70`}},
		{"GET", "/api/v1/topology/" + id + "/component/count?window=3h", "", 200, []string{`"executed":30`, `"componentType":"bolt"`,
			`"boltStats":[{"windowPretty":"10m 0s","window":"600","emitted":0,"transferred":0,"executed":10,`,
			`"inputStats":[{"component":"split","encodedComponentId":"split","stream":"default","grouping":"fields"`}},
		{"GET", "/api/v1/topology/" + id + "/component/split?window=600", "", 200,
			[]string{`"id":"split"`, `"name":"wc"`, `"topologyId":"` + id + `"`, `"componentType":"spout"`, `"tasks":2`,
				`"lastError":"split: bad line"`, `"spoutSummary":[{"windowPretty":"10m 0s","window":"600","emitted":20,`,
				`"componentErrors":[{"error":"split: bad line","errorHost":"10.11.1.70","errorPort":6701,"errorTime":1406006074000,"errorLapsedSecs":16,"errorTask":3,"errorWorkerLogLink":""},{"error":"split: older"`}},
		{"GET", "/api/v1/topology/" + id + "/component/split", "", 200,
			[]string{`"executorStats":[{"id":"[3-3]","encodedId":"%5B3-3%5D","host":"10.11.1.70","port":6701,"uptime":"27m 26s","uptimeSeconds":1646,"emitted":120,`}},
		{"GET", "/api/v1/topology/" + id + "/component/count", "", 200, []string{`"lastError":""`, `"componentErrors":[]`}},
		{"GET", "/api/v1/topology/" + id + "/component/nope", "", 404, []string{`no component \"nope\"`}},
		{"GET", "/api/v1/topology/" + id + "/visualization", "", 200,
			[]string{`"count":{":type":"bolt",":capacity":0.125,":latency":3,`, `":inputs":[{":component":"split",":stream":"default",":sani-stream":"default`,
				`":grouping":"fields"}]`, `"split":{":type":"spout",`, `":stats":[{":host":"10.11.1.70",":port":6701,":uptime_secs":1646,`}},
		{"GET", "/api/v1/cluster/configuration", "", 200, []string{`{}`}},
		{"POST", "/api/v1/topology/" + id + "/deactivate", "", 200,
			[]string{`"topologyOperation":"deactivate","topologyId":"` + id + `","status":"success"`, `"status":"INACTIVE"`}},
		{"POST", "/api/v1/topology/" + id + "/activate", "", 200, []string{`"topologyOperation":"activate"`, `"status":"ACTIVE"`}},
		{"POST", "/api/v1/topology/wc/rebalance/5", `{"workers": 3, "parallelism": {"count": 2}}`, 200,
			[]string{`"status":"REBALANCING"`, `"workersTotal":3`}},
		{"PUT", "/api/v1/artifact/" + d, program, 201, []string{`"created":true`, `"sizeBytes":25`}},
		{"PUT", "/api/v1/artifact/" + d, program, 200, []string{`"created":false`}},
		{"GET", "/api/v1/artifact/" + d, "", 200, []string{program}},
		{"HEAD", "/api/v1/artifact/" + d, "", 200, nil},
		{"POST", "/api/v1/topology", `{"name":"new","spec":{"name":"new"},"artifact":"` + d + `"}`, 201,
			[]string{`"topologyOperation":"submit"`, `"artifact":"` + d}},
		{"POST", "/api/v1/topology/" + id + "/kill/30", "", 200, []string{`"topologyOperation":"kill"`, `"status":"KILLED"`}},
	} {
		x.run(t, n.host)
	}
	reqs := n.fake.seen()
	byOp := map[string]protocol.ClientRequest{}
	for _, r := range reqs {
		byOp[r.Op] = r
	}
	if r := byOp[protocol.OpKill]; r.Wait != 30*time.Second || r.Topology != string(id) {
		t.Errorf("kill request: got %+v, want topology %s, wait 30s", r, id)
	}
	if r := byOp[protocol.OpRebalance]; r.Wait != 5*time.Second || r.Workers != 3 || r.Parallelism["count"] != 2 {
		t.Errorf("rebalance request: got %+v, want wait 5s, 3 workers, count=2", r)
	}
	if r := byOp[protocol.OpSubmit]; r.Topology != "new" || r.Artifact != d || string(r.Spec) != `{"name":"new"}` {
		t.Errorf("submit request: got %+v, want topology new, artifact %s, the spec", r, d)
	}
	if reqs[0].ID == reqs[1].ID {
		t.Errorf("request ids: got %d twice, want distinct", reqs[0].ID)
	}
}

func TestArtifactDownloadHeaders(t *testing.T) {
	n := startNimbus(t, ServerConfig{})
	d, err := n.store.Put(strings.NewReader("program bytes"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"GET", "HEAD"} {
		resp := exchange{method, "/api/v1/artifact/" + d, "", 200, nil}.run(t, n.host)
		if resp.ContentLength != int64(len("program bytes")) {
			t.Errorf("%s: got Content-Length %d, want %d", method, resp.ContentLength, len("program bytes"))
		}
		if got := resp.Header.Get("ETag"); got != `"`+d+`"` {
			t.Errorf("%s: got ETag %s, want the digest", method, got)
		}
	}
}

func TestRefusals(t *testing.T) {
	n := startNimbus(t, ServerConfig{UploadBytesMax: 100})
	n.fake.addTopology("wc")
	n.fake.addTopology("dead")
	exchange{"POST", "/api/v1/topology/dead/kill/0", "", 200, nil}.run(t, n.host)
	d := sha("x")
	for _, x := range []exchange{
		{"GET", "/api/v1/topology/nope", "", 404, []string{`"error":"nimbus: unknown topology \"nope\""`}},
		{"GET", "/api/v1/topology/wc/component/nope", "", 404, []string{`no component \"nope\"`}},
		{"POST", "/api/v1/topology/nope/activate", "", 404, []string{"unknown topology"}},
		{"GET", "/api/v1/nothing", "", 404, []string{"no route"}},
		{"GET", "/api/v1/topology/wc?window=1h", "", 400, []string{`unknown window \"1h\"`}},
		{"POST", "/api/v1/topology/wc/kill/soon", "", 400, []string{`wait \"soon\"`}},
		{"POST", "/api/v1/topology/wc/kill/-1", "", 400, []string{"whole seconds"}},
		{"POST", "/api/v1/topology/wc/kill/99999999", "", 400, []string{"whole seconds"}},
		{"POST", "/api/v1/topology/wc/rebalance/0", `{"workers": -1}`, 400, []string{"negative"}},
		{"POST", "/api/v1/topology/wc/rebalance/0", `{"parallelism": {"count": 0}}`, 400, []string{"below 1"}},
		{"POST", "/api/v1/topology/wc/rebalance/0", `{"workers": 2, "extra": 1}`, 400, []string{"unknown field"}},
		{"POST", "/api/v1/topology/wc/rebalance/0", `{"workers": `, 400, []string{"bad JSON"}},
		{"POST", "/api/v1/topology/wc/rebalance/0", `{"parallelism": {"nope": 2}}`, 400, []string{"no component"}},
		{"POST", "/api/v1/topology/dead/activate", "", 409, []string{"being killed"}},
		{"POST", "/api/v1/topology", `{"name":"wc","spec":{}}`, 409, []string{"already exists"}},
		{"POST", "/api/v1/topology", `{"spec":{}}`, 400, []string{"name is required"}},
		{"POST", "/api/v1/topology", `{"name":"x"}`, 400, []string{"spec is required"}},
		{"POST", "/api/v1/topology", `{"name":"x","spec":{},"artifact":"ABC"}`, 400, []string{"sha256"}},
		{"POST", "/api/v1/topology", `[1,2]`, 400, []string{"bad JSON"}},
		{"POST", "/api/v1/topology", `{"name":"x","spec":"` + strings.Repeat("s", jsonBodyBytesMax) + `"}`, 413,
			[]string{"larger than"}},
		{"DELETE", "/api/v1/topology/wc", "", 405, []string{"method not allowed", "GET"}},
		{"GET", "/api/v1/topology/wc/kill/0", "", 405, []string{"allowed: POST"}},
		{"POST", "/api/v1/cluster/summary", "", 405, nil},
		{"PUT", "/api/v1/artifact/xyz", "x", 400, []string{"sha256"}},
		{"GET", "/api/v1/artifact/" + d, "", 404, []string{"not on this nimbus"}},
		{"PUT", "/api/v1/artifact/" + d, "y", 422, []string{"digest mismatch", "want " + d}},
		{"PUT", "/api/v1/artifact/" + sha(strings.Repeat("z", 101)), strings.Repeat("z", 101), 413, []string{"limit of 100"}},
	} {
		x.run(t, n.host)
	}
	if n.store.Has(d) {
		t.Errorf("store after a mismatched upload: got the artifact, want nothing")
	}
	resp := exchange{"DELETE", "/api/v1/artifact/" + d, "", 405, nil}.run(t, n.host)
	if got := resp.Header.Get("Allow"); got != "GET, PUT, HEAD" {
		t.Errorf("Allow: got %q, want %q", got, "GET, PUT, HEAD")
	}
}

// An upload without a Content-Length is cut off at the limit too.
func TestUploadChunkedTooLarge(t *testing.T) {
	n := startNimbus(t, ServerConfig{UploadBytesMax: 100})
	content := strings.Repeat("z", 1000)
	req, _ := http.NewRequest("PUT", "http://"+n.host+"/api/v1/artifact/"+sha(content),
		io.MultiReader(strings.NewReader(content))) // not a known length: chunked
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if req.ContentLength != 0 || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked upload of 1000 bytes, limit 100: got %d (request length %d), want 413 (unknown length)",
			resp.StatusCode, req.ContentLength)
	}
	if list, _ := n.store.List(); len(list) != 0 {
		t.Errorf("store after a refused upload: got %v, want empty", list)
	}
}

func TestFollowerRedirects(t *testing.T) {
	leader := startNimbus(t, ServerConfig{})
	follower := startNimbus(t, ServerConfig{})
	follower.follow(leader.host)
	for _, path := range []string{"/api/v1/topology/summary", "/api/v1/topology/wc?window=600",
		"/api/v1/topology/wc/kill/3"} {
		method := "GET"
		if strings.Contains(path, "kill") {
			method = "POST"
		}
		resp := exchange{method, path, "", 307, []string{`"code":"not_leader"`, `"leader":"` + leader.host}}.run(t, follower.host)
		if got, want := resp.Header.Get("Location"), "http://"+leader.host+path; got != want {
			t.Errorf("%s: got Location %q, want %q", path, got, want)
		}
	}
	// A follower without the artifact sends the submit to the leader too.
	exchange{"POST", "/api/v1/topology", `{"name":"x","spec":{},"artifact":"` + sha("p") + `"}`, 307,
		[]string{"not the leader"}}.run(t, follower.host)
	// Followers serve the artifacts they hold.
	d, _ := follower.store.Put(strings.NewReader("p"), "")
	exchange{"GET", "/api/v1/artifact/" + d, "", 200, []string{"p"}}.run(t, follower.host)

	follower.follow("") // an election is under way
	exchange{"GET", "/api/v1/topology/summary", "", 503, []string{`"code":"not_leader"`, "retry"}}.run(t, follower.host)
	follower.follow("not-an-address")
	exchange{"GET", "/api/v1/topology/summary", "", 503, []string{"not the leader"}}.run(t, follower.host)
}

func TestSubmitMissingArtifact(t *testing.T) {
	n := startNimbus(t, ServerConfig{RequireArtifact: true})
	d := sha("program")
	exchange{"POST", "/api/v1/topology", `{"name":"x","spec":{},"artifact":"` + d + `"}`, 422,
		[]string{`"code":"artifact_missing"`, "PUT /api/v1/artifact/" + d}}.run(t, n.host)
	exchange{"POST", "/api/v1/topology", `{"name":"x","spec":{}}`, 400, []string{"artifact is required"}}.run(t, n.host)
	for _, r := range n.fake.seen() {
		if r.Op == protocol.OpSubmit {
			t.Errorf("nimbus got %+v, want no submit while the artifact is missing", r)
		}
	}
}

func TestNimbusUnavailable(t *testing.T) {
	n := startNimbus(t, ServerConfig{RequestTimeout: 20 * time.Millisecond})
	n.fake.mu.Lock()
	n.fake.hang = true
	n.fake.mu.Unlock()
	exchange{"GET", "/api/v1/topology/summary", "", 504, []string{"did not answer list within 20ms"}}.run(t, n.host)
	n.fake.mu.Lock()
	n.fake.hang, n.fake.err = false, errors.New("driver stopped")
	n.fake.mu.Unlock()
	exchange{"GET", "/api/v1/topology/summary", "", 503, []string{"driver stopped"}}.run(t, n.host)
}

func TestReplyStatus(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want int
	}{
		{`nimbus: kill: unknown topology "x"`, 404},
		{`nimbus: submit: topology "x" already exists`, 409},
		{`nimbus: write of x failed: already exists`, 409},
		{`nimbus: write of x failed: ConnectionLoss`, 500},
		{`nimbus: leadership lost; the outcome is unknown, check the status`, 500},
		{`nimbus: leadership is being re-established; retry`, 503},
		{`nimbus: rebalance: topology "x" has an operation in flight; retry`, 409},
		{`nimbus: rebalance: topology x is already rebalancing`, 409},
		{`nimbus: submit: 1000 topologies is the limit`, 409},
		{`nimbus: submit: task 3 of count demands {...}, more than any supervisor has`, 400},
	} {
		if got := replyStatus(tc.msg); got != tc.want {
			t.Errorf("replyStatus(%q): got %d, want %d", tc.msg, got, tc.want)
		}
	}
}

// With a Members source, nimbus/summary lists every enrolled nimbus, the
// leader marked as such; a failing source is a 503.
func TestNimbusSummaryMembers(t *testing.T) {
	var fail bool
	var n *testNimbus
	now := time.Unix(1_700_000_000, 0)
	n = startNimbus(t, ServerConfig{Members: func(context.Context) ([]NimbusSummary, error) {
		if fail {
			return nil, errors.New("zookeeper down")
		}
		return []NimbusSummary{{Address: core.NodeID(n.host), Priority: 2}, {Address: "10.0.0.2:6627", Priority: 1}}, nil
	}, Now: func() time.Time { return now }, Started: now.Add(-213 * time.Second), Version: "1.2.3"})
	host, port, _ := net.SplitHostPort(n.host)
	exchange{"GET", "/api/v1/nimbus/summary", "", 200, []string{
		`{"host":"` + host + `","port":` + port + `,"address":"` + n.host + `","status":"Leader","nimbusUpTime":"3m 33s",` +
			`"nimbusUpTimeSeconds":"213","nimbusLogLink":"","version":"1.2.3","priority":2`,
		`{"host":"10.0.0.2","port":6627,"address":"10.0.0.2:6627","status":"Not a Leader","nimbusUpTime":"",` +
			`"nimbusUpTimeSeconds":"","nimbusLogLink":"","version":"","priority":1}`}}.run(t, n.host)
	fail = true
	exchange{"GET", "/api/v1/nimbus/summary", "", 503, []string{"zookeeper down"}}.run(t, n.host)
}

// Kill and rebalance without a wait segment ask nimbus for the default
// wait (the topology's message timeout, as Storm's CLI without -w); with
// one, even 0, they ask for that wait. The client sends WaitDefault as the
// route without a segment and refuses any other negative wait.
func TestDefaultWait(t *testing.T) {
	ctx := testContext(t)
	n := startNimbus(t, ServerConfig{})
	for _, name := range []string{"a", "b", "c", "d"} {
		n.fake.addTopology(name)
	}
	exchange{"POST", "/api/v1/topology/a/kill", "", 200, []string{`"status":"KILLED"`}}.run(t, n.host)
	exchange{"POST", "/api/v1/topology/b/rebalance", `{"workers": 2}`, 200, []string{`"status":"REBALANCING"`}}.run(t, n.host)
	c := NewClient([]string{n.host}, nil)
	if _, err := c.Kill(ctx, "c", 0); err != nil {
		t.Fatalf("Kill c with wait 0: %v", err)
	}
	if _, err := c.Rebalance(ctx, "d", WaitDefault, 0, nil); err != nil {
		t.Fatalf("Rebalance d with WaitDefault: %v", err)
	}
	if _, err := c.Kill(ctx, "d", -5*time.Second); !errors.Is(err, ErrNegativeWait) {
		t.Fatalf("Kill with wait -5s: got %v, want ErrNegativeWait", err)
	}
	want := map[string]bool{"a": true, "b": true, "c": false, "d": true}
	seen := 0
	for _, r := range n.fake.seen() {
		if r.Op != protocol.OpKill && r.Op != protocol.OpRebalance {
			continue
		}
		seen++
		if r.DefaultWait != want[r.Topology] || r.Wait != 0 {
			t.Errorf("%s %s: got DefaultWait=%v wait=%s, want DefaultWait=%v wait=0s",
				r.Op, r.Topology, r.DefaultWait, r.Wait, want[r.Topology])
		}
	}
	if seen != 4 {
		t.Errorf("got %d kill and rebalance requests at nimbus, want 4 (the negative wait sends none)", seen)
	}
}

// Storm UI's rebalance body, {"rebalanceOptions": {"numWorkers",
// "executors"}, "callback"}, is accepted (executor counts as numbers or
// strings, as Storm's curl example sends them); mixing it with Squall's
// fields, a bad count or an unknown field is a 400.
func TestRebalanceStormBody(t *testing.T) {
	n := startNimbus(t, ServerConfig{})
	n.fake.addTopology("wc")
	id := string(fakeID("wc"))
	exchange{"POST", "/api/v1/topology/" + id + "/rebalance/0",
		`{"rebalanceOptions": {"numWorkers": 2, "executors": {"split": "5", "count": 7}}, "callback": "foo"}`, 200,
		[]string{`"topologyOperation":"rebalance","topologyId":"` + id + `","status":"success"`}}.run(t, n.host)
	var got protocol.ClientRequest
	for _, r := range n.fake.seen() {
		if r.Op == protocol.OpRebalance {
			got = r
		}
	}
	if got.Topology != id || got.Workers != 2 || got.Parallelism["split"] != 5 || got.Parallelism["count"] != 7 || got.Wait != 0 {
		t.Errorf("rebalance request: got %+v, want %s, 2 workers, split=5, count=7, wait 0", got, id)
	}
	for _, body := range []string{
		`{"rebalanceOptions": {"numWorkers": 2}, "workers": 3}`,
		`{"rebalanceOptions": {"executors": {"split": "five"}}}`,
		`{"rebalanceOptions": {"executors": {"split": 0}}}`,
		`{"rebalanceOptions": {"numWorkers": -1}}`,
		`{"rebalanceOptions": {"numWorkers": 2, "bogus": 1}}`,
	} {
		exchange{"POST", "/api/v1/topology/" + id + "/rebalance/0", body, 400, nil}.run(t, n.host)
	}
}
