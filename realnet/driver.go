package realnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/dispatch"
	"github.com/squall/squall/storage"
)

// DefaultTick is the tick period of a driver whose config sets none; it
// matches the simulator's.
const DefaultTick = 100 * time.Millisecond

// Driver bounds.
const (
	// restoredEntriesMax bounds the entries of the Restored event, as the
	// simulator's restore does; a store with more is a bug in its machine.
	restoredEntriesMax = 1 << 16
	// sendErrorLogEvery: the first failed Send of a run of failures is logged,
	// then one in this many, so a peer that is down cannot flood the log.
	sendErrorLogEvery = 1024
)

// ErrStopped is returned by Do when the driver's Run has returned.
var ErrStopped = errors.New("realnet: driver stopped")

// Coordinator executes Coord effects; its results come back through the inbox.
type Coordinator interface{ Submit(core.Coord) }

// Sender executes Send effects without blocking; Transport is one.
type Sender interface{ Send(core.Send) error }

// Processes executes StartWorker and StopWorker effects. Start may take
// long (it may download an artifact): the driver calls it off its own
// goroutine, at most StartsConcurrentMax at once, never two of one port at
// once. Start hands its WorkerStarted to done exactly once, before it
// returns and before any WorkerExited of the process it started goes to the
// inbox. Stop must not block; the end it causes comes back through the
// inbox as a WorkerExited.
type Processes interface {
	Start(e core.StartWorker, done func(core.WorkerStarted))
	Stop(core.StopWorker)
}

// DriverConfig configures a Driver. Executors a machine never needs may be
// nil; an effect whose executor is nil is a programmer error and panics.
type DriverConfig struct {
	ID      core.NodeID
	Machine core.Machine
	// Tick is the period of Tick events; zero means DefaultTick.
	Tick time.Duration
	// Inbox feeds the machine; its producers are the executors' callbacks
	// and the transport's sink. Run closes it when it returns.
	Inbox *Inbox
	Coord Coordinator
	Net   Sender
	// Store runs Persist effects, and its entries form the Restored event
	// delivered before anything else.
	Store *storage.Store
	Procs Processes
	// OnExit is called with the reason of an Exit effect, just before Run
	// returns nil. It may be nil: Run's return says as much.
	OnExit func(reason string)
	Logger *slog.Logger
	// Now reads the clock the machine sees. Nil means wall-clock nanoseconds
	// read at NewDriver and advanced by the monotonic clock since, so that
	// times are comparable across processes and never go back. Whatever Now
	// returns, the driver never lets time decrease.
	Now func() core.Time
}

// DriverStats are counters since NewDriver.
type DriverStats struct {
	Steps         uint64 // Machine.Step calls
	Ticks         uint64 // of which Tick events
	InboxEvents   uint64 // of which events from the inbox
	Effects       uint64 // effects executed
	SendErrors    uint64 // Sends the Net refused, backpressure included
	Backpressured uint64 // of which ErrBackpressure
	PersistErrors uint64
	StartsRefused uint64 // StartWorkers refused at once: too many in flight
	StopsDropped  uint64 // StopWorkers dropped: too many effects held on the port
	InboxLen      int    // events waiting now
}

// Driver runs one machine in real time: one goroutine (Run's) steps it with
// inbox events and ticks and executes its effects in order, through the
// shared dispatcher (core/dispatch, whose contract it keeps). Starts run
// off that goroutine; their outcomes come back on an outcome lane that
// bypasses the inbox bound (room for StartsInFlightMax is reserved), so a
// full inbox never blocks or loses them.
type Driver struct {
	cfg DriverConfig
	log *slog.Logger

	do      chan doRequest
	stopped chan struct{} // closed when Run returns
	running atomic.Bool

	starts *starts // nil without Procs

	// Owned by Run's goroutine.
	pending []core.Event // driver-made events, stepped before the inbox's
	// queued are events taken out of order: outcomes drained ahead of the
	// inbox event that follows them, and refused starts. Stepped after
	// pending, before anything new; at most StartsInFlightMax+1.
	queued  []core.Event
	last    core.Time
	exited  bool
	sendRun uint64 // consecutive failed Sends

	stats struct {
		steps, ticks, inbox, effects, sendErrors, backpressured, persistErrors atomic.Uint64
	}
}

type doRequest struct {
	fn   func(core.Machine)
	done chan struct{}
}

