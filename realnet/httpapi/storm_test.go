package httpapi

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// stormFields reads testdata/storm-ui-fields.txt: per endpoint section, the
// field paths Storm UI's REST API documents.
func stormFields(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("testdata/storm-ui-fields.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, section := map[string][]string{}, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			out[section] = append(out[section], line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// missingField returns "" when path (a.b.c) is present in v, or the part
// that is absent. Through an array every element must have the rest, and
// an empty array cannot show it has it.
func missingField(v any, path string) string {
	if path == "" {
		return ""
	}
	head, rest, _ := strings.Cut(path, ".")
	switch x := v.(type) {
	case map[string]any:
		next, ok := x[head]
		if !ok {
			return head
		}
		if m := missingField(next, rest); m != "" {
			return head + "." + m
		}
		return ""
	case []any:
		if len(x) == 0 {
			return "(empty array)"
		}
		for _, e := range x {
			if m := missingField(e, path); m != "" {
				return m
			}
		}
		return ""
	}
	return head + " (in a " + jsonKind(v) + ")"
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "value"
}

// TestStormUIFields requires every field Storm UI's REST API documents,
// endpoint by endpoint (testdata/storm-ui-fields.txt, copied from Storm's
// docs/STORM-UI-REST-API.md), in Squall's answers, under the same paths.
func TestStormUIFields(t *testing.T) {
	n := startNimbus(t, ServerConfig{})
	n.fake.addTopology("wc")
	id := string(fakeID("wc"))
	requests := map[string][2]string{ // section → method, path
		"cluster/summary":               {"GET", "/api/v1/cluster/summary"},
		"supervisor/summary":            {"GET", "/api/v1/supervisor/summary"},
		"nimbus/summary":                {"GET", "/api/v1/nimbus/summary"},
		"topology/summary":              {"GET", "/api/v1/topology/summary"},
		"topology/:id":                  {"GET", "/api/v1/topology/" + id + "?window=600"},
		"topology/:id/component/:spout": {"GET", "/api/v1/topology/" + id + "/component/split"},
		"topology/:id/component/:bolt":  {"GET", "/api/v1/topology/" + id + "/component/count"},
		"topology/:id/activate":         {"POST", "/api/v1/topology/" + id + "/activate"},
	}
	fields := stormFields(t)
	if len(fields) != len(requests) {
		t.Fatalf("testdata has %d sections, the test requests %d endpoints", len(fields), len(requests))
	}
	for section, paths := range fields {
		r, ok := requests[section]
		if !ok {
			t.Errorf("testdata section [%s]: no request for it", section)
			continue
		}
		body := fetchJSON(t, n.host, r[0], r[1])
		for _, p := range paths {
			if m := missingField(body, p); m != "" {
				t.Errorf("%s %s: documented field %s: got no %s", r[0], r[1], p, m)
			}
		}
	}
}

func fetchJSON(t *testing.T, host, method, path string) any {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+host+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: got %d %s, want 200", method, path, resp.StatusCode, data)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s %s: got %s, not JSON: %v", method, path, data, err)
	}
	return v
}

// missingField finds what is absent, through objects and arrays.
func TestMissingField(t *testing.T) {
	var v any
	json.Unmarshal([]byte(`{"a":1,"l":[{"x":1},{"y":2}],"e":[],"o":{"k":null}}`), &v)
	for _, tt := range []struct{ path, want string }{
		{"a", ""}, {"b", "b"}, {"o.k", ""}, {"o.z", "o.z"}, {"l.x", "l.x"}, {"e", ""}, {"e.x", "e.(empty array)"},
		{"a.x", "a.x (in a number)"},
	} {
		if got := missingField(v, tt.path); got != tt.want {
			t.Errorf("missingField(%s): got %q, want %q", tt.path, got, tt.want)
		}
	}
}
