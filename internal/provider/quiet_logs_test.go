package provider

import (
	"slices"
	"testing"
)

func TestQuietLogsOnlyWhenTerraformDiscardsThem(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"no logging asked: every level off", map[string]string{}, quietLogEnv},
		{"TF_LOG shows provider logs", map[string]string{"TF_LOG": "DEBUG"}, nil},
		{"TF_LOG_PROVIDER shows provider logs", map[string]string{"TF_LOG_PROVIDER": "trace"}, nil},
		{"a developer's SDK level is kept", map[string]string{"TF_LOG_SDK_FRAMEWORK": "debug"}, nil},
		{"blank values count as unset", map[string]string{"TF_LOG": "  "}, quietLogEnv},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := map[string]string{}
			got := quietLogs(func(k string) string { return c.env[k] }, func(k, v string) error {
				set[k] = v
				return nil
			})
			if !slices.Equal(got, c.want) {
				t.Fatalf("set %v, want %v", got, c.want)
			}
			for _, k := range c.want {
				if set[k] != "off" {
					t.Errorf("%s = %q, want off", k, set[k])
				}
			}
			if len(c.want) == 0 && len(set) != 0 {
				t.Errorf("changed %v although logs were asked for", set)
			}
		})
	}
}
