package topology

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateNil(t *testing.T) {
	err := Validate(nil)
	if got, want := err.Error(), `topology: invalid topology "": topology: nil topology`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestValidationErrorMessage(t *testing.T) {
	topo := wordcount(t)
	topo.Config.Workers = 0
	mustComponent(t, topo, "count").Inputs[0].Stream = "words"
	want := `topology: invalid topology "wordcount": ` +
		`bolts.count.inputs.split/words: subscribes to stream "words", which "split" does not declare (it declares [default]); ` +
		`config.workers: workers 0, must be at least 1`
	if got := Validate(topo).Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestValidationErrorBounded(t *testing.T) {
	topo := wordcount(t)
	for range problemsMax + 8 {
		mustComponent(t, topo, "split").Parallelism = 0
		topo.Bolts = append(topo.Bolts, Component{Name: "x", Type: "x.X", Parallelism: 1, Tasks: 1})
	}
	var verr *ValidationError
	if !errors.As(Validate(topo), &verr) {
		t.Fatal("want a *ValidationError")
	}
	// One parallelism problem and 39 duplicate names: 40 in all.
	if got, want := len(verr.Problems), problemsMax; got != want {
		t.Errorf("got %d problems, want %d", got, want)
	}
	if got, want := verr.Omitted, 40-problemsMax; got != want {
		t.Errorf("got %d omitted, want %d", got, want)
	}
	if !strings.HasSuffix(verr.Error(), "; and 8 more") {
		t.Errorf("got %q, want it to end with the omitted count", verr.Error())
	}
}
