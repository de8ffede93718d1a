package yaml_test

import (
	"fmt"

	"github.com/squall/squall/core/yaml"
)

func Example() {
	doc := []byte("cluster:\n  nimbuses: 2\n  supervisors: three\n")
	root, _ := yaml.Parse(doc)
	f, _ := root.Get("cluster").Fields("cluster")
	var nimbuses, supervisors int
	f.Int("nimbuses", &nimbuses)
	f.Int("supervisors", &supervisors)
	fmt.Println(nimbuses, f.Err())
	// Output: 2 line 3: cluster.supervisors: want an integer, got "three"
}
