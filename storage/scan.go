package storage

import (
	"bytes"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Scan calls fn with each key that starts with prefix and its value, in
// ascending key order; an empty prefix scans the whole store. fn gets copies
// it may keep. When fn returns an error, Scan stops and returns that error as
// it is, so a caller can stop early with a sentinel of its own.
//
// Scan reads in pages of at most scanPageEntriesMax entries and holds nothing
// while fn runs, so fn may call any method of the Store, Close included. It is
// not a snapshot: a write made during the scan is seen if its key lies past the
// page already read.
func (s *Store) Scan(prefix []byte, fn func(key, value []byte) error) error {
	if len(prefix) > KeySizeMax {
		return fmt.Errorf("%w: prefix of %d bytes, want at most %d", ErrKeySize, len(prefix), KeySizeMax)
	}
	lower, upper := bytes.Clone(prefix), prefixEnd(prefix)
	for {
		page, more, err := s.scanPage(prefix, lower, upper)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e.key, e.value); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
		// The smallest key after the last one read: every page starts strictly
		// past the previous one, so the loop ends.
		lower = append(bytes.Clone(page[len(page)-1].key), 0)
	}
}

type entry struct{ key, value []byte }

// scanPage reads entries in [lower, upper) until a page is full, and reports
// whether more remain.
func (s *Store) scanPage(prefix, lower, upper []byte) (page []entry, more bool, err error) {
	err = s.call("scan", prefix, func() error {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			return err
		}
		pageBytes := 0
		for valid := it.First(); valid; valid = it.Next() {
			if len(page) == scanPageEntriesMax || pageBytes >= scanPageBytesMax {
				more = true
				break
			}
			v, err := it.ValueAndErr()
			if err != nil {
				_ = it.Close() // the value's error says more than the close's
				return err
			}
			e := entry{key: bytes.Clone(it.Key()), value: append([]byte{}, v...)}
			page = append(page, e)
			pageBytes += len(e.key) + len(e.value)
		}
		return it.Close() // reports the iterator's error, if any
	})
	if err != nil {
		return nil, false, err
	}
	return page, more, nil
}

// prefixEnd returns the smallest key greater than every key with the prefix,
// or nil when there is none (an empty prefix, or one of only 0xff bytes).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
