package cli

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core/supervisor"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/core/yaml"
	"github.com/squall/squall/realnet"
	"github.com/squall/squall/realnet/auth"
	"github.com/squall/squall/realnet/httpapi"
	"github.com/squall/squall/realnet/lanes"
)

// A setting is one documented configuration key, in the manner of Storm's
// storm.yaml: dotted names, defaults that work on one machine, each
// overridable in squall.yaml and on the command line with -c key=value.
type setting struct {
	key, def, doc string
	list          bool
}

// settings is the configuration reference (the README prints the same table).
var settings = []setting{
	{key: "zookeeper.servers", def: "127.0.0.1:2181", list: true, doc: "ZooKeeper ensemble, host:port each (storm.zookeeper.servers)"},
	{key: "zookeeper.root", def: "/squall", doc: "root znode of the cluster (storm.zookeeper.root)"},
	{key: "zookeeper.session.timeout", def: "4s", doc: "ZooKeeper session timeout (storm.zookeeper.session.timeout)"},
	{key: "nimbus.seeds", def: "127.0.0.1:6627", list: true, doc: "nimbuses clients and supervisors try, host:port each (nimbus.seeds)"},
	{key: "nimbus.host", def: "127.0.0.1", doc: "address this nimbus listens on and is known by"},
	{key: "nimbus.port", def: "6627", doc: "port of this nimbus: the HTTP API and the transport share it (nimbus.thrift.port)"},
	{key: "nimbus.priority", def: "0", doc: "election priority; the highest live nimbus with every artifact leads"},
	{key: "nimbus.dir", def: "squall-data/nimbus", doc: "where nimbus keeps artifacts (storm.local.dir)"},
	{key: "nimbus.upload.max.bytes", def: "268435456", doc: "largest artifact nimbus accepts"},
	{key: "supervisor.host", def: "127.0.0.1", doc: "address of this host; it is also the supervisor's id, and its workers listen on it"},
	{key: "supervisor.port", def: "6699", doc: "port of the supervisor's transport (its workers heartbeat to it)"},
	{key: "supervisor.slots.ports", def: "6700,6701,6702,6703", list: true, doc: "worker slots: one worker process per port (supervisor.slots.ports)"},
	{key: "supervisor.cpu", def: "400", doc: "CPU capacity in percent of a core (supervisor.cpu.capacity)"},
	{key: "supervisor.memory.mb", def: "8192", doc: "memory capacity (supervisor.memory.capacity.mb)"},
	{key: "supervisor.dir", def: "squall-data/supervisor", doc: "supervisor state (Pebble), artifacts, worker stores and logs"},
	{key: "worker.tick", def: "2ms", doc: "how often a worker executes its tasks"},
	{key: "worker.step.budget", def: "4096", doc: "tuples a worker executes per tick at most (worker.lanes=single)"},
	{key: "worker.lanes", def: "task", doc: "task: one goroutine per task, codec off the worker's loop; single: every task on the worker's loop, as the simulator"},
	{key: "auth.tokens", def: "", list: true, doc: "nimbus: API tokens, USER:ROLE:TOKEN each (role admin, user or readonly; tokens of 16+ bytes); none: the API is open"},
	{key: "auth.token", def: "", doc: "token the client commands send (the environment's SQUALL_TOKEN wins)"},
	{key: "cluster.secret", def: "", doc: "secret shared by the cluster's daemons: authenticates their transport and artifact downloads (16+ bytes)"},
	{key: "metrics.public", def: "false", doc: "true: nimbuses and supervisors serve /metrics to anyone; false: with auth on, a scrape needs a token of any role"},
	{key: "tls.cert", def: "", doc: "daemons: PEM certificate of this host; set, every port of the cluster speaks TLS (the API is HTTPS)"},
	{key: "tls.key", def: "", doc: "daemons: PEM private key of tls.cert"},
	{key: "tls.ca", def: "", doc: "PEM bundle of the CAs that signed the cluster's certificates (none: the system's roots); set alone, a client speaks TLS"},
	{key: "log.level", def: "info", doc: "debug, info, warn or error"},
	{key: "log.format", def: "text", doc: "text or json (log/slog handlers)"},
}

// config holds every key's value as text; typed getters parse on use and
// Validate parses them all once at start, so a bad value fails fast.
type config struct {
	values map[string][]string
	source map[string]string // where each value came from, for errors
}

func defaultConfig() *config {
	c := &config{values: map[string][]string{}, source: map[string]string{}}
	for _, s := range settings {
		c.set(s.key, splitList(s.def, s.list), "default")
	}
	return c
}

