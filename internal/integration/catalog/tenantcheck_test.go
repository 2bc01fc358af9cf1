package catalog

import (
	"strings"
	"testing"
)

func TestTenantIDFormProblem(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"ZZk90t", "Y3mPqr", "a", "11111111-1111-4111-8111-111111111111", strings.Repeat("x", MaxTenantIDLength)} {
		if p := TenantIDFormProblem(ok); p != "" {
			t.Errorf("%q rejected: %s", ok, p)
		}
	}
	for id, want := range map[string]string{
		"":                                       `tenant_id "" is empty.`,
		" ZZk90t":                                "contains white space",
		"ZZk 90t":                                "contains white space",
		"ZZk90t\n":                               "contains white space",
		"ZZ\x00k":                                "contains a control character",
		"ZZk90t/4001":                            `contains a slash`,
		strings.Repeat("x", 100000):              "is 100000 characters long; Petra tenant IDs are at most 64",
		"Zürich":                                 `contains 'ü'`,
		"a;b":                                    `contains ';'`,
		strings.Repeat("y", MaxTenantIDLength+1): "is 65 characters long",
	} {
		p := TenantIDFormProblem(id)
		if !strings.Contains(p, want) || !strings.Contains(p, "app.petrasecurity.com/tenant/<id>") {
			t.Errorf("%q: %q, want it to contain %q and the hint", quoteShort(id), p, want)
		}
		if len(p) > 600 {
			t.Errorf("%q: message of %d characters echoes the input", quoteShort(id), len(p))
		}
	}
}
