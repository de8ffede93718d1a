package core

import "testing"

func TestLogStringSortsAttrsAndQuotes(t *testing.T) {
	tests := []struct {
		log  Log
		want string
	}{
		{NewLog(LogInfo, "nimbus: leading", "topologies", "2", "supervisors", "3"),
			`log info "nimbus: leading" supervisors=3 topologies=2`},
		{NewLog(LogWarn, "nimbus: refused", "error", `topology "wc" is rebalancing`, "op", "activate"),
			`log warn "nimbus: refused" error="topology \"wc\" is rebalancing" op=activate`},
		{NewLog(LogDebug, "x", "empty", "", "eq", "a=b"), `log debug "x" empty="" eq="a=b"`},
		{NewLog(LogError, "x"), `log error "x"`},
	}
	for _, tt := range tests {
		if got := tt.log.String(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

func TestNewLogRejectsBadAttrs(t *testing.T) {
	for name, kv := range map[string][]string{
		"odd":       {"a", "1", "b"},
		"duplicate": {"a", "1", "a", "2"},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("NewLog(%q): got no panic, want an assertion", kv)
				}
			}()
			NewLog(LogInfo, "m", kv...)
		})
	}
}
