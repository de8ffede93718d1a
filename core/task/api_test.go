package task

import (
	"fmt"
	"testing"
)

// Index scans short field lists and hashes long ones; both must agree.
func TestFieldsIndex(t *testing.T) {
	for _, n := range []int{0, 1, fieldsScanMax, fieldsScanMax + 1, 40} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("f%d", i)
		}
		f := NewFields(names)
		for i, name := range names {
			if got := f.Index(name); got != i {
				t.Errorf("%d fields: got Index(%q) = %d, want %d", n, name, got, i)
			}
		}
		if got := f.Index("missing"); got != -1 {
			t.Errorf("%d fields: got Index(missing) = %d, want -1", n, got)
		}
	}
}
