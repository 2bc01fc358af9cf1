package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/claims"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
)

// Autotask lets a user with limited contract access update only the notes
// it created (ContractNotes entity page): the sandbox's notesCreatorOnly
// setting does so for users whose ContractNotes update access is
// "Restricted". These tests release and take over a claim note created by
// another API user with such a user, with the setting on and off.

// limitedNotesUser is an API user that may do everything billing needs,
// but update only the contract notes it created (once notesCreatorOnly is
// on); it returns the provider configuration's credentials for it.
func limitedNotesUser(t *testing.T, env *acctest.Env, creatorOnly bool) (username, secret string) {
	t.Helper()
	username, secret = "petra-api-limited-notes@sandbox.example", "sandbox-limited-notes-secret-do-not-use"
	all := autotasksim.EntityPermission{Query: "All", Create: "All", Update: "All"}
	err := env.Sandbox.Admin.SetAutotaskUser(context.Background(), autotasksim.APIUser{
		UserName: username, Secret: secret, SecurityLevel: autotasksim.SecurityLevelAPICustom,
		Permissions: map[string]autotasksim.EntityPermission{
			"Companies": all, "Contracts": all, "ContractServices": all, "ContractServiceUnits": all,
			"ContractServiceAdjustments": all, "Services": all,
			"ContractNotes": {Query: "All", Create: "All", Update: "Restricted"},
		},
	})
	if err != nil {
		t.Fatalf("adding the limited API user: %v", err)
	}
	if _, err := env.Sandbox.Admin.SetAutotaskSettings(context.Background(), autotasksim.BehaviourUpdate{NotesCreatorOnly: &creatorOnly}); err != nil {
		t.Fatal(err)
	}
	return username, secret
}

// asUser is cfg with the provider's Autotask credentials replaced.
func asUser(t *testing.T, env *acctest.Env, cfg, username, secret string) string {
	t.Helper()
	secrets := env.Secrets()
	out := strings.Replace(strings.Replace(cfg, fmt.Sprintf("%q", env.Username()), fmt.Sprintf("%q", username), 1),
		fmt.Sprintf("%q", secrets[0]), fmt.Sprintf("%q", secret), 1)
	if out == cfg {
		t.Fatal("the configuration names no sandbox credentials to replace")
	}
	return out
}

// TestAccBillingMapping_releaseByAnotherLimitedUser: the mapping claimed its
// line with one API user; a rotated user with limited contract access
// destroys it. With notesCreatorOnly, Autotask refuses the release: the
// destroy fails saying which claim and how to release it, the mapping stays
// in state, the claim stays active and nothing is posted; the first user's
// destroy then releases it. Without the setting, the release succeeds.
func TestAccBillingMapping_releaseByAnotherLimitedUser(t *testing.T) {
	for _, creatorOnly := range []bool{true, false} {
		t.Run(fmt.Sprintf("notesCreatorOnly=%v", creatorOnly), func(t *testing.T) {
			env := newAccEnv(t)
			env.RequireSandbox(t)
			user, secret := limitedNotesUser(t, env, creatorOnly)
			b := env.NewBillingTarget(t, 5)
			tenant := env.PetraTenant(t, 0).PetraTenantID
			cfg := billingConfig(env, "", mappingFor("test", tenant, b, 8))
			limited := asUser(t, env, cfg, user, secret)
			var seq int64
			var noteID int64
			steps := []resource.TestStep{{
				Config: cfg,
				Check: func(*terraform.State) error {
					notes := env.ClaimNotes(t, b.ContractID)
					if len(notes) != 1 {
						return fmt.Errorf("active claims after the apply: %+v", notes)
					}
					noteID = notes[0].ID
					return nil
				},
			}}
			if creatorOnly {
				steps = append(steps,
					resource.TestStep{
						PreConfig: markSeq(t, env, &seq), Config: limited, Destroy: true,
						ExpectError: exactParts("Billing claim note not editable by this API user",
							"Autotask refused this API user's update of the billing claim of",
							fmt.Sprintf("on contract service line %d", b.ContractServiceID),
							`(Autotask said: "The logged in Resource does not have the adequate permissions to update this entity type.")`,
							"update only the notes it created", "The claim stays active.",
							"run with the API user that created the note, give this API user's security level full access to contracts",
							`change "Status: active" to "Status: released"`,
							"stays in state until its claim is released: run destroy again after one of these."),
					},
					resource.TestStep{
						PreConfig: func() {
							if w := writesSince(t, env, seq); len(w) != 1 || !strings.Contains(w[0], "/Notes") {
								t.Errorf("the refused destroy wrote %v, want only the refused note update", w)
							}
							if notes := env.ClaimNotes(t, b.ContractID); len(notes) != 1 || notes[0].ID != noteID {
								t.Errorf("after the refused release the active claims are %+v, want note %d", notes, noteID)
							}
						},
						Config: cfg, PlanOnly: true, // still in state, nothing to change
					})
			} else {
				steps = append(steps, resource.TestStep{Config: limited, Destroy: true})
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories(env),
				CheckDestroy: func(*terraform.State) error {
					if c := activeClaimNotes(t, env, b); len(c) != 0 {
						return fmt.Errorf("destroy left active claims: %v", c)
					}
					if u := env.UnitsToday(t, b.ContractServiceID); u != 8 {
						return fmt.Errorf("the line holds %d units, want 8", u)
					}
					return nil
				},
				Steps: steps,
			})
		})
	}
}

