package cli

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/zkadapter"
)

// zkReader makes synchronous reads on its own ZooKeeper session, for the
// daemons' driver-side work that is not a machine's: a worker reading its
// topology, a supervisor finding the artifact of a worker it starts, a
// nimbus replicating artifacts. It never writes.
type zkReader struct {
	client interface {
		Submit(core.Coord)
		Close() error
	}
	mu      sync.Mutex
	seq     core.OpSeq
	waiting map[core.OpID]chan core.Reply
}

func dialReader(servers []string, timeout time.Duration, secret []byte, log *slog.Logger) (*zkReader, error) {
	r := &zkReader{waiting: map[core.OpID]chan core.Reply{}}
	c, err := zkadapter.New(zkadapter.Config{Servers: servers, SessionTimeout: timeout, Logger: log, Secret: secret}, r.onEvent)
	if err != nil {
		return nil, fmt.Errorf("zookeeper %v: %w", servers, err)
	}
	r.client = c
	return r, nil
}

func (r *zkReader) onEvent(ev core.Event) {
	res, ok := ev.(core.CoordResult)
	if !ok {
		return
	}
	r.mu.Lock()
	ch := r.waiting[res.Op]
	delete(r.waiting, res.Op)
	r.mu.Unlock()
	if ch != nil {
		ch <- res.Reply
	}
}

func (r *zkReader) do(ctx context.Context, req core.Request) (core.Reply, error) {
	ch := make(chan core.Reply, 1)
	r.mu.Lock()
	op := r.seq.Next()
	r.waiting[op] = ch
	r.mu.Unlock()
	r.client.Submit(core.Coord{Op: op, Req: req})
	select {
	case rep := <-ch:
		return rep, nil
	case <-ctx.Done():
		r.mu.Lock()
		delete(r.waiting, op)
		r.mu.Unlock()
		return core.Reply{}, fmt.Errorf("zookeeper: %s: %w", req, ctx.Err())
	}
}

// get reads a znode; ok is false when it does not exist.
func (r *zkReader) get(ctx context.Context, path string) (data []byte, ok bool, err error) {
	rep, err := r.do(ctx, core.GetData{Path: path})
	if err != nil {
		return nil, false, err
	}
	switch rep.Code {
	case core.CodeOK:
		return rep.Data, true, nil
	case core.CodeNoNode:
		return nil, false, nil
	}
	return nil, false, fmt.Errorf("zookeeper: get %s: %s", path, rep.Code)
}

// children lists a znode's children; none when it does not exist.
func (r *zkReader) children(ctx context.Context, path string) ([]string, error) {
	rep, err := r.do(ctx, core.Children{Path: path})
	if err != nil {
		return nil, err
	}
	switch rep.Code {
	case core.CodeOK:
		return rep.Children, nil
	case core.CodeNoNode:
		return nil, nil
	}
	return nil, fmt.Errorf("zookeeper: children %s: %s", path, rep.Code)
}

func (r *zkReader) close() error { return r.client.Close() }
