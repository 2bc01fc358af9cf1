package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// scaleFlags are the flags of a generated MSP-scale fixture.
type scaleFlags struct {
	tenants     int
	broken      int
	seed        uint64
	mappingsCSV string
}

func (s *scaleFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&s.tenants, "tenants", 0, "generate a fixture of this many Petra tenants, with their Autotask companies (realistic name variants), Recurring Service contracts and service lines, instead of loading one")
	fs.IntVar(&s.broken, "broken", 0, "with -tenants: give this many tenants a broken contract (in turn: ended, not started, the Petra service twice on it)")
	fs.Uint64Var(&s.seed, "seed", 0, "with -tenants: the generator's seed (the same seed always gives the same fixture)")
	fs.StringVar(&s.mappingsCSV, "mappings-csv", "", "with -tenants: write the generated tenants' reviewed mapping (tenant_id,tenant_name,company_id,contract_id,service_id) to this CSV file")
}

// check refuses flags that cannot go together.
func (s *scaleFlags) check(fixture string) error {
	switch {
	case s.tenants < 0:
		return fmt.Errorf("-tenants is %d; give the number of Petra tenants to generate (for example -tenants 200), or leave it out to load a fixture", s.tenants)
	case s.tenants == 0 && (s.broken != 0 || s.seed != 0 || s.mappingsCSV != ""):
		return errors.New("-broken, -seed and -mappings-csv describe a generated fixture; add -tenants N (for example -tenants 200)")
	case s.tenants > 0 && fixture != "":
		return fmt.Errorf("-tenants generates a fixture, and a fixture file is also given (%s, from -fixture or SANDBOX_FIXTURE); use one or the other", fixture)
	}
	return nil
}

// fixture generates the fixture and writes the mappings CSV when asked.
func (s *scaleFlags) fixture() (*sandbox.Fixture, string, error) {
	fx, key, err := sandbox.ScaleFixture(sandbox.ScaleOptions{Tenants: s.tenants, Broken: s.broken, Seed: s.seed})
	if err != nil {
		return nil, "", err
	}
	source := fmt.Sprintf("generated fixture: %d tenants, %d broken, seed %d", s.tenants, s.broken, s.seed)
	if s.mappingsCSV == "" {
		return fx, source, nil
	}
	f, err := os.Create(s.mappingsCSV)
	if err != nil {
		return nil, "", fmt.Errorf("-mappings-csv: %w", err)
	}
	if err := sandbox.WriteScaleMappings(f, key); err != nil {
		_ = f.Close()
		return nil, "", fmt.Errorf("-mappings-csv %s: %w", s.mappingsCSV, err)
	}
	if err := f.Close(); err != nil {
		return nil, "", fmt.Errorf("-mappings-csv %s: %w", s.mappingsCSV, err)
	}
	abs, _ := filepath.Abs(s.mappingsCSV)
	return fx, source + "; mappings in " + abs, nil
}
