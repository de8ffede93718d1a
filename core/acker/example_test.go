package acker_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/acker"
)

// The worked example of the package documentation: spout task 7 emits a
// tuple on edges a and b; split acks a after emitting c anchored to it; log
// acks b; count acks c. The acks come before the Init here, as they may.
func Example() {
	const a, b, c = 0b1010, 0b0110, 0b0011
	ak := acker.New(acker.Config{})
	spout := acker.NewTracker(0, rand.New(rand.NewPCG(1, 1)))
	root, _ := spout.Emit("sentence-1")
	ackers := []core.TaskID{20, 21}
	fmt.Println("root goes to acker", acker.AckerFor(root, ackers))

	for _, xor := range []uint64{a ^ c, b, c} {
		_, done := ak.Ack(root, xor)
		fmt.Println("ack: done", done, "pending", ak.Pending())
	}
	done, ok := ak.Init(root, 7, a^b)
	fmt.Println("init: done", ok, "failed", done.Failed, "spout task", done.SpoutTask)
	msgID, _ := spout.Complete(done.Root)
	fmt.Println("spout acks", msgID)
	// Output:
	// root goes to acker 20
	// ack: done false pending 1
	// ack: done false pending 1
	// ack: done false pending 1
	// init: done true failed false spout task 7
	// spout acks sentence-1
}

// A tree that loses a tuple never reaches XOR 0: with the default three
// buckets it times out on the third Rotate after its last message.
func ExampleAcker_Rotate() {
	ak := acker.New(acker.Config{Buckets: 3})
	ak.Init(0xbeef, 4, 0b1010)
	for i := 1; i <= 3; i++ {
		fmt.Println("rotate", i, ak.Rotate())
	}
	// Output:
	// rotate 1 []
	// rotate 2 []
	// rotate 3 [timeout root=000000000000beef spout=4]
}
