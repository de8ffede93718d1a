package artifact_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/squall/squall/storage/artifact"
)

func Example() {
	dir, _ := os.MkdirTemp("", "artifacts")
	defer os.RemoveAll(dir)
	store, err := artifact.Open(dir, 1<<20)
	if err != nil {
		panic(err)
	}
	digest, _ := store.Put(strings.NewReader("#!/bin/sh\n"), "")
	fmt.Println(digest, store.Has(digest))

	_, err = store.Put(strings.NewReader("other bytes"), digest)
	fmt.Println(err != nil)
	// Output:
	// a8076d3d28d21e02012b20eaf7dbf75409a6277134439025f282e368e3305abf true
	// true
}