// TestAccBillingMapping_takeOverByLimitedUser: another configuration, with
// another API user, holds the line; this configuration's limited user sets
// take_over_claim. With notesCreatorOnly, Autotask refuses to release the
// other claim: the apply fails saying so, nothing is pushed, and the other
// claim stays the line's only one. Without the setting, the take-over
// releases it and pushes once.
func TestAccBillingMapping_takeOverByLimitedUser(t *testing.T) {
	for _, creatorOnly := range []bool{true, false} {
		t.Run(fmt.Sprintf("notesCreatorOnly=%v", creatorOnly), func(t *testing.T) {
			env := newAccEnv(t)
			env.RequireSandbox(t)
			user, secret := limitedNotesUser(t, env, creatorOnly)
			b := env.NewBillingTarget(t, 5)
			tenant := env.PetraTenant(t, 0).PetraTenantID
			other := claims.NewNotes(run.New(env.AT, nil, env.Now))
			theirs, err := other.EnsureLineClaim(context.Background(), claims.ClaimRequest{ContractID: b.ContractID,
				LineID: b.ContractServiceID, Identity: claims.ClaimIdentity{Owner: "billing-staging (other repo)", Tenant: "Y3mPqr"}})
			if err != nil {
				t.Fatalf("the other configuration's claim: %v", err)
			}
			cfg := asUser(t, env, billingConfig(env, "", mappingFor("test", tenant, b, 8)), user, secret)
			cfg = strings.Replace(cfg, "units         = 8\n", "units         = 8\n  take_over_claim = true\n", 1)
			var seq int64
			step := resource.TestStep{PreConfig: markSeq(t, env, &seq), Config: cfg}
			if creatorOnly {
				step.ExpectError = exactParts("Billing claim note not editable by this API user",
					`Autotask refused this API user's update of the billing claim of "billing-staging (other repo)"`,
					fmt.Sprintf("contract note %d on contract %d", theirs.NoteID, b.ContractID),
					"The claim stays active.", "Nothing was pushed for this mapping.")
			} else {
				step.Check = expectUnits(t, env, b.ContractServiceID, 8, &seq, 1)
			}
			steps := []resource.TestStep{step}
			if creatorOnly {
				steps = append(steps, resource.TestStep{
					PreConfig: func() {
						if n := adjustmentsSince(t, env, seq); n != 0 {
							t.Errorf("the refused take-over posted %d adjustments, want 0", n)
						}
						if u := env.UnitsToday(t, b.ContractServiceID); u != 5 {
							t.Errorf("the line holds %d units after the refused take-over, want 5", u)
						}
						if notes := env.ClaimNotes(t, b.ContractID); len(notes) != 1 || notes[0].ID != theirs.NoteID {
							t.Errorf("active claims after the refused take-over: %+v, want only note %d", notes, theirs.NoteID)
						}
					},
					Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true, // the mapping is still to be created
				})
			}
			resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6Factories(env), Steps: steps})
		})
	}
}
