package webui

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// files are the UI's files, rooted at static/.
var files = func() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("webui: the embedded static directory is missing: " + err.Error())
	}
	return sub
}()

// contentSecurityPolicy lets the page load only its own files and call only
// its own origin, and forbids framing it (clickjacking of the actions).
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the UI: the page at / (and /ui/), its files under /ui/.
func Handler() http.Handler {
	mux := http.NewServeMux()
	fileServer := http.StripPrefix("/ui/", http.FileServerFS(files))
	mux.HandleFunc("GET /{$}", servePage)
	mux.HandleFunc("GET /ui/{$}", servePage)
	mux.Handle("GET /ui/", fileServer)
	return headers(mux)
}

// With serves the UI at / and /ui/ and hands every other request, the API's
// /api/v1/... among them, to api.
func With(api http.Handler) http.Handler {
	ui := Handler()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /ui/", ui)
	mux.Handle("/", api)
	return mux
}

func servePage(w http.ResponseWriter, r *http.Request) {
	http.ServeFileFS(w, r, files, "index.html")
}

// headers sets the security and caching headers of every UI answer. The
// files change with the binary, which sets no modification time: browsers
// revalidate (no-cache) rather than keep a stale page after an upgrade.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}
