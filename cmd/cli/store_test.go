package cli

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/realnet"
	"github.com/squall/squall/storage"
)

// persister persists on every tick, as a supervisor writes launch records.
type persister struct {
	seq core.OpSeq
	out []core.Effect
}

func (p *persister) Step(_ core.Time, ev core.Event) {
	if _, ok := ev.(core.Tick); ok {
		p.out = append(p.out, core.Persist{Op: p.seq.Next(), Key: []byte("k"), Value: []byte("v")})
	}
}

func (p *persister) Ready() []core.Effect {
	out := p.out
	p.out = nil
	return out
}

// A supervisor whose store fails a write ends with errStoreFailed rather
// than retrying its launch records forever.
func TestWatchStoreEndsOnFailedWrite(t *testing.T) {
	disk := storage.NewDisk()
	store, err := storage.Open(disk.FS(), "state", storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	disk.InjectErrors(storage.Faults{WriteProbability: 1, Seed: 1})
	d := realnet.NewDriver(realnet.DriverConfig{ID: "sup", Machine: &persister{}, Tick: 10 * time.Millisecond,
		Inbox: realnet.NewInbox(16), Store: store})
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	go watchStore(ctx, d, cancel)
	run := make(chan error, 1)
	go func() { run <- d.Run(ctx) }()
	select {
	case <-run:
	case <-time.After(10 * time.Second):
		t.Fatalf("driver still running 10 s after its store failed, want it stopped")
	}
	if got := context.Cause(ctx); !errors.Is(got, errStoreFailed) {
		t.Fatalf("cause: got %v, want errStoreFailed", got)
	}
}
