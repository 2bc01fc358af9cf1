package claims

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/petrasecurity/terraform-provider-petra/internal/integration/problem"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// Claims inside one configuration: any two billing mappings on one contract
// service line fail the plan, whatever their tenants, and whichever provider
// process plans them. Within a process InRun remembers the lines
// planned in this walk (Terraform configures the provider once per walk and
// plans each billing mapping once per walk; the resource does not claim on
// the first of the two plans of a replacement). Across the processes of
// one run (provider aliases) the run registry does the same (runregistry.go).

// InRun remembers the lines the billing mappings of this provider run
// push to, and the claim tokens of this configuration's state.
type InRun struct {
	run *run.Run
	// registry shares the claims with the run's other provider processes
	// (nil: this process only).
	registry *RunRegistry

	mu sync.Mutex
	// claims maps a contract service line to the billing mapping that
	// pushes to it in this run.
	claims map[int64]RunClaimant
	// stateTokens are the claim tokens in this configuration's state.
	stateTokens map[string]bool
}

// NewInRun returns the in-run claims of a run; registry may be nil.
func NewInRun(r *run.Run, registry *RunRegistry) *InRun {
	return &InRun{run: r, registry: registry, claims: map[int64]RunClaimant{}, stateTokens: map[string]bool{}}
}

// ClaimLineInRun records, for this run, that a billing mapping pushes to the
// contract service line lineID. It returns the mapping that claimed the
// line earlier in this run, in this process or in another provider process
// of the same walk: two mappings pushing to one line overwrite each other's
// count (or, from the same snapshot, add up), so one must go. A registry
// failure is returned as err and the check is then this process's only.
func (s *InRun) ClaimLineInRun(ctx context.Context, lineID int64, who RunClaimant) (other *RunClaimant, err error) {
	s.mu.Lock()
	if s.claims == nil {
		s.claims = map[int64]RunClaimant{}
	}
	if prev, ok := s.claims[lineID]; ok {
		s.mu.Unlock()
		return &prev, nil
	}
	s.claims[lineID] = who
	reg := s.registry
	s.mu.Unlock()
	if reg == nil {
		return nil, nil
	}
	key, err := s.lineRegistryKey(ctx, lineID)
	if err != nil {
		return nil, err
	}
	return reg.Claim(key, who)
}

// lineRegistryKey names a line across processes: the Autotask database (its
// zone's database id when discovered, else the zone URL and API user) and
// the line id.
func (s *InRun) lineRegistryKey(ctx context.Context, lineID int64) (string, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return "", err
	}
	z, err := at.Zone(ctx) // cached: the billing reads discovered it
	if err != nil {
		return "", err
	}
	db := "url:" + z.URL + "|user:" + s.run.Username()
	if z.CI != 0 {
		db = "ci:" + strconv.FormatInt(z.CI, 10)
	}
	return db + "|line:" + strconv.FormatInt(lineID, 10), nil
}

// NoteStateClaim records that a billing mapping in this configuration's
// state holds the claim with token (Read and ModifyPlan see the state).
// A replaced mapping is planned as a new one, without its state, while its
// old object, destroyed first, still holds the claim; IsStateClaim lets that
// plan tell its own configuration's claim from another's.
func (s *InRun) NoteStateClaim(token string) {
	if token == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stateTokens == nil {
		s.stateTokens = map[string]bool{}
	}
	s.stateTokens[token] = true
}

// IsStateClaim reports whether token belongs to a mapping in this
// configuration's state (NoteStateClaim).
func (s *InRun) IsStateClaim(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return token != "" && s.stateTokens[token]
}

// LineClaimedTwice is the problem reported for a line two billing mappings
// of this run push to.
func LineClaimedTwice(contractServiceID int64, serviceName, contractName string, other RunClaimant) problem.Problem {
	return problem.Problem{
		Attribute: problem.AttrServiceID,
		Summary:   "Service line mapped twice",
		Detail: fmt.Sprintf("The service line %d (%q on contract %q) is also mapped by %s. Two mappings pushing to one "+
			"line overwrite each other's unit count, so nothing is pushed for this one. Keep one mapping per line; when "+
			"several tenants are billed on one line, map one of them and set its units to the total (for example units "+
			"= a + b).", contractServiceID, serviceName, contractName, other.Describe()),
	}
}