// NewDriver returns a driver for cfg.Machine; Run starts it.
func NewDriver(cfg DriverConfig) *Driver {
	core.Assert(cfg.Machine != nil, "realnet: driver %s without a machine", cfg.ID)
	core.Assert(cfg.Inbox != nil, "realnet: driver %s without an inbox", cfg.ID)
	core.Assert(cfg.Tick >= 0, "realnet: driver %s: negative tick %v", cfg.ID, cfg.Tick)
	if cfg.Tick == 0 {
		cfg.Tick = DefaultTick
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = NewClock()
	}
	d := &Driver{
		cfg:     cfg,
		log:     cfg.Logger.With("node", string(cfg.ID)),
		do:      make(chan doRequest),
		stopped: make(chan struct{}),
	}
	if cfg.Procs != nil {
		d.starts = newStarts(cfg.Procs, d.log)
	}
	return d
}

// Run drives the machine until ctx is done (it returns ctx's error) or the
// machine executes an Exit (it returns nil). With a Store, the first event is
// Restored. After each step the effects run in order; a Persist is synced and
// its Persisted stepped before any inbox event. A start's outcome is stepped
// before any inbox event delivered after it. Run may be called once; when
// it returns it closes the inbox. It does not wait for starts in flight:
// they end with their Processes, their outcomes unread.
func (d *Driver) Run(ctx context.Context) error {
	core.Assert(d.running.CompareAndSwap(false, true), "realnet: driver %s: Run called twice", d.cfg.ID)
	defer close(d.stopped)
	defer d.cfg.Inbox.Close()
	ticker := time.NewTicker(d.cfg.Tick)
	defer ticker.Stop()
	if d.cfg.Store != nil {
		d.pending = append(d.pending, d.restored())
	}
	var outcomes chan core.Event // nil without Procs: never ready
	if d.starts != nil {
		outcomes = d.starts.outcomes
	}
	for !d.exited {
		if ev, ok := d.next(); ok {
			d.step(ev)
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-outcomes:
			d.starts.taken()
			d.step(ev)
		case ev := <-d.cfg.Inbox.ch:
			d.stats.inbox.Add(1)
			if len(outcomes) > 0 {
				// An outcome may have been queued before ev (a worker's
				// exit follows its start): step the outcomes first.
				d.takeOutcomes()
				d.queued = append(d.queued, ev)
				continue
			}
			d.step(ev)
		case <-ticker.C:
			d.stats.ticks.Add(1)
			d.step(core.Tick{})
		case req := <-d.do:
			req.fn(d.cfg.Machine)
			d.execute(d.cfg.Machine.Ready())
			close(req.done)
		}
	}
	return nil
}

// next takes the first driver-made event: pending, then queued.
func (d *Driver) next() (core.Event, bool) {
	switch {
	case len(d.pending) > 0:
		return takeFirst(&d.pending), true
	case len(d.queued) > 0:
		return takeFirst(&d.queued), true
	}
	return nil, false
}

func takeFirst(q *[]core.Event) core.Event {
	ev := (*q)[0]
	(*q)[0] = nil
	*q = (*q)[1:]
	return ev
}

// takeOutcomes moves the outcomes waiting on the lane to queued.
func (d *Driver) takeOutcomes() {
	for {
		select {
		case ev := <-d.starts.outcomes:
			d.starts.taken()
			d.queued = append(d.queued, ev)
		default:
			return
		}
	}
}

// Do runs fn with the machine on the driver's goroutine, between steps, and
// returns when fn has. fn may read the machine or step it; effects it causes
// are executed after it. ctx bounds only the wait for the driver to take fn.
func (d *Driver) Do(ctx context.Context, fn func(core.Machine)) error {
	req := doRequest{fn: fn, done: make(chan struct{})}
	select {
	case d.do <- req:
	case <-ctx.Done():
		return fmt.Errorf("realnet: driver %s: do: %w", d.cfg.ID, ctx.Err())
	case <-d.stopped:
		return fmt.Errorf("realnet: driver %s: do: %w", d.cfg.ID, ErrStopped)
	}
	<-req.done
	return nil
}

// Stats returns the driver's counters; safe from any goroutine.
func (d *Driver) Stats() DriverStats {
	s := &d.stats
	st := DriverStats{
		Steps: s.steps.Load(), Ticks: s.ticks.Load(), InboxEvents: s.inbox.Load(),
		Effects: s.effects.Load(), SendErrors: s.sendErrors.Load(), Backpressured: s.backpressured.Load(),
		PersistErrors: s.persistErrors.Load(), InboxLen: d.cfg.Inbox.Len(),
	}
	if d.starts != nil {
		st.StartsRefused, st.StopsDropped = d.starts.refused.Load(), d.starts.stopsDropped.Load()
	}
	return st
}

