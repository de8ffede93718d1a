package protocol

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/squall/squall/core"
)

// ErrorsRecord is a topology's last errors as the leader keeps them in
// ZooKeeper, at Layout.Errors: a child of the topology's record, so that
// ZooKeeper ties it to the topology's life (a record with children cannot
// be deleted; the kill deletes both in one multi), and a resubmitted
// topology of the same name never inherits them. Errors are rare and
// bounded (ErrorsPerComponentMax per component, ErrorsRecordBytesMax in
// all, one write per topology per errors write period at most), unlike
// heartbeats, which never go through ZooKeeper.
type ErrorsRecord struct {
	// Components maps a component to its errors, oldest first.
	Components map[string][]TaskError `json:"components"`
}

// ErrorsRecordBytesMax bounds an errors record, well below ZooKeeper's
// 1 MB znode limit: the newest errors that fit are kept.
const ErrorsRecordBytesMax = 256 << 10

// errorBytesGuess is the encoding of a TaskError without its message.
const errorBytesGuess = 160

// EncodeErrors encodes the newest errors of each component that fit in
// ErrorsRecordBytesMax (by an estimate from the messages' lengths, so the
// trim takes one pass).
func EncodeErrors(byComp map[string][]TaskError) []byte {
	type ref struct {
		comp string
		e    TaskError
	}
	var all []ref
	for comp, errs := range byComp {
		for _, e := range errs[max(0, len(errs)-ErrorsPerComponentMax):] {
			all = append(all, ref{comp, e})
		}
	}
	slices.SortFunc(all, func(a, b ref) int {
		return cmp.Or(cmp.Compare(b.e.TimeNs, a.e.TimeNs), cmp.Compare(a.comp, b.comp), cmp.Compare(a.e.Seq, b.e.Seq))
	})
	rec := ErrorsRecord{Components: map[string][]TaskError{}}
	size := 0
	for _, r := range all { // newest first
		size += errorBytesGuess + len(r.comp) + 2*len(r.e.Error) + len(r.e.Host) // a message may double when escaped
		if size > ErrorsRecordBytesMax {
			break
		}
		r.e.AgeSecs = 0
		rec.Components[r.comp] = append(rec.Components[r.comp], r.e)
	}
	for _, errs := range rec.Components {
		slices.Reverse(errs) // oldest first
	}
	return Encode(rec)
}

// DecodeErrors decodes and validates an errors record.
func DecodeErrors(data []byte) (ErrorsRecord, error) {
	var r ErrorsRecord
	if err := decode(data, &r); err != nil {
		return r, err
	}
	for comp, errs := range r.Components {
		if len(errs) > ErrorsPerComponentMax {
			return r, fmt.Errorf("%w: errors of %q: %d, over %d", ErrBadRecord, comp, len(errs), ErrorsPerComponentMax)
		}
		for _, e := range errs {
			if e.Component != comp {
				return r, fmt.Errorf("%w: an error of %q filed under %q", ErrBadRecord, e.Component, comp)
			}
		}
	}
	return r, nil
}

// Errors is the node of a topology's errors record, a child of its record.
func (l Layout) Errors(id core.TopologyID) string { return l.Topology(id) + "/errors" }
