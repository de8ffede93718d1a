package cli

import (
	"regexp"
	"strconv"
)

// secretSettings never leave the daemon: cluster/configuration omits them.
var secretSettings = map[string]bool{"auth.tokens": true, "auth.token": true, "cluster.secret": true, "tls.key": true}

// stormAlias finds the Storm key a setting's doc names, as "(storm.x)".
var stormAlias = regexp.MustCompile(`\(([a-z]+(?:\.[a-z._]+)+)\)$`)

// clusterConfiguration is what GET /api/v1/cluster/configuration answers:
// every setting but the secrets, under Squall's key and, where its doc
// names one, Storm's; numbers as numbers and lists as lists, as Storm's
// configuration map.
func clusterConfiguration(c *config) map[string]any {
	out := map[string]any{}
	for _, s := range settings {
		if secretSettings[s.key] {
			continue
		}
		v := configValue(s, c.list(s.key))
		out[s.key] = v
		if m := stormAlias.FindStringSubmatch(s.doc); m != nil {
			out[m[1]] = v
		}
	}
	return out
}

func configValue(s setting, vals []string) any {
	if s.list {
		out := make([]any, 0, len(vals))
		for _, v := range vals {
			out = append(out, number(v))
		}
		return out
	}
	if len(vals) == 0 {
		return nil
	}
	return number(vals[0])
}

// number is v as an integer when it is one, else v.
func number(v string) any {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	return v
}
