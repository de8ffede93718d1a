package tuple_test

import (
	"fmt"

	"github.com/squall/squall/core/tuple"
)

// A tuple encoded and decoded, reusing the buffer and the values slice.
func Example() {
	buf, err := tuple.AppendValues(nil, []any{"apple", 3, 0.5, []any{true, nil}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d bytes: %x\n", len(buf), buf)

	vals, n, err := tuple.DecodeValues(buf, nil)
	fmt.Printf("%v %d %v\n", vals, n, err)
	fmt.Printf("%T\n", vals[1]) // every int decodes as int64

	_, err = tuple.AppendValues(buf[:0], []any{map[string]int{}})
	fmt.Println(err)
	_, _, err = tuple.DecodeValues(buf[:5], vals)
	fmt.Println(err)
	// Output:
	// 23 bytes: 0405056170706c65030604000000000000e03f07020200
	// [apple 3 0.5 [true <nil>]] 23 <nil>
	// int64
	// value 0: tuple: unsupported type map[string]int
	// tuple: truncated input at offset 2: string length
}

// Frames batched for one write to another worker, and read back there.
func ExampleAppendBatch() {
	frames := []tuple.Frame{
		{Dest: 5, Source: 1, Stream: "default", ID: 11, Anchors: []tuple.Anchor{{Root: 7, Edge: 11}}, Values: []any{"the"}},
		{Dest: 6, Source: 1, Stream: "default", ID: 12, Anchors: []tuple.Anchor{{Root: 7, Edge: 12}}, Values: []any{"cat"}},
	}
	buf, err := tuple.AppendBatch(nil, frames)
	if err != nil {
		fmt.Println(err)
		return
	}
	var d tuple.Decoder // one per connection: interns "default" and repeated words
	got, err := d.DecodeBatch(buf, nil)
	fmt.Println(len(buf), err)
	for _, f := range got {
		fmt.Printf("%d→%d %s %v %v\n", f.Source, f.Dest, f.Stream, f.Anchors, f.Values)
	}
	// Output:
	// 85 <nil>
	// 1→5 default [{7 11}] [the]
	// 1→6 default [{7 12}] [cat]
}

// Fields grouping: the same key goes to the same task from every worker,
// whatever the width of its ints.
func ExampleHash() {
	const tasks = 4
	for _, vals := range [][]any{{"the", 1}, {"cat", 1}, {"sat", 1}, {"on", 1}, {"the", int64(2)}} {
		key := tuple.Hash(vals, []int{0})
		fmt.Println(vals[0], key%tasks)
	}
	fmt.Println(tuple.Hash([]any{42}, []int{0}) == tuple.Hash([]any{int64(42)}, []int{0}))
	// Output:
	// the 0
	// cat 0
	// sat 3
	// on 3
	// the 0
	// true
}
