package yaml

import (
	"strings"
	"testing"
	"time"
)

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "", "null"},
		{"comment only", "# nothing\n\n", "null"},
		{"scalar", "hello", "hello"},
		{"map", "a: 1\nb: two\n", "{a: 1, b: two}"},
		{"nested map", "a:\n  b: 1\n  c:\n    d: x\ne: 2", "{a: {b: 1, c: {d: x}}, e: 2}"},
		{"seq", "- a\n- b\n", "[a, b]"},
		{"seq of maps", "- name: x\n  n: 1\n- name: y\n", "[{name: x, n: 1}, {name: y}]"},
		{"compact seq under key", "k:\n- a\n- b\nz: 1", "{k: [a, b], z: 1}"},
		{"indented seq under key", "k:\n  - a\n  - b: 1\n    c: 2\n", "{k: [a, {b: 1, c: 2}]}"},
		{"empty values", "a:\nb: 1\nc:\n", "{a: null, b: 1, c: null}"},
		{"empty item", "-\n- x", "[null, x]"},
		{"nested seq", "- - a\n  - b\n- c", "[[a, b], c]"},
		{"quoted", "a: \"x: y # z\"\nb: 'it''s'\n", "{a: \"x: y # z\", b: \"it's\"}"},
		{"escapes", `a: "tab\there\n"`, `{a: "tab\there\n"}`},
		{"quoted key", "\"a b\": 1\n'c': 2", "{a b: 1, c: 2}"},
		{"trailing comment", "a: 1 # one\nb: x#y\n", "{a: 1, b: x#y}"},
		{"flow seq", "a: [1, two, \"3\"]", "{a: [1, two, \"3\"]}"},
		{"flow map", "a: {x: 1, y: [2, 3], z:}", "{a: {x: 1, y: [2, 3], z: null}}"},
		{"empty flows", "a: []\nb: {}", "{a: [], b: {}}"},
		{"url value", "a: http://x/y", "{a: http://x/y}"},
		{"document marker", "---\na: 1", "{a: 1}"},
		{"crlf", "a: 1\r\nb: 2\r\n", "{a: 1, b: 2}"},
		{"seq item map then seq", "- at: 1s\n  do: crash\n  nodes:\n  - a\n  - b\n- at: 2s", "[{at: 1s, do: crash, nodes: [a, b]}, {at: 2s}]"},
	}
	for _, tt := range tests {
		n, err := Parse([]byte(tt.doc))
		if err != nil {
			t.Errorf("%s: got error %v, want %s", tt.name, err, tt.want)
			continue
		}
		if got := n.String(); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"duplicate key", "name: a\nseed: 1\nseed: 2\n", `line 3: duplicate key "seed"`},
		{"tab indent", "a:\n\tb: 1\n", "line 2: tab in indentation"},
		{"bad indent deeper", "a: 1\n  b: 2\n", "line 2: bad indentation"},
		{"bad indent between", "a:\n    b: 1\n  c: 2\n", "line 3: bad indentation"},
		{"seq then key", "- a\nb: 1\n", "line 2: bad indentation"},
		{"key in seq", "a:\n  - x\n  b: 1\n", "line 3: bad indentation"},
		{"unterminated quote", "a: \"abc\n", "line 1: unterminated quoted string"},
		{"unterminated flow", "a: [1, 2\n", "line 1: unterminated flow"},
		{"flow dup", "a: {x: 1, x: 2}", `line 1: duplicate key "x"`},
		{"anchor", "a: &x 1", "line 1: anchors"},
		{"block scalar", "a: |\n  text", "line 1: block scalars"},
		{"mapping in value", "a: b: c", "line 1: a mapping value is not allowed"},
		{"multi-line scalar", "a\nb", "line 2: bad indentation"},
		{"two docs", "a: 1\n---\nb: 2", "line 2: multiple documents"},
		{"junk after quote", "a: \"x\" y", "line 1: unexpected"},
		{"flow junk", "a: [1] 2", "line 1: unexpected"},
		{"deep flow", "a: " + strings.Repeat("[", 100), "nesting deeper"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestPositions(t *testing.T) {
	n, err := Parse([]byte("a: 1\nlist:\n  - x: 2\n    y: [3, 4]\n"))
	if err != nil {
		t.Fatal(err)
	}
	item := n.Get("list").Items[0]
	checks := []struct {
		what      string
		node      *Node
		line, col int
	}{
		{"a", n.Get("a"), 1, 4},
		{"item", item, 3, 5},
		{"x", item.Get("x"), 3, 8},
		{"y", item.Get("y"), 4, 8},
		{"y[1]", item.Get("y").Items[1], 4, 12},
	}
	for _, c := range checks {
		if c.node.Line != c.line || c.node.Column != c.col {
			t.Errorf("%s: got %d:%d, want %d:%d", c.what, c.node.Line, c.node.Column, c.line, c.col)
		}
	}
}

func TestDecode(t *testing.T) {
	doc := "cluster:\n  nimbuses: two\n  slots: 4\n  ratio: 0.5\n  on: true\n  wait: 1.5s\n  quoted: \"7\"\n"
	n, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	f, err := n.Get("cluster").Fields("cluster")
	if err != nil {
		t.Fatal(err)
	}
	var slots, nimbuses, quoted int
	var ratio float64
	var on bool
	var wait time.Duration
	f.Int("slots", &slots)
	f.Float("ratio", &ratio)
	f.Bool("on", &on)
	f.Duration("wait", &wait)
	if f.Err() == nil {
		t.Errorf("got no error with keys unread, want one")
	}
	f.Int("nimbuses", &nimbuses)
	f.Int("quoted", &quoted)
	err = f.Err()
	want := `line 2: cluster.nimbuses: want an integer, got "two"`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if slots != 4 || ratio != 0.5 || !on || wait != 1500*time.Millisecond {
		t.Errorf("got %d %v %v %v, want 4 0.5 true 1.5s", slots, ratio, on, wait)
	}
}

func TestDecodeErrors(t *testing.T) {
	n, _ := Parse([]byte("a: x\nb: [1]\nc: 1h2z\nd: yes\nlist: 3\nm: 1\n"))
	f, _ := n.Fields("")
	tests := []struct {
		name string
		get  func() error
		want string
	}{
		{"float", func() error { _, err := n.Get("a").Float("a"); return err }, `line 1: a: want a number, got "x"`},
		{"string of list", func() error { _, err := n.Get("b").Str("b"); return err }, "line 2: b: want a string, got a sequence"},
		{"duration", func() error { _, err := n.Get("c").Duration("c"); return err }, "line 3: c: want a duration"},
		{"bool", func() error { _, err := n.Get("d").Bool("d"); return err }, "line 4: d: want true or false"},
		{"list", func() error { _, err := n.Get("list").List("list"); return err }, "line 5: list: want a list"},
		{"fields", func() error { _, err := n.Get("m").Fields("m"); return err }, "line 6: m: want a mapping"},
		{"unknown", func() error { f.Node("a"); return f.Err() }, `line 2: unknown key "b"`},
	}
	for _, tt := range tests {
		if err := tt.get(); err == nil || err.Error() != tt.want && !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		"a: 1", "- a\n- b: [1, {x: y}]\n", "k:\n- 1\n- 2", "\"a\": 'b'", "a: {x: [1, 2], y: \"z\"}",
		"name: x\ntimeline:\n  - at: 1s\n    do: crash\n", "a:\n\tb", "- - - a", "a: [", "'", "- \"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(data)
		if err == nil && n == nil {
			t.Fatalf("got a nil node and no error for %q", data)
		}
		if err == nil {
			_ = n.String()
		}
	})
}
