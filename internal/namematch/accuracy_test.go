package namematch_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/namematch"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// accuracy is what name matching gets right on a generated fixture.
type accuracy struct {
	tenants, matched, matchedRight int
	duplicates, duplicatesMarked   int
	unmatched, unmatchedQuiet      int
	spuriousAmbiguous              int
	right                          int
	misses                         []string
	byVariant                      map[string][2]int // right, total
}

// measure runs Suggest for every tenant of a generated fixture against
// every company in it, and scores the answer against the generator's key:
// a tenant with a company is right when the suggestion is that company; a
// tenant whose company has a near-identical duplicate is right when it is
// marked ambiguous; a tenant with no company is right when nothing is
// suggested with high confidence.
func measure(t *testing.T, o sandbox.ScaleOptions) accuracy {
	t.Helper()
	fx, key, err := sandbox.ScaleFixture(o)
	if err != nil {
		t.Fatal(err)
	}
	var companies []namematch.Company
	for _, c := range fx.Autotask.Companies {
		companies = append(companies, namematch.Company{ID: c["id"].(int64), Name: c["companyName"].(string)})
	}
	a := accuracy{tenants: len(key), byVariant: map[string][2]int{}}
	ix := namematch.NewIndex(companies)
	for _, st := range key {
		s := ix.Suggest(st.TenantName, 3)
		ok := false
		switch {
		case st.Ambiguous():
			a.duplicates++
			ok = s.Confidence == namematch.ConfidenceAmbiguous && s.Best == nil
			if ok {
				a.duplicatesMarked++
			}
		case st.CompanyID == 0:
			a.unmatched++
			ok = s.Best == nil || s.Confidence == namematch.ConfidenceLow
			if ok {
				a.unmatchedQuiet++
			}
		default:
			a.matched++
			ok = s.Best != nil && s.Best.ID == st.CompanyID
			if ok {
				a.matchedRight++
			}
			if s.Confidence == namematch.ConfidenceAmbiguous {
				a.spuriousAmbiguous++
			}
		}
		v := a.byVariant[st.Variant]
		v[1]++
		if ok {
			v[0]++
			a.right++
		} else {
			var got []string
			for _, c := range s.Candidates {
				got = append(got, fmt.Sprintf("%q %d (%s)", c.Name, c.Value, c.Reason))
			}
			a.misses = append(a.misses, fmt.Sprintf("%s %q (%s, company %q): %s; candidates %s", st.TenantID,
				st.TenantName, st.Variant, st.CompanyName, s.Confidence, strings.Join(got, ", ")))
		}
		a.byVariant[st.Variant] = v
	}
	return a
}

func (a accuracy) String() string {
	var vs []string
	for k, v := range a.byVariant {
		vs = append(vs, fmt.Sprintf("%s %d/%d", k, v[0], v[1]))
	}
	sort.Strings(vs)
	return fmt.Sprintf("%d tenants: %d right (%.1f%%); top-1 on the %d tenants with one company: %d (%.1f%%); "+
		"duplicates marked ambiguous: %d/%d; tenants with no company left without a confident suggestion: %d/%d; "+
		"tenants with one company wrongly marked ambiguous: %d; by variant: %s",
		a.tenants, a.right, pct(a.right, a.tenants), a.matched, a.matchedRight, pct(a.matchedRight, a.matched),
		a.duplicatesMarked, a.duplicates, a.unmatchedQuiet, a.unmatched, a.spuriousAmbiguous, strings.Join(vs, ", "))
}

func pct(n, d int) float64 {
	if d == 0 {
		return 100
	}
	return 100 * float64(n) / float64(d)
}

// TestAccuracyOn200TenantFixture measures top-1 accuracy and ambiguity on
// the 200-tenant fixture petra-sandbox -tenants 200 serves (seed 0), and on
// a few other seeds so that the figure is not one lucky draw. DESIGN.md
// records the figures this test logs.
func TestAccuracyOn200TenantFixture(t *testing.T) {
	for _, seed := range []uint64{0, 1, 2, 3, 4} {
		a := measure(t, sandbox.ScaleOptions{Tenants: 200, Seed: seed})
		t.Logf("seed %d: %s", seed, a)
		if a.duplicates == 0 || a.unmatched == 0 || len(a.byVariant) < 8 {
			t.Fatalf("seed %d: the fixture lacks variants (%s); the generator no longer makes the cases matching must handle", seed, a)
		}
		if pct(a.right, a.tenants) < 95 {
			t.Errorf("seed %d: %.1f%% of tenants right at top 1, want at least 95%%: %s\nmisses:\n  %s", seed,
				pct(a.right, a.tenants), a, strings.Join(a.misses, "\n  "))
		}
		if a.duplicatesMarked != a.duplicates {
			t.Errorf("seed %d: %d of %d tenants with duplicate companies were not marked ambiguous\nmisses:\n  %s", seed,
				a.duplicates-a.duplicatesMarked, a.duplicates, strings.Join(a.misses, "\n  "))
		}
	}
}

// TestDemoFixtureMatches: the demo fixture (make sandbox) holds company
// names as real PSAs do; each tenant's suggestion among its active
// companies is exact.
func TestDemoFixtureMatches(t *testing.T) {
	fx := sandbox.DemoFixture()
	var companies []namematch.Company
	for _, c := range fx.Autotask.Companies {
		if c["isActive"] == true {
			companies = append(companies, namematch.Company{ID: int64(c["id"].(float64)), Name: c["companyName"].(string)})
		}
	}
	want := map[string]string{
		"ZZk90t": `exact 1001 100 same name`,
		"Y3mPqr": `exact 1002 100 same name`,
		"Bq7Lx2": `exact 1003 100 same name`,
		"Kp4Wn8": `exact 1004 100 same name`,
		"Mv2Rt6": `ambiguous 0 0 `,
		"Tx9Hc3": `exact 1006 100 same name`,
		"Fj5Dz1": `high 1007 93 same words after removing legal suffixes (Inc) and expanding abbreviations (mgmt → management)`,
		"Wr8Qs4": `high 1008 88 one word differs by a typo after removing legal suffixes (Pty, Ltd) (architects ≈ architcts)`,
		"Om1Bk7": `none 0 0 `, // its company is inactive
	}
	ix := namematch.NewIndex(companies)
	for _, tn := range fx.Petra.Tenants {
		s := ix.Suggest(tn.Name, 3)
		got := s.Confidence + " 0 0 "
		if s.Best != nil {
			got = fmt.Sprintf("%s %d %d %s", s.Confidence, s.Best.ID, s.Best.Value, s.Best.Reason)
		}
		if got != want[tn.PetraTenantID] {
			t.Errorf("%s %q: %s, want %s (%s)", tn.PetraTenantID, tn.Name, got, want[tn.PetraTenantID], s.Note)
		}
	}
}
