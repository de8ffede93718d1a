package zkmodel

import (
	"math"
	"testing"
)

func TestValidPath(t *testing.T) {
	tests := []struct {
		path       string
		sequential bool
		want       bool
	}{
		{"/", false, true},
		{"/a", false, true},
		{"/a/b/c", false, true},
		{"/a.b/.c/..d/...", false, true},
		{"/a-b_c:d@e", false, true},
		{"/é/日本", false, true},
		{"", false, false},
		{"a", false, false},
		{"a/b", false, false},
		{"/a/", false, false},
		{"//", false, false},
		{"//a", false, false},
		{"/a//b", false, false},
		{"/.", false, false},
		{"/..", false, false},
		{"/a/.", false, false},
		{"/a/./b", false, false},
		{"/a/../b", false, false},
		{"/a\x00b", false, false},
		{"/a\x01b", false, false},
		{"/a\x1fb", false, false},
		{"/a\x7fb", false, false},
		{"/a\u0085b", false, false}, // C1 control
		{"/a\ue000b", false, false}, // private use
		{"/a\ufff0b", false, false}, // specials
		{"/a\ufffdb", false, false}, // replacement char
		{"/a\xffb", false, false},   // invalid UTF-8 decodes as U+FFFD
		// A sequential prefix is checked with its digits appended.
		{"/a/", true, true},
		{"/a/.", true, true},
		{"/a/..", true, true},
		{"/", true, true},
		{"/a/n_", true, true},
		{"/a//", true, false},
		{"a/", true, false},
		{"", true, false},
	}
	for _, tt := range tests {
		if got := validPath(tt.path, tt.sequential); got != tt.want {
			t.Errorf("validPath(%q, sequential=%t): got %t, want %t", tt.path, tt.sequential, got, tt.want)
		}
	}
}

func TestParentAndName(t *testing.T) {
	tests := []struct{ path, parent, name string }{
		{"/a", "/", "a"},
		{"/a/b", "/a", "b"},
		{"/a/b/c", "/a/b", "c"},
		{"/a/0000000001", "/a", "0000000001"},
	}
	for _, tt := range tests {
		if got := parentOf(tt.path); got != tt.parent {
			t.Errorf("parentOf(%q): got %q, want %q", tt.path, got, tt.parent)
		}
		if got := nameOf(tt.path); got != tt.name {
			t.Errorf("nameOf(%q): got %q, want %q", tt.path, got, tt.name)
		}
	}
}

func TestSequenceSuffix(t *testing.T) {
	tests := []struct {
		cversion int32
		want     string
	}{
		{0, "0000000000"},
		{7, "0000000007"},
		{1234567890, "1234567890"},
		{math.MaxInt32, "2147483647"},
		{-1, "-000000001"},
		{math.MinInt32, "-2147483648"},
	}
	for _, tt := range tests {
		if got := sequenceSuffix(tt.cversion); got != tt.want {
			t.Errorf("sequenceSuffix(%d): got %q, want %q", tt.cversion, got, tt.want)
		}
	}
}
