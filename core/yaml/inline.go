package yaml

import "strings"

// inline parses a one-line value: a flow collection, a quoted or a plain
// scalar. col is the column of text[0].
func (p *parser) inline(text string, num, col int) (*Node, error) {
	switch text[0] {
	case '[', '{':
		f := &flow{s: text, num: num, col: col, p: p}
		n, err := f.node()
		if err != nil {
			return nil, err
		}
		f.skipSpace()
		if f.pos < len(f.s) {
			return nil, errAt(num, "unexpected %q after a flow collection", f.s[f.pos:])
		}
		return n, nil
	case '"', '\'':
		v, n, err := unquote(text, num)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(text[n:]) != "" {
			return nil, errAt(num, "unexpected %q after a quoted string", strings.TrimSpace(text[n:]))
		}
		return &Node{Kind: Scalar, Line: num, Column: col, Value: v, Quoted: true}, nil
	}
	if err := checkPlain(text, num); err != nil {
		return nil, err
	}
	if strings.Contains(text, ": ") {
		return nil, errAt(num, "a mapping value is not allowed here (quote the string?)")
	}
	return &Node{Kind: Scalar, Line: num, Column: col, Value: text}, nil
}

// checkPlain rejects plain scalars that start with a YAML indicator this
// subset does not support.
func checkPlain(text string, num int) error {
	switch text[0] {
	case '&', '*':
		return errAt(num, "anchors and aliases are not supported")
	case '!':
		return errAt(num, "tags are not supported")
	case '|', '>':
		return errAt(num, "block scalars (| and >) are not supported")
	case '%', '@', '`':
		return errAt(num, "a plain scalar cannot start with %q", text[0])
	case ']', '}':
		return errAt(num, "unexpected %q", text[0])
	}
	if strings.HasPrefix(text, "- ") {
		return errAt(num, "a sequence item is not allowed here")
	}
	return nil
}

// flow parses a flow collection on one line.
type flow struct {
	s   string
	pos int
	num int
	col int
	p   *parser
}

func (f *flow) skipSpace() {
	for f.pos < len(f.s) && f.s[f.pos] == ' ' {
		f.pos++
	}
}

func (f *flow) node() (*Node, error) {
	f.skipSpace()
	if f.pos >= len(f.s) {
		return nil, errAt(f.num, "unterminated flow collection")
	}
	switch f.s[f.pos] {
	case '[':
		return f.collection(']')
	case '{':
		return f.collection('}')
	case '"', '\'':
		v, n, err := unquote(f.s[f.pos:], f.num)
		if err != nil {
			return nil, err
		}
		node := &Node{Kind: Scalar, Line: f.num, Column: f.col + f.pos, Value: v, Quoted: true}
		f.pos += n
		return node, nil
	}
	return f.plain()
}

// plain reads a plain scalar up to ',', ']', '}' or ": ".
func (f *flow) plain() (*Node, error) {
	start := f.pos
	for f.pos < len(f.s) {
		c := f.s[f.pos]
		if c == ',' || c == ']' || c == '}' || c == '[' || c == '{' ||
			(c == ':' && (f.pos+1 == len(f.s) || strings.ContainsRune(" ,]}", rune(f.s[f.pos+1])))) {
			break
		}
		f.pos++
	}
	text := strings.TrimRight(f.s[start:f.pos], " ")
	if text == "" {
		return nil, errAt(f.num, "empty value in a flow collection at column %d", f.col+start)
	}
	if err := checkPlain(text, f.num); err != nil {
		return nil, err
	}
	return &Node{Kind: Scalar, Line: f.num, Column: f.col + start, Value: text}, nil
}

func (f *flow) collection(end byte) (*Node, error) {
	if err := f.p.enter(f.num); err != nil {
		return nil, err
	}
	defer func() { f.p.depth-- }()
	n := &Node{Kind: Sequence, Line: f.num, Column: f.col + f.pos}
	if end == '}' {
		n.Kind = Mapping
	}
	f.pos++
	seen := map[string]bool{}
	for {
		f.skipSpace()
		if f.pos >= len(f.s) {
			return nil, errAt(f.num, "unterminated flow collection (want %q)", end)
		}
		if f.s[f.pos] == end {
			f.pos++
			return n, nil
		}
		if err := f.entry(n, end, seen); err != nil {
			return nil, err
		}
		f.skipSpace()
		switch {
		case f.pos < len(f.s) && f.s[f.pos] == ',':
			f.pos++
		case f.pos < len(f.s) && f.s[f.pos] == end:
		case f.pos >= len(f.s):
			return nil, errAt(f.num, "unterminated flow collection (want %q)", end)
		default:
			return nil, errAt(f.num, "want ',' or %q in a flow collection at column %d", end, f.col+f.pos)
		}
	}
}

func (f *flow) entry(n *Node, end byte, seen map[string]bool) error {
	v, err := f.node()
	if err != nil {
		return err
	}
	if end == ']' {
		n.Items = append(n.Items, v)
		return nil
	}
	if v.Kind != Scalar {
		return errAt(f.num, "a flow mapping key must be a scalar")
	}
	f.skipSpace()
	if f.pos >= len(f.s) || f.s[f.pos] != ':' {
		return errAt(f.num, "want ':' after key %q in a flow mapping", v.Value)
	}
	f.pos++
	if seen[v.Value] {
		return errAt(f.num, "duplicate key %q", v.Value)
	}
	seen[v.Value] = true
	f.skipSpace()
	var val *Node
	if f.pos < len(f.s) && (f.s[f.pos] == ',' || f.s[f.pos] == '}') {
		val = &Node{Kind: Null, Line: f.num, Column: f.col + f.pos}
	} else if val, err = f.node(); err != nil {
		return err
	}
	n.Pairs = append(n.Pairs, Pair{Key: v.Value, Line: f.num, Value: val})
	return nil
}
