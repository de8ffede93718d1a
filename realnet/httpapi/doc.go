// Package httpapi is the client API of a nimbus: HTTP with JSON bodies,
// field-compatible with Storm UI's REST API under /api/v1/ (Storm's
// docs/STORM-UI-REST-API.md: its routes, camelCase names and shapes; a
// test checks every documented field), and its Go client (what `squall
// submit`, `squall list` and the other commands call). Topologies are named
// by id (name-N-<submit secs>, as Storm's) or by name.
//
//	client ──HTTP──► Server (any nimbus) ──Nimbus.Request──► nimbus machine
//	   ▲                │                                       │
//	   │                │ follower: NotLeader{Leader}           │
//	   └── 307 Location: http://<leader>/same/path?query ◄──────┘
//
// The server holds no cluster state of its own: each request becomes one
// protocol.ClientRequest, handed to the nimbus machine through the Nimbus
// interface (the real-mode driver injects it and catches the reply). The
// machine's answer becomes the JSON answer; its refusals become statuses.
// Artifacts are the exception: each nimbus serves its own artifact.Store.
//
// # Routes
//
//	GET  /api/v1/cluster/summary                       ClusterSummary         (OpCluster)
//	GET  /api/v1/supervisor/summary                    SupervisorList         (OpCluster)
//	GET  /api/v1/nimbus/summary                        NimbusList             (OpCluster)
//	GET  /api/v1/topology/summary                      TopologyList           (OpList)
//	GET  /api/v1/topology/{id}?window=W                Topology               (OpStatus)
//	GET  /api/v1/topology/{id}/component/{c}?window=W  Component              (OpStatus)
//	GET  /api/v1/topology/{id}/visualization           Visualization          (OpStatus)
//	GET  /api/v1/cluster/configuration                 the settings           (OpCluster, for the leader)
//	POST /api/v1/topology/{id}/activate                Operation              (OpActivate)
//	POST /api/v1/topology/{id}/deactivate              Operation              (OpDeactivate)
//	POST /api/v1/topology/{id}/rebalance[/{wait}]      Operation              (OpRebalance; body RebalanceRequest, optional: Storm's rebalanceOptions or Squall's)
//	POST /api/v1/topology/{id}/kill[/{wait}]           Operation              (OpKill)
//	POST /api/v1/topology                              Operation, 201         (OpSubmit; body SubmitRequest)
//	PUT  /api/v1/artifact/{sha256}                     ArtifactInfo, 201/200  (body: the program)
//	GET  /api/v1/artifact/{sha256}                     the program's bytes    (HEAD: whether it is here)
//
// W is 600 or 10m (the last ten minutes), 10800 or 3h, 86400 or 1d, or all
// or :all-time (the default, as in Storm UI); sys=1 adds the system
// components (__acker), as Storm UI's. {wait} is whole seconds, 0 to
// WaitSecondsMax; without it the wait is the topology's message timeout, as
// Storm's CLI without -w.
// The spouts are deactivated during the wait.
//
// # Leaders and followers
//
// Only the leader answers requests that reach the nimbus machine. A follower
// answers 307 Temporary Redirect to the leader's API at the same path and
// query (the leader's NodeID is its API's host:port), so POST and PUT
// bodies are sent again to the leader; when no leader is known (an election
// is under way) it answers 503 and the client tries another nimbus.
// Artifacts are read from any nimbus that holds them: supervisors and
// standby nimbuses fetch from whoever has a copy. A submit checks that the
// named artifact is already in this nimbus's store, because a topology
// whose program no nimbus holds could never run; a follower without it
// redirects, so only the leader's store decides (422, code
// artifact_missing, when it lacks it).
//
// # Errors
//
// Every error is JSON, ErrorBody{"error": message, "code", "leader"}:
//
//	400  bad JSON, unknown fields, a bad window, wait or digest, a spec nimbus refuses
//	404  unknown topology, component, artifact or route
//	405  method not allowed (with Allow)
//	409  the topology exists, is being killed, is rebalancing, has an operation in flight
//	413  upload larger than UploadBytesMax (http.MaxBytesReader) or a JSON body over 4 MiB
//	422  upload bytes that do not hash to the digest in the path; submit of a missing artifact
//	500  a ZooKeeper write failed or leadership was lost mid-write: the outcome is unknown
//	503  no leader known, the nimbus machine is unavailable or re-establishing leadership
//	504  the nimbus machine did not answer within RequestTimeout: the outcome is unknown
//
// Nimbus reports refusals as text; replyStatuses classifies them.
//
// # Client
//
// Client follows redirects and remembers the nimbus that answered last (the
// leader), so later calls go there directly. It tries the next nimbus when a
// connection is refused or a nimbus answers 503, at most AttemptsMax times
// per call, pausing between rounds. A request that may have reached a
// nimbus (a reset connection) is retried only when it is idempotent, never
// a submit, kill or rebalance. Refusals come back as *Error with the
// server's status and message. Submit hashes the program file, finds the
// leader, uploads the program there unless a HEAD shows it has it, then
// submits; if leadership moved in between, it uploads to the new leader
// once more.
package httpapi
