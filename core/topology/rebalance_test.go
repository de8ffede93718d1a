package topology

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestWithParallelism(t *testing.T) {
	for _, c := range []struct {
		component string
		n         int
		err       error  // nil: success
		want      string // in the error
	}{
		{"count", 8, nil, ""},
		{"count", 1, nil, ""},
		{"sentences", 1, nil, ""},
		{"count", 9, ErrParallelism, "bolts.count.tasks: tasks 8 fewer than parallelism 9"},
		{"count", 0, ErrParallelism, "bolts.count.parallelism: parallelism 0, must be at least 1"},
		{"cnt", 2, ErrUnknownComponent, `cnt: no spout or bolt "cnt" to rebalance`},
		{AckerComponent, 1, ErrUnknownComponent, `no spout or bolt "__acker"`},
	} {
		topo := wordcount(t)
		before := topo.Clone()
		got, err := WithParallelism(topo, c.component, c.n)
		if !reflect.DeepEqual(topo, before) {
			t.Errorf("%s=%d changed its input", c.component, c.n)
		}
		if c.err != nil {
			if got != nil || !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s=%d: got %v, %v, want an error matching %v containing %q", c.component, c.n, got, err, c.err, c.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s=%d: %v", c.component, c.n, err)
		}
		if comp, _ := got.Component(c.component); comp.Parallelism != c.n {
			t.Errorf("%s=%d: got parallelism %d", c.component, c.n, comp.Parallelism)
		}
		if !reflect.DeepEqual(Tasks(got), Tasks(topo)) {
			t.Errorf("%s=%d: tasks changed: got %v, want %v", c.component, c.n, Tasks(got), Tasks(topo))
		}
	}
}

func TestWithParallelismRejectsInvalidInput(t *testing.T) {
	topo := wordcount(t)
	topo.Config.Workers = 0
	if _, err := WithParallelism(topo, "count", 2); !errors.Is(err, ErrConfig) {
		t.Errorf("got %v, want ErrConfig", err)
	}
	if _, err := WithWorkers(topo, 2); !errors.Is(err, ErrConfig) {
		t.Errorf("got %v, want ErrConfig", err)
	}
}

func TestWithWorkers(t *testing.T) {
	for _, c := range []struct {
		workers, ackers int // of the topology
		n               int
		wantAckers      int // config of the copy
		err             error
	}{
		{1, AckersPerWorker, 4, 1, nil}, // acker tasks fixed at one
		{3, AckersPerWorker, 1, 3, nil},
		{2, 0, 5, 0, nil},
		{2, 3, 1, 3, nil},
		{2, AckersPerWorker, 0, 0, ErrConfig},
		{2, AckersPerWorker, WorkersMax + 1, 0, ErrLimit},
	} {
		topo := wordcount(t)
		topo.Config.Workers, topo.Config.Ackers = c.workers, c.ackers
		before := topo.Clone()
		got, err := WithWorkers(topo, c.n)
		if !reflect.DeepEqual(topo, before) {
			t.Errorf("%+v: changed its input", c)
		}
		if c.err != nil {
			if got != nil || !errors.Is(err, c.err) {
				t.Errorf("%+v: got %v, %v, want %v", c, got, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if got.Config.Workers != c.n || got.Config.Ackers != c.wantAckers {
			t.Errorf("%+v: got workers %d ackers %d, want %d and %d", c, got.Config.Workers, got.Config.Ackers, c.n, c.wantAckers)
		}
		if !reflect.DeepEqual(Tasks(got), Tasks(topo)) {
			t.Errorf("%+v: tasks changed: got %v, want %v", c, Tasks(got), Tasks(topo))
		}
	}
}
