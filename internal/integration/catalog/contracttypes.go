package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
)

// The contract types Autotask knows, from the Contracts field metadata.

// ContractTypeLabels reads the contractType picklist labels from the
// Contracts field metadata (the client caches it per run). A failure only
// costs the labels: callers fall back to "type N".
func (s *Catalog) ContractTypeLabels(ctx context.Context) map[int]string {
	out := map[int]string{}
	at, err := s.run.Autotask()
	if err != nil {
		return out
	}
	fields, err := at.Fields(ctx, autotask.EntityContracts)
	if err != nil {
		return out
	}
	f, ok := autotask.FindField(fields, "contractType")
	if !ok {
		return out
	}
	for _, p := range f.PicklistValues {
		if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil {
			out[n] = p.Label
		}
	}
	return out
}

// ContractTypePicklist returns the contract types Autotask knows, by value,
// with their labels (from the Contracts field metadata).
func (s *Catalog) ContractTypePicklist(ctx context.Context) (map[int]string, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return nil, err
	}
	fields, err := at.Fields(ctx, autotask.EntityContracts)
	if err != nil {
		return nil, fmt.Errorf("reading the Autotask contract types: %w", err)
	}
	out := map[int]string{}
	if f, ok := autotask.FindField(fields, "contractType"); ok {
		for _, p := range f.PicklistValues {
			if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil {
				out[n] = p.Label
			}
		}
	}
	return out, nil
}