func lookupSetting(key string) (setting, bool) {
	for _, s := range settings {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

func splitList(v string, list bool) []string {
	if !list {
		return []string{v}
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *config) set(key string, v []string, from string) {
	c.values[key], c.source[key] = v, from
}

// loadFile reads a squall.yaml: a flat mapping of the keys above, scalar or
// list values. Unknown keys are errors, with their line.
func (c *config) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return c.loadYAML(path, data)
}

func (c *config) loadYAML(path string, data []byte) error {
	root, err := yaml.Parse(data)
	if err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	if root == nil || root.Kind == yaml.Null {
		return nil
	}
	if root.Kind != yaml.Mapping {
		return fmt.Errorf("config: %s: line %d: want a mapping of keys to values", path, root.Line)
	}
	for _, kv := range root.Pairs {
		s, ok := lookupSetting(kv.Key)
		if !ok {
			return fmt.Errorf("config: %s: line %d: unknown key %q (see `squall config`)", path, kv.Line, kv.Key)
		}
		vals, err := yamlValues(kv.Value, s.list)
		if err != nil {
			return fmt.Errorf("config: %s: line %d: %s: %w", path, kv.Line, kv.Key, err)
		}
		c.set(s.key, vals, fmt.Sprintf("%s:%d", path, kv.Line))
	}
	return nil
}

func yamlValues(n *yaml.Node, list bool) ([]string, error) {
	switch {
	case n == nil:
		return nil, fmt.Errorf("want a value")
	case n.Kind == yaml.Scalar:
		return splitList(n.Value, list), nil
	case n.Kind == yaml.Sequence && list:
		var out []string
		for _, item := range n.Items {
			if item.Kind != yaml.Scalar {
				return nil, fmt.Errorf("line %d: want a scalar list item", item.Line)
			}
			out = append(out, item.Value)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a scalar%s", map[bool]string{true: " or a list", false: ""}[list])
}

// override applies one -c key=value.
func (c *config) override(kv string) error {
	key, v, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("config: -c %q: want key=value", kv)
	}
	s, known := lookupSetting(key)
	if !known {
		return fmt.Errorf("config: -c %q: unknown key %q (see `squall config`)", kv, key)
	}
	c.set(key, splitList(v, s.list), "-c")
	return nil
}

func (c *config) str(key string) string {
	v := c.values[key]
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func (c *config) list(key string) []string { return c.values[key] }

func (c *config) int(key string) (int, error) {
	n, err := strconv.Atoi(c.str(key))
	if err != nil {
		return 0, fmt.Errorf("config: %s = %q (%s): want an integer", key, c.str(key), c.source[key])
	}
	return n, nil
}

func (c *config) bool(key string) (bool, error) {
	switch c.str(key) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("config: %s = %q (%s): want true or false", key, c.str(key), c.source[key])
}

func (c *config) duration(key string) (time.Duration, error) {
	d, err := time.ParseDuration(c.str(key))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("config: %s = %q (%s): want a positive duration like 4s", key, c.str(key), c.source[key])
	}
	return d, nil
}

// validate parses every typed key once.
func (c *config) validate() error {
	for _, k := range []string{"nimbus.port", "nimbus.priority", "nimbus.upload.max.bytes", "supervisor.port",
		"supervisor.cpu", "supervisor.memory.mb", "worker.step.budget"} {
		if _, err := c.int(k); err != nil {
			return err
		}
	}
	for _, k := range []string{"zookeeper.session.timeout", "worker.tick"} {
		if _, err := c.duration(k); err != nil {
			return err
		}
	}
	if _, err := c.bool("metrics.public"); err != nil {
		return err
	}
	if _, err := planeFactory(c.str("worker.lanes")); err != nil {
		return err
	}
	if _, err := c.tokens(); err != nil {
		return err
	}
	if _, err := c.clientTLS(); err != nil {
		return err
	}
	if err := c.validateSlots(); err != nil {
		return err
	}
	if len(c.list("zookeeper.servers")) == 0 {
		return fmt.Errorf("config: zookeeper.servers is empty")
	}
	return c.validateSeeds()
}

// validateSlots checks supervisor.slots.ports: a supervisor offers at least
// one port and at most supervisor.SlotsMax, each once. The supervisor
// machine asserts the same, so a bad list must stop here, as an error.
func (c *config) validateSlots() error {
	const key = "supervisor.slots.ports"
	ports := c.list(key)
	if len(ports) == 0 || len(ports) > supervisor.SlotsMax {
		return fmt.Errorf("config: %s (%s): %d ports, want 1 to %d", key, c.source[key], len(ports), supervisor.SlotsMax)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("config: %s: %q is not a port", key, p)
		}
		if seen[n] {
			return fmt.Errorf("config: %s (%s): port %d is listed twice", key, c.source[key], n)
		}
		seen[n] = true
	}
	return nil
}

// validateSeeds checks nimbus.seeds, host:port each: empty, a client would
// have no nimbus to ask (the API client asserts at least one).
func (c *config) validateSeeds() error {
	const key = "nimbus.seeds"
	addrs := c.list(key)
	if len(addrs) == 0 {
		return fmt.Errorf("config: %s (%s) is empty: want host:port, comma-separated", key, c.source[key])
	}
	for _, a := range addrs {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			return fmt.Errorf("config: %s (%s): %q is not host:port", key, c.source[key], a)
		}
	}
	return nil
}

// planeFactory maps a worker.lanes value to the workers' data plane.
func planeFactory(mode string) (worker.PlaneFactory, error) {
	switch mode {
	case "task":
		return lanes.Factory(), nil
	case "single":
		return nil, nil // worker.NewSinglePlane
	}
	return nil, fmt.Errorf("config: worker.lanes = %q: want task or single", mode)
}

// reference prints the settings table.
func reference() string {
	var b strings.Builder
	for _, s := range settings {
		fmt.Fprintf(&b, "%-26s %-22s %s\n", s.key, s.def, s.doc)
	}
	return b.String()
}

// tokens are the API's tokens and the cluster secret; nil when neither is
// set (the API is open).
func (c *config) tokens() (*auth.Tokens, error) {
	t, err := auth.ParseTokens(c.list("auth.tokens"), c.secret())
	if err != nil {
		return nil, fmt.Errorf("config: auth.tokens or cluster.secret: %w", err)
	}
	return t, nil
}

// clientToken is the token client commands send: SQUALL_TOKEN, else
// auth.token.
func (c *config) clientToken() string {
	if t := os.Getenv("SQUALL_TOKEN"); t != "" {
		return t
	}
	return c.str("auth.token")
}

// secretEnv carries the cluster secret from a supervisor to the workers it
// starts, and may set it for any daemon (it wins over cluster.secret): an
// environment variable, unlike a -c flag, is not shown by ps.
const secretEnv = "SQUALL_CLUSTER_SECRET"

// secret is the cluster secret, "" for none.
func (c *config) secret() string {
	if s := os.Getenv(secretEnv); s != "" {
		return s
	}
	return c.str("cluster.secret")
}

// transportSecret is the secret the transport's handshake proves; nil for none.
func (c *config) transportSecret() []byte {
	if s := c.secret(); s != "" {
		return []byte(s)
	}
	return nil
}

// tlsOn reports whether the cluster speaks TLS.
func (c *config) tlsOn() bool { return c.str("tls.cert") != "" || c.str("tls.ca") != "" }

// scheme is the URL scheme of the cluster's HTTP API.
func (c *config) scheme() string {
	if c.tlsOn() {
		return "https"
	}
	return "http"
}

// daemonTLS is a daemon's TLS configuration (nil: plain TCP): its
// certificate to accept with, the CAs to verify the daemons it dials.
func (c *config) daemonTLS() (*tls.Config, error) {
	if !c.tlsOn() {
		return nil, nil
	}
	if c.str("tls.cert") == "" || c.str("tls.key") == "" {
		return nil, fmt.Errorf("config: a daemon of a TLS cluster needs tls.cert and tls.key (tls.ca is %q)", c.str("tls.ca"))
	}
	cfg, err := realnet.LoadTLS(c.str("tls.cert"), c.str("tls.key"), c.str("tls.ca"))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// clientTLS is what an HTTP client of the cluster verifies certificates
// with; nil without TLS.
func (c *config) clientTLS() (*tls.Config, error) {
	if !c.tlsOn() {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca := c.str("tls.ca"); ca != "" {
		pool, err := realnet.LoadCAs(ca)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// httpClient is an HTTP client of the cluster's API that sends token (""
// for none) and, on a TLS cluster, verifies the nimbuses' certificates.
// The configuration was validated: a TLS error here cannot happen.
func (c *config) httpClient(token string, timeout time.Duration) *http.Client {
	hc := &http.Client{Timeout: timeout}
	if tc, err := c.clientTLS(); err == nil && tc != nil {
		hc.Transport = &http.Transport{TLSClientConfig: tc, Proxy: http.ProxyFromEnvironment}
	}
	return auth.Client(token, hc)
}

// apiClient is an httpapi.Client of the nimbus seeds.
func (c *config) apiClient(token string, timeout time.Duration) *httpapi.Client {
	api := httpapi.NewClient(c.list("nimbus.seeds"), c.httpClient(token, timeout))
	if c.tlsOn() {
		api.WithTLS()
	}
	return api
}
