package zkmodel

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// validPath reports whether path is a znode path ZooKeeper accepts (its
// PathUtils.validatePath): absolute; no empty, "." or ".." component; no
// trailing slash except the root's; none of the characters ZooKeeper forbids.
//
// With sequential, path is the prefix of a sequential create and is checked as
// if the sequence number were already appended, as ZooKeeper checks path+"1":
// so "/jobs/" is a valid prefix, naming children "/jobs/0000000000", ...
func validPath(path string, sequential bool) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	if len(path) == 1 {
		return true
	}
	start := 1 // first byte of the current component
	for i := 1; i < len(path); {
		c := path[i]
		if c < utf8.RuneSelf {
			if c <= 0x1f || c == 0x7f {
				return false
			}
			if c == '/' {
				if !validComponent(path[start:i]) {
					return false
				}
				start = i + 1
			}
			i++
			continue
		}
		// Invalid UTF-8 decodes as U+FFFD, which ZooKeeper forbids too.
		r, width := utf8.DecodeRuneInString(path[i:])
		if forbiddenRune(r) {
			return false
		}
		i += width
	}
	// A sequential create's last component gets digits appended, which makes
	// "", "." and ".." valid names.
	return sequential || validComponent(path[start:])
}

func validComponent(name string) bool {
	return name != "" && name != "." && name != ".."
}

// forbiddenRune mirrors ZooKeeper's forbidden ranges (Java chars): controls,
// C1 controls, surrogates and private use, and the specials block.
func forbiddenRune(r rune) bool {
	return r <= 0x1f ||
		(r >= 0x7f && r <= 0x9f) ||
		(r >= 0xd800 && r <= 0xf8ff) ||
		(r >= 0xfff0 && r <= 0xffff)
}

// parentOf returns the parent path of a valid path other than the root.
func parentOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// nameOf returns the last component of a valid path other than the root.
func nameOf(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// sequenceWidth is the width of a sequential node's suffix, %010d.
const sequenceWidth = 10

// sequenceSuffix formats a parent's cversion as ZooKeeper's %010d.
func sequenceSuffix(cversion int32) string {
	if cversion < 0 {
		// Java's %010d keeps the width with the sign inside it: -000000001.
		digits := strconv.FormatInt(-int64(cversion), 10)
		return "-" + strings.Repeat("0", max(0, sequenceWidth-1-len(digits))) + digits
	}
	var buf [sequenceWidth]byte
	v := cversion
	for i := sequenceWidth - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[:])
}
