package provider

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

const tdAddr = "petra_autotask_ticket_defaults.main"

// tdConfig is a connection plus ticket defaults; priority "" leaves it unset.
func tdConfig(env *acctest.Env, queue, creation, update, priority string) string {
	p := ""
	if priority != "" {
		p = fmt.Sprintf("  priority        = %q\n", priority)
	}
	return env.ProviderConfig() + connResource(`["ticketing"]`) + fmt.Sprintf(`
resource "petra_autotask_ticket_defaults" "main" {
  connection_id   = petra_autotask_connection.main.id
  queue           = %q
  creation_status = %q
  update_status   = %q
%s}
`, queue, creation, update, p)
}

// tdExpect checks the resolved ids and labels; priorityID 0 expects null.
func tdExpect(queueID int64, queue string, creationID int64, creation string, updateID int64, update string,
	priorityID int64, priority string) []statecheck.StateCheck {
	var pid, plabel knownvalue.Check = knownvalue.Null(), knownvalue.Null()
	if priorityID != 0 {
		pid, plabel = knownvalue.Int64Exact(priorityID), knownvalue.StringExact(priority)
	}
	kv := func(attr string, c knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(tdAddr, tfjsonpath.New(attr), c)
	}
	return []statecheck.StateCheck{
		kv("queue_id", knownvalue.Int64Exact(queueID)), kv("queue_label", knownvalue.StringExact(queue)),
		kv("creation_status_id", knownvalue.Int64Exact(creationID)), kv("creation_status_label", knownvalue.StringExact(creation)),
		kv("update_status_id", knownvalue.Int64Exact(updateID)), kv("update_status_label", knownvalue.StringExact(update)),
		kv("priority_id", pid), kv("priority_label", plabel),
	}
}

