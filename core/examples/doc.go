// Package examples holds the example topologies that ship in the squall
// binary: word count (sentences → split → count by fields grouping),
// exclamation (a chain), and a reliable sequence spout with a sink that
// records what it saw, which the at-least-once scenarios use, straight or
// through a fork and a join of each number's tree.
//
// Importing the package registers the component types.
package examples
