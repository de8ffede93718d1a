// Package promexport serves Prometheus metrics of Squall's daemons at
// /metrics, in the text exposition format, with client_golang.
//
//	Prometheus ──GET /metrics──► Handler ──(auth: read role, or metrics.public)
//	                                │
//	                                ▼ Gather, at scrape time
//	         NimbusCollector ──httpapi.Nimbus.Request──► nimbus machine
//	                         (cluster, list, status of each topology)
//	     SupervisorCollector ──SupervisorSource──► supervisor machine (Driver.Do)
//
// Neither collector keeps state between scrapes: each scrape asks the
// machine for what the HTTP API would answer at that moment (the same
// protocol.ClientRequest values) and turns the answer into constant
// metrics. A scrape is bounded by a timeout; when the machine does not
// answer in it, the scrape still succeeds with *_scrape_success 0 and
// nothing else from that machine, so an alert can tell "down" from "zero".
//
// # Leaders and followers
//
// Only the leading nimbus knows the cluster, so only its scrape carries the
// cluster, topology and component metrics; a follower exports
// squall_nimbus_leader 0 and no cluster metrics. Scraping every nimbus
// therefore never counts a topology twice, and sum() over the job is right.
//
// # Windows and counters
//
// Component and topology counts come in two shapes. Gauges with a window
// label ("600", "10800", "86400", ":all-time", Storm UI's windows) are
// exactly the numbers Storm UI and `squall status --window` show; the
// rolling windows rise and fall, so they are gauges. The all-time counts
// are also exported as counters (*_total), for rate(): they restart at 0
// when a topology is submitted again or a task moves to another worker,
// which Prometheus treats as a counter reset. Counts are estimates from a
// sample of the tuples (topology.stats.sample.rate), as Storm's are.
//
// # Authentication
//
// With auth.tokens or cluster.secret configured, a scrape must send a bearer
// token of any role (admin, user, readonly, or the cluster secret), as every
// read route of the API; without one it gets 401, as JSON. A cluster that
// wants an open /metrics (a Prometheus without credentials on a private
// network) sets metrics.public: true. Without tokens the endpoint is open,
// like the API. With TLS configured the daemons' ports speak only TLS, so
// /metrics is HTTPS.
package promexport
