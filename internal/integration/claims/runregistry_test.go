//go:build unix

package claims

import (
	"testing"
)

// TestRunRegistryWalks plays the processes of one Terraform run: the plan
// walk's two provider aliases (one ends before the other plans), then the
// apply walk's processes, which start afresh.
func TestRunRegistryWalks(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	const ppid = 4242
	open := func(pid int) *RunRegistry {
		t.Helper()
		r, err := openRunRegistry(base, ppid, pid)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	claim := func(r *RunRegistry, key string, tenant string) *RunClaimant {
		t.Helper()
		o, err := r.Claim(key, RunClaimant{Tenant: tenant, Company: 1, Contract: 2})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	// Plan walk: alias A and alias B start together.
	a, b := open(101), open(102)
	if a.gen != b.gen {
		t.Fatalf("processes alive together joined generations %d and %d", a.gen, b.gen)
	}
	if again := open(101); again != a {
		t.Fatal("a process got two registry entries")
	}
	if o := claim(a, "db|line:1", "T1"); o != nil {
		t.Fatalf("first claim clashed with %+v", o)
	}
	if o := claim(a, "db|line:1", "T1"); o != nil {
		t.Fatalf("a process's own claim was reported by the registry: %+v", o)
	}
	if o := claim(a, "db|line:2", "T1"); o != nil {
		t.Fatalf("another line clashed: %+v", o)
	}
	a.close() // A's resources are done: its process ends...
	o := claim(b, "db|line:1", "T2")
	if o == nil || o.Tenant != "T1" || !o.OtherProcess {
		t.Fatalf("B's claim of A's line = %+v, want A's claim (same walk, A already ended)", o)
	}
	if o := claim(b, "otherdb|line:1", "T2"); o != nil {
		t.Fatalf("a line of another database clashed: %+v", o)
	}
	b.close()

	// Apply walk: new processes, a new generation; the plan walk's claims
	// do not count.
	a2, b2 := open(201), open(202)
	if a2.gen == a.gen || a2.gen != b2.gen {
		t.Fatalf("apply walk generations %d, %d after plan walk %d", a2.gen, b2.gen, a.gen)
	}
	if o := claim(a2, "db|line:1", "T1"); o != nil {
		t.Fatalf("the apply walk saw the plan walk's claim: %+v", o)
	}
	if o := claim(b2, "db|line:1", "T2"); o == nil || o.Tenant != "T1" {
		t.Fatalf("apply walk duplicate not seen: %+v", o)
	}
	a2.close()
	b2.close()
}
