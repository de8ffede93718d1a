// Package zkadapter will execute core coordination effects on a real
// ZooKeeper through github.com/go-zookeeper/zk, feeding results, watch events
// and session states back to machines as events, and will run the conformance
// suite in sim/zkmodel/conformance against a real server.
//
// It is empty until the real-daemons work lands (issue 5).
package zkadapter
