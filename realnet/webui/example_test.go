package webui_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/squall/squall/realnet/webui"
)

// With puts the UI in front of a nimbus's API: the page at /, its files
// under /ui/, and every other path, /api/v1/... among them, to the API.
func ExampleWith() {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	})
	srv := httptest.NewServer(webui.With(api))
	defer srv.Close()
	for _, path := range []string{"/", "/ui/app.js", "/api/v1/cluster/summary"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		typ, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
		fmt.Println(path, resp.StatusCode, typ, strings.Contains(string(body), "/api/v1"))
	}
	// Output:
	// / 200 text/html true
	// /ui/app.js 200 text/javascript true
	// /api/v1/cluster/summary 200 text/plain true
}
