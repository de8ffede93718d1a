// Package webui is nimbus's web UI: a few static files (HTML, CSS and plain
// JavaScript, no build step) embedded in the binary and served next to the
// JSON API, which the page calls from the browser.
//
//	browser ──GET /, /ui/app.js, /ui/style.css──► Handler (embedded files)
//	   │
//	   └──fetch /api/v1/... (Authorization: Bearer TOKEN)──► httpapi.Server
//
// The pages are routed in the browser by the URL's fragment:
//
//	#/                                cluster: summary, nimbuses, supervisors, topologies
//	#/topology/ID?window=W            topology: stats per window, the DAG, spouts, bolts,
//	                                  workers, errors, and the actions
//	#/topology/ID/component/C?window=W  component: stats, errors
//
// The files carry no data and no secret, so they are served to anyone; every
// figure comes from the API, which authenticates each call. The page keeps
// the token a user pastes in sessionStorage (gone with the tab) and sends
// it as a bearer token; a 401 or 403 from the API is shown in a banner with
// the server's message. The answers set a Content-Security-Policy that
// allows only the page's own scripts and styles and forbids framing, so
// the action buttons cannot be clickjacked.
package webui
