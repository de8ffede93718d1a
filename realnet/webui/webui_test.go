package webui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// apiStub stands for the JSON API behind With: it names the path it got.
var apiStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"api":"`+r.Method+" "+r.URL.Path+`"}`)
})

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWithServesPageFilesAndAPI checks the routing of With: the page at /
// and /ui/, its files under /ui/, everything else to the API.
func TestWithServesPageFilesAndAPI(t *testing.T) {
	h := With(apiStub)
	cases := []struct {
		method, path string
		status       int
		typ, has     string
	}{
		{"GET", "/", 200, "text/html", `<script src="/ui/app.js">`},
		{"GET", "/ui/", 200, "text/html", `id="main"`},
		{"HEAD", "/", 200, "text/html", ""},
		{"GET", "/ui", 307, "", "/ui/"}, // the mux's redirect to the subtree
		{"GET", "/ui/app.js", 200, "text/javascript", "function render()"},
		{"GET", "/ui/style.css", 200, "text/css", "#dag"},
		{"GET", "/ui/missing.js", 404, "", ""},
		{"GET", "/api/v1/cluster/summary", 200, "application/json", `"api":"GET /api/v1/cluster/summary"`},
		{"POST", "/api/v1/topology/t-1/kill/0", 200, "application/json", `"api":"POST /api/v1/topology/t-1/kill/0"`},
		{"POST", "/", 200, "application/json", `"api":"POST /"`}, // the API answers its JSON 405/404
		{"GET", "/metrics", 200, "application/json", `"api":"GET /metrics"`},
	}
	for _, c := range cases {
		r := get(t, h, c.method, c.path)
		b := body(t, r)
		if r.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d (body %.100q)", c.method, c.path, r.StatusCode, c.status, b)
			continue
		}
		if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, c.typ) {
			t.Errorf("%s %s: Content-Type %q, want %q", c.method, c.path, got, c.typ)
		}
		if !strings.Contains(b, c.has) {
			t.Errorf("%s %s: body %.200q lacks %q", c.method, c.path, b, c.has)
		}
	}
}

// TestHandlerHeaders checks that every UI answer forbids framing and
// foreign scripts, so the action buttons cannot be clickjacked nor the
// page made to run injected code.
func TestHandlerHeaders(t *testing.T) {
	for _, path := range []string{"/", "/ui/app.js", "/ui/nothing"} {
		r := get(t, Handler(), "GET", path)
		for k, want := range map[string]string{
			"Content-Security-Policy": contentSecurityPolicy,
			"X-Frame-Options":         "DENY",
			"X-Content-Type-Options":  "nosniff",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
	if got := get(t, Handler(), "GET", "/ui/app.js").Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("GET /ui/app.js: Cache-Control = %q, want no-cache (browsers revalidate after an upgrade)", got)
	}
	if !strings.Contains(contentSecurityPolicy, "frame-ancestors 'none'") || !strings.Contains(contentSecurityPolicy, "script-src 'self'") {
		t.Errorf("policy %q does not forbid framing and foreign scripts", contentSecurityPolicy)
	}
}

// TestPageUsesNoInlineCode keeps the page within its policy: an inline
// script or style would be refused by the browser.
func TestPageUsesNoInlineCode(t *testing.T) {
	page := body(t, get(t, Handler(), "GET", "/"))
	for _, bad := range []string{"<script>", "<style", " style=", " onclick=", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("index.html contains %q, which the Content-Security-Policy refuses", bad)
		}
	}
	js := body(t, get(t, Handler(), "GET", "/ui/app.js"))
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, bad) {
			t.Errorf("app.js uses %s: values from the API must go in as text", bad)
		}
	}
}
