package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/catalog"
)

const picklistsAddr = "data.petra_autotask_ticket_picklists.all"

// picklistsExpect is the exact list the data source must return, built from
// what Autotask itself reports.
func picklistsExpect(values []catalog.PicklistValue, all bool) knownvalue.Check {
	var elems []knownvalue.Check
	for _, v := range values {
		if !v.IsActive && !all {
			continue
		}
		elems = append(elems, knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id": knownvalue.Int64Exact(v.ID), "label": knownvalue.StringExact(v.Label),
			"is_active": knownvalue.Bool(v.IsActive), "is_default": knownvalue.Bool(v.IsDefault),
			"is_system": knownvalue.Bool(v.IsSystem), "sort_order": knownvalue.Int64Exact(int64(v.SortOrder)),
		}))
	}
	return knownvalue.ListExact(elems)
}

func TestAccAutotaskTicketPicklistsDataSource(t *testing.T) {
	env := newAccEnv(t)
	fields, err := env.AT.Fields(ctx(), autotask.EntityTickets)
	if err != nil {
		t.Fatal(err)
	}
	want, err := catalog.ParseTicketPicklists(fields)
	if err != nil {
		t.Fatal(err)
	}
	kv := func(attr string, c knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(picklistsAddr, tfjsonpath.New(attr), c)
	}
	activeOnly := []statecheck.StateCheck{
		kv("queues", picklistsExpect(want.Queues, false)),
		kv("statuses", picklistsExpect(want.Statuses, false)),
		kv("priorities", picklistsExpect(want.Priorities, false)),
	}
	withInactive := []statecheck.StateCheck{
		kv("queues", picklistsExpect(want.Queues, true)),
		kv("statuses", picklistsExpect(want.Statuses, true)),
		kv("priorities", picklistsExpect(want.Priorities, true)),
	}
	if !env.Real {
		// The sandbox fixture: one retired queue and one retired status.
		activeOnly = append(activeOnly,
			kv("queues", knownvalue.ListSizeExact(5)),
			kv("queues", knownvalue.ListPartial(map[int]knownvalue.Check{3: knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"id": knownvalue.Int64Exact(29683482), "label": knownvalue.StringExact("Monitoring Alerts"),
				"is_system": knownvalue.Bool(false), "sort_order": knownvalue.Int64Exact(4),
			})})),
			kv("statuses", knownvalue.ListPartial(map[int]knownvalue.Check{0: knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"label": knownvalue.StringExact("New"), "is_default": knownvalue.Bool(true), "is_system": knownvalue.Bool(true),
			})})),
		)
		withInactive = append(withInactive,
			kv("queues", knownvalue.ListSizeExact(6)),
			kv("queues", knownvalue.ListPartial(map[int]knownvalue.Check{5: knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"label": knownvalue.StringExact("Legacy Helpdesk"), "is_active": knownvalue.Bool(false),
			})})),
		)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config:            env.ProviderConfig() + `data "petra_autotask_ticket_picklists" "all" {}`,
				ConfigStateChecks: activeOnly,
			},
			{
				Config: env.ProviderConfig() + `
data "petra_autotask_ticket_picklists" "all" {
  include_inactive = true
}
`,
				ConfigStateChecks: withInactive,
			},
		},
	})
}
