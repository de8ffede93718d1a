package worker

import (
	"github.com/squall/squall/core"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/tuple"
)

// Plane runs a worker's tasks: the data plane the machine drives. The
// simulator's is one task.Executor stepped on the machine's goroutine (see
// NewSinglePlane); a real worker may run its tasks elsewhere (realnet/lanes
// runs one goroutine per task), as long as every method returns promptly
// and is called from the machine's goroutine only.
type Plane interface {
	// Step runs the tasks for one tick of at most budget units; a plane
	// whose tasks run on their own may do nothing.
	Step(now core.Time, budget int)
	// Flush hands every batch ready for another worker to send: w is the
	// worker index, n its messages, batch starts with DataPrefix and is the
	// send's to keep. It returns how many batches since the last Flush
	// could not be encoded or decoded (their trees time out).
	Flush(send func(w, n int, batch []byte)) int
	// Deliver takes a batch (without its prefix) another worker sent; the
	// plane may keep batch. An error means nothing of it was delivered.
	Deliver(batch []byte) error
	SetActive(on bool)
	SetThrottled(on bool)
	// Congested reports whether the peers' spouts should wait.
	Congested() bool
	// Tasks lists the spout and bolt tasks, ascending; Component names one.
	Tasks() []core.TaskID
	Component(id core.TaskID) string
	// Metrics returns a task's metric windows; before the first Step the
	// live ones (the machine restores saved windows into them), after it
	// possibly a snapshot that the tasks no longer write.
	Metrics(id core.TaskID) *metrics.TaskStats
	// Errors appends the errors the tasks recorded (see
	// task.Executor.Errors), possibly as published a moment ago.
	Errors(dst []task.Error) []task.Error
	// Close stops the plane; the machine calls it when it replaces the
	// plane or exits.
	Close()
}

// PlaneFactory builds the plane of an assignment. The machine passes the
// executor config it would give task.NewExecutor.
type PlaneFactory func(cfg task.ExecutorConfig) (Plane, error)

// NewSinglePlane runs every task in one task.Executor, stepped by the
// machine: the simulator's plane, and the default.
func NewSinglePlane(cfg task.ExecutorConfig) (Plane, error) {
	exec, err := task.NewExecutor(cfg)
	if err != nil {
		return nil, err
	}
	return &singlePlane{Executor: exec}, nil
}

// batchFrameBytesGuess is the room a flush reserves per message of a
// batch: a small tuple or an acking message with its frame header takes
// 40 to 60 bytes, so a batch mostly fits without growing.
const batchFrameBytesGuess = 64

// singlePlane is one executor with the worker's encoder and decoder: one of
// each per worker, as the sim steps it alone, so a steady flow reuses their
// buffers and the decoder's string table.
type singlePlane struct {
	*task.Executor
	enc task.Encoder
	dec task.Decoder
}

func (p *singlePlane) Step(now core.Time, budget int) { p.Executor.Step(now, budget) }

// Flush encodes what the executor produced for other workers, a batch of
// at most tuple.FramesMax per message, peers in index order.
func (p *singlePlane) Flush(send func(w, n int, batch []byte)) int {
	return FlushRemotes(&p.enc, p.TakeRemote(), -1, send)
}

// DataPrefix starts every tuple batch between workers (see Plane.Flush).
const DataPrefix = dataMagic

// FlushRemotes encodes outboxes (element w for worker w, skipping worker
// skip) into batches, each starting with DataPrefix, of at most
// tuple.FramesMax messages, and sends them with their message counts; it
// returns how many batches the codec refused (a value it cannot carry):
// their trees time out.
func FlushRemotes(enc *task.Encoder, outboxes [][]task.Remote, skip int, send func(w, n int, batch []byte)) int {
	refused := 0
	for w, out := range outboxes {
		if w == skip {
			continue
		}
		for i := 0; i < len(out); i += tuple.FramesMax {
			j := min(i+tuple.FramesMax, len(out))
			// Room for a typical batch, so that encoding allocates once.
			dst := append(make([]byte, 0, 1+batchFrameBytesGuess*(j-i)), DataPrefix)
			buf, err := enc.AppendBatch(dst, out[i:j])
			if err != nil {
				refused++
				continue
			}
			send(w, j-i, buf)
		}
	}
	return refused
}

func (p *singlePlane) Deliver(batch []byte) error { return p.dec.DeliverBatch(batch, p.Executor) }

func (p *singlePlane) Close() {}