// tdFieldsWith is Tickets/entityInformation/fields as Autotask would answer
// after change edited the picklists.
func tdFieldsWith(t *testing.T, env *acctest.Env, change func([]autotask.Field)) string {
	t.Helper()
	fields, err := env.AT.Fields(ctx(), autotask.EntityTickets)
	if err != nil {
		t.Fatal(err)
	}
	change(fields)
	b, err := json.Marshal(map[string]any{"fields": fields})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAccAutotaskTicketDefaults_basic(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t) // the fixture's picklists and fault injection
	retired := func() string {
		return tdFieldsWith(t, env, func(fields []autotask.Field) {
			for i := range fields {
				if fields[i].Name != "queueID" {
					continue
				}
				for j := range fields[i].PicklistValues {
					if v := &fields[i].PicklistValues[j]; v.Value == "29683483" {
						v.IsActive, v.Label = false, "Security Incidents (old)"
					}
				}
			}
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		CheckDestroy:             connNoAutotaskWrites(env),
		Steps: []resource.TestStep{
			{
				// Labels, in any case, are checked at plan time and resolved to
				// ids at apply (a picklist edited in between cannot break it).
				Config: tdConfig(env, "monitoring alerts", "New", "In Progress", "high"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tdAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(tdAddr, tfjsonpath.New("queue_id")),
						plancheck.ExpectUnknownValue(tdAddr, tfjsonpath.New("update_status_label")),
						plancheck.ExpectUnknownValue(tdAddr, tfjsonpath.New("id")), // the connection's, known after it is created
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(tdExpect(29683482, "Monitoring Alerts", 1, "New", 8, "In Progress", 1, "High"),
					statecheck.ExpectKnownValue(tdAddr, tfjsonpath.New("queue"), knownvalue.StringExact("monitoring alerts")),
					statecheck.ExpectKnownValue(tdAddr, tfjsonpath.New("connection_id"), knownvalue.StringExact(env.ConnectionID())),
					statecheck.ExpectKnownValue(tdAddr, tfjsonpath.New("id"), knownvalue.StringExact(env.ConnectionID()))),
			},
			{
				// Numeric ids are planned as given, their labels resolved at
				// apply; an unchanged value keeps its id and label; dropping
				// priority nulls its id and label.
				Config: tdConfig(env, "29683483", "7", "In Progress", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tdAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(tdAddr, tfjsonpath.New("queue_id"), knownvalue.Int64Exact(29683483)),
						plancheck.ExpectUnknownValue(tdAddr, tfjsonpath.New("queue_label")),
						plancheck.ExpectKnownValue(tdAddr, tfjsonpath.New("update_status_id"), knownvalue.Int64Exact(8)),
						plancheck.ExpectKnownValue(tdAddr, tfjsonpath.New("update_status_label"), knownvalue.StringExact("In Progress")),
						plancheck.ExpectKnownValue(tdAddr, tfjsonpath.New("priority_id"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: tdExpect(29683483, "Security Incidents", 7, "Waiting Customer", 8, "In Progress", 0, ""),
			},
			{
				ResourceName:      tdAddr,
				ImportState:       true,
				ImportStateId:     env.ConnectionID() + "/29683483/7/8",
				ImportStateVerify: true,
				// Imported by ids: update_status is recorded as the id, as the import ID gave it.
				ImportStateVerifyIgnore: []string{"update_status"},
			},
			{
				// Connection only: the values come from configuration later.
				ResourceName:  tdAddr,
				ImportState:   true,
				ImportStateId: env.ConnectionID(),
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d instances", len(states))
					}
					a := states[0].Attributes
					if a["connection_id"] != env.ConnectionID() || a["id"] != env.ConnectionID() || a["queue"] != "" || a["queue_id"] != "" {
						return fmt.Errorf("unexpected attributes %v", a)
					}
					return nil
				},
			},
			{
				ResourceName:  tdAddr,
				ImportState:   true,
				ImportStateId: env.ConnectionID() + "/Monitoring Alerts/1/8",
				ExpectError: exactError(fmt.Sprintf(`Part 2 of the import ID "%s/Monitoring Alerts/1/8" is "Monitoring Alerts", `+
					`which is not a numeric queue id. Use 900001/29683482/1/8/2`, env.ConnectionID())),
			},
			{
				ResourceName:  tdAddr,
				ImportState:   true,
				ImportStateId: env.ConnectionID() + "/29683483/7",
				ExpectError:   exactError(`has 3 parts separated by "/"; expected 1, 4 or 5.`),
			},
			{
				// Someone retires and renames the queue in Autotask: refresh
				// picks up the label, and the next plan fails on queue.
				PreConfig: func() {
					if _, err := env.Sandbox.Admin.InjectFault(ctx(), sandbox.FaultRule{
						Method: "GET", Path: "/ATServicesRest/V1.0/Tickets/entityInformation/fields", Action: sandbox.FaultFail,
						Status: 200, Body: retired(), Count: 100,
					}); err != nil {
						t.Fatal(err)
					}
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(tdAddr, "queue_label", "Security Incidents (old)"),
					resource.TestCheckResourceAttr(tdAddr, "queue_id", "29683483"),
				),
				ExpectError: exactParts(`Error: Invalid ticket queue`,
					`queue: The ticket queue "Security Incidents (old)" (29683483) exists in Autotask but is inactive`),
			},
			{
				PreConfig: func() {
					if err := env.Sandbox.Admin.ClearFaults(ctx()); err != nil {
						t.Fatal(err)
					}
				},
				Config: tdConfig(env, "29683483", "7", "In Progress", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.TestCheckResourceAttr(tdAddr, "queue_label", "Security Incidents"),
			},
			{
				// An unknown label fails on the attribute with the valid labels.
				Config: tdConfig(env, "Monitoring", "7", "8", ""),
				ExpectError: exactParts(`Error: Invalid ticket queue`,
					`queue: Autotask has no ticket queue "Monitoring". Valid queues: "Client Portal" (5), "Post Sale" (6), `+
						`"Level I Support" (8), "Monitoring Alerts" (29683482), "Security Incidents" (29683483). Use one of `+
						`these labels (case does not matter) or its numeric id;`),
			},
			{
				// An inactive value (by label or id) fails too.
				Config: tdConfig(env, "29683483", "Escalated (retired)", "8", ""),
				ExpectError: exactParts(`Error: Invalid ticket creation status`,
					`creation_status: The ticket status "Escalated (retired)" (13) exists in Autotask but is inactive, so `+
						`tickets cannot use it. Valid statuses: "New" (1),`),
			},
			{
				Config:      tdConfig(env, "29683483", "7", "8", "Urgent"),
				ExpectError: exactError(`priority: Autotask has no ticket priority "Urgent". Valid priorities: "High" (1), "Medium" (2), "Low" (3), "Critical" (4).`),
			},
		},
	})
}

func TestAccAutotaskTicketDefaults_otherConnection(t *testing.T) {
	env := newAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
resource "petra_autotask_ticket_defaults" "main" {
  connection_id   = "someone-else@example.com"
  queue           = "5"
  creation_status = "1"
  update_status   = "1"
}
`,
				ExpectError: exactError(fmt.Sprintf(`connection_id is "someone-else@example.com", but this provider's `+
					`Autotask API user %q belongs to Autotask database %d`, env.Username(), env.DatabaseID())),
			},
		},
	})
}
