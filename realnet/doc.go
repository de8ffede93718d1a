// Package realnet runs core machines for real: a TCP Transport that carries
// their Send effects between processes, and a Driver that owns one machine,
// steps it in real time and executes its effects. The simulator in package
// sim is the other driver of the same machines; both route effects through
// one dispatcher (core/dispatch) and keep its contract: effects run in order, a Persist is durable
// before the next effect, messages to one destination arrive in order or
// not at all, a connection reset may lose a suffix of them.
//
// # Transport
//
//	process A                                             process B
//	─────────                                             ─────────
//	Send(e) ──► peer queue (≤ QueueBytesMax, else ErrBackpressure)
//	              │ wake
//	              ▼
//	           writer goroutine, one per peer ── dial + hello, backoff 20 ms … 2 s
//	              │ 64 KiB bufio.Writer, flushed only when the queue is empty
//	              ▼
//	           one TCP connection A→B ════════════════►  accept goroutine
//	           (watch goroutine: sees B close it)             │ first byte
//	                                                         ├─ 0x00 (magic) ─► reader goroutine
//	                                                         │                   hello, then frames
//	                                                         │                   sink(core.Recv{From, Payload})
//	                                                         └─ other ────────► HTTPListener().Accept
//	                                                                             (peeked bytes replayed)
//
// Wire: the dialer sends a hello (magic 00 'S' 'Q' 'T', version, its NodeID)
// and then frames, each a uint32 big-endian length ≤ PayloadBytesMax and the
// payload. Connections are one-way: B's messages to A travel on B's own
// connection to A, so each ordered pair of processes has one connection.
// A length over the bound, a connection that ends inside a frame, or a bad
// hello closes that connection with a logged error and counts in
// TransportStats.WireErrors; it never panics.
//
// Coalescing: the writer takes everything queued at once, writes it into its
// buffer, and flushes only when the queue is empty, so a busy peer gets large
// writes and an idle one gets each message at once (TCP_NODELAY is on).
//
// Losses, as the contract allows: payloads being written when a connection
// fails; payloads queued for a peer unreachable for peerUnreachableDropAfter.
// A new connection from a peer supersedes the old one: the old one is closed
// and what it still held is dropped, never delivered after the new one's
// messages, so per-peer order holds across reconnections.
//
// Bounds: QueueBytesMax wire bytes queued per peer, PeersMax peers,
// connsMax open connections, PayloadBytesMax per frame, NodeIDBytesMax per
// hello, httpAcceptQueueMax HTTP connections waiting for Accept.
//
// Goroutines, their owners and ends. Listen starts the accept goroutine; it
// starts a reader per accepted connection; the first Send to a peer starts
// its writer, and each writer's connection has a watch goroutine. All belong
// to the Transport. A reader ends with its connection; a writer ends after
// peerIdleTimeout with nothing queued (the next Send starts another); Close
// closes the listener and every connection, cancels dials and backoffs, and
// waits for all of them, including sink calls in progress.
//
// The sink runs on reader goroutines, concurrently for different peers. It
// should return quickly: while it blocks, that connection is not read, the
// sender's queue fills and its Send returns ErrBackpressure. Inbox.Deliver is
// a good sink: it blocks only when the machine is behind, which is exactly
// the backpressure wanted.
//
// # Driver
//
//	producers (transport sink, ZooKeeper adapter, process watcher)
//	     │ Inbox.Deliver (blocks when full)
//	     ▼
//	┌─ Run, one goroutine ──────────────────────────────────────────────┐
//	│ Restored (if Store) ─► pending                                    │
//	│ loop: pending, then queued event? ── yes ─► step                  │
//	│           │ no                                                    │
//	│           ▼                                                       │
//	│       select: ctx done ─► return ctx.Err()                        │
//	│               outcome lane ─► step (a start's WorkerStarted)      │
//	│               inbox event ─► step (outcomes waiting go first)     │
//	│               ticker ─► step(Tick)                                │
//	│               Do(fn) ─► fn(machine), execute Ready()              │
//	│ step: Machine.Step(now, ev); for e in Ready(), in order:          │
//	│   Coord ─► Coord.Submit      Send ─► Net.Send (errors counted)    │
//	│   Persist ─► Store write+sync, Persisted ─► pending               │
//	│   StartWorker ─► goroutine of its port ─► Procs.Start ─► lane     │
//	│   StopWorker ─► Procs.Stop (after the port's start in flight)     │
//	│   Log ─► slog                Exit ─► OnExit, return nil           │
//	└───────────────────────────────────────────────────────────────────┘
//
// Persisted events go to the pending queue, which is stepped before any
// inbox event: a machine learns its write is durable before anything that
// happened after it. Results of Coord come back through the inbox, as do
// WorkerExited events. A start runs off Run's goroutine (it may download an
// artifact), at most StartsConcurrentMax at once; its WorkerStarted comes
// back on the outcome lane, which has room reserved for StartsInFlightMax
// and so never blocks on a full inbox; past that bound a start is refused
// at once with a failed WorkerStarted. Time given to the machine never
// decreases.
package realnet