// step steps the machine with ev and executes the effects it produces.
func (d *Driver) step(ev core.Event) {
	now := d.cfg.Now()
	if now < d.last {
		now = d.last
	}
	d.last = now
	d.stats.steps.Add(1)
	d.cfg.Machine.Step(now, ev)
	d.execute(d.cfg.Machine.Ready())
}

// execute runs effects in order through the shared dispatcher; after an
// Exit the rest are moot.
func (d *Driver) execute(effs []core.Effect) { dispatch.Execute((*executor)(d), effs) }

// executor is the driver as the dispatcher sees it: its effect executors.
type executor Driver

func (x *executor) Live() bool          { return !x.exited }
func (x *executor) Begin(e core.Effect) { x.stats.effects.Add(1) }

func (x *executor) Send(e core.Send) {
	core.Assert(x.cfg.Net != nil, "realnet: driver %s has no Net for %s", x.cfg.ID, e)
	(*Driver)(x).send(e)
}

func (x *executor) Coord(e core.Coord) {
	core.Assert(x.cfg.Coord != nil, "realnet: driver %s has no Coord for %s", x.cfg.ID, e)
	x.cfg.Coord.Submit(e)
}

func (x *executor) Persist(e core.Persist) {
	core.Assert(x.cfg.Store != nil, "realnet: driver %s has no Store for %s", x.cfg.ID, e)
	(*Driver)(x).persist(e)
}

// StartWorker begins the start off the driver's goroutine; a refusal is
// stepped as the start's outcome, after the events already taken.
func (x *executor) StartWorker(e core.StartWorker) {
	core.Assert(x.starts != nil, "realnet: driver %s has no Procs for %s", x.cfg.ID, e)
	if ev, refused := x.starts.start(e); refused {
		x.queued = append(x.queued, ev)
	}
}

func (x *executor) StopWorker(e core.StopWorker) {
	core.Assert(x.starts != nil, "realnet: driver %s has no Procs for %s", x.cfg.ID, e)
	x.starts.stop(e)
}

func (x *executor) Log(e core.Log) { (*Driver)(x).writeLog(e) }

func (x *executor) Exit(e core.Exit) {
	x.log.Info("realnet: machine exits", "reason", e.Reason)
	x.exited = true
	if x.cfg.OnExit != nil {
		x.cfg.OnExit(e.Reason)
	}
}

// writeLog writes a machine's Log with slog, at its level, its attributes
// in their (sorted) order after the driver's own ("node").
func (d *Driver) writeLog(e core.Log) {
	level := slog.Level(e.Level)
	if !d.log.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, len(e.Attrs))
	for _, a := range e.Attrs {
		attrs = append(attrs, slog.String(a.Key, a.Value))
	}
	d.log.LogAttrs(context.Background(), level, e.Msg, attrs...)
}

// send hands e to the network; a refusal is counted and logged, never
// waited on: the contract lets the network lose messages.
func (d *Driver) send(e core.Send) {
	err := d.cfg.Net.Send(e)
	if err == nil {
		d.sendRun = 0
		return
	}
	d.stats.sendErrors.Add(1)
	if errors.Is(err, ErrBackpressure) {
		d.stats.backpressured.Add(1)
	}
	if d.sendRun%sendErrorLogEvery == 0 {
		d.log.Warn("realnet: send failed", "to", string(e.To), "err", err, "failed_in_a_row", d.sendRun+1)
	}
	d.sendRun++
}

// persist writes e durably (the Store syncs every write) and queues its
// Persisted ahead of the inbox.
func (d *Driver) persist(e core.Persist) {
	var err error
	if e.Value == nil {
		err = d.cfg.Store.Delete(e.Key)
	} else {
		err = d.cfg.Store.Set(e.Key, e.Value)
	}
	ev := core.Persisted{Op: e.Op}
	if err != nil {
		d.stats.persistErrors.Add(1)
		d.log.Error("realnet: persist failed", "op", uint64(e.Op), "err", err)
		ev.Err = err.Error()
	}
	d.pending = append(d.pending, ev)
}

// restored reads the store for the Restored event. A scan error is logged
// and the entries read so far are delivered, as the simulator does.
func (d *Driver) restored() core.Restored {
	var entries []core.KV
	err := d.cfg.Store.Scan(nil, func(k, v []byte) error {
		if len(entries) >= restoredEntriesMax {
			return fmt.Errorf("realnet: %s: store holds over %d entries", d.cfg.ID, restoredEntriesMax)
		}
		entries = append(entries, core.KV{Key: k, Value: v}) // Scan hands out copies
		return nil
	})
	if err != nil {
		d.log.Error("realnet: restore: store scan failed", "err", err, "entries", len(entries))
	}
	return core.Restored{Entries: entries}
}
