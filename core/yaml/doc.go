// Package yaml parses the subset of YAML that Squall's scenario files and
// daemon configuration use, into a tree of nodes that remember their line and
// column, and decodes nodes into Go values with errors that name the line and
// the path ("line 7: cluster.nimbuses: want an integer, got \"two\"").
//
// The subset:
//
//	key: value            block mappings (keys unique, plain or quoted)
//	- item                block sequences, also of mappings ("- name: x")
//	plain, 'single', "double \n"   scalars; '' and Go escapes in quotes
//	[a, b]  {k: v}        flow sequences and mappings (nestable, one line)
//	key:                  an empty value (a null node)
//	# comment             full-line and trailing comments
//
// Not supported, and reported as errors: tabs in indentation, multi-line
// scalars, anchors and aliases, tags, multiple documents, block scalars
// (| and >). A leading "---" line is allowed.
//
// The package is pure (it lives in core): it reads bytes and returns values.
package yaml
