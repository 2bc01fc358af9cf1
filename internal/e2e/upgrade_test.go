package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// TestStateFromVersion0UpgradesAndClaims plans a state written by version 0
// of the provider (testdata/upgrade-v0: the demo applied by the provider of
// main at b1792f7) with the current provider. Every resource upgrades (the
// connection's id becomes the database id; the mappings' connection_id
// follows at refresh), and the plan changes only the billing mappings, to
// claim their lines (version 0 had no claims). Then a second API user of the
// same database plans and applies: the connection does not change (it
// records the database and what was verified, not who plans; its refresh
// records the second user, whose permissions are complete, in api_user), each
// mapping claims its line and posts nothing, and no mapping is replaced,
// although the connection has prevent_destroy.
func TestStateFromVersion0UpgradesAndClaims(t *testing.T) {
	env := acctest.NewWithOptions(t, acctest.Options{Fixture: sandbox.DemoFixture()})
	env.RequireSandbox(t)
	src := filepath.Join("testdata", "upgrade-v0")
	mainTF, err := os.ReadFile(filepath.Join(src, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	stateJSON, err := os.ReadFile(filepath.Join(src, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	// The version-0 apply pushed these units in the database the state
	// describes; bring the fresh sandbox to the same counts.
	var st tfState
	if err := json.Unmarshal(stateJSON, &st); err != nil {
		t.Fatal(err)
	}
	mappings := 0
	for _, r := range st.Resources {
		for _, in := range r.Instances {
			if in.SchemaVersion != 0 {
				t.Fatalf("%s.%s is at schema version %d, want 0", r.Type, r.Name, in.SchemaVersion)
			}
			if r.Type == "petra_autotask_billing_mapping" {
				mappings++
				a := in.Attributes
				env.SetUnits(t, int64(a["contract_id"].(float64)), int64(a["contract_service_id"].(float64)), int(a["units"].(float64)))
			}
		}
	}
	if mappings == 0 {
		t.Fatal("the version-0 state has no billing mapping")
	}

	secrets := env.Secrets()
	vars := map[string]string{
		"AUTOTASK_USERNAME":         env.Username(),
		"AUTOTASK_SECRET":           secrets[0],
		"AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL":  env.Sandbox.ZoneLookupURL,
		"PETRA_API_KEY":             secrets[2],
		"PETRA_API_URL":             env.Sandbox.PetraURL,
	}
	w := NewWorkdir(t, string(mainTF), vars)
	if err := os.WriteFile(filepath.Join(w.Dir, "terraform.tfstate"), stateJSON, 0o600); err != nil {
		t.Fatal(err)
	}

	plan := w.Run(nil, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if plan.ExitCode != 2 {
		t.Fatalf("plan of the version-0 state exited %d (2 = changes: the claims):\n%s", plan.ExitCode, tail(plan.Output(), 6000))
	}
	if want := fmt.Sprintf("Plan: 0 to add, %d to change, 0 to destroy.", mappings); !strings.Contains(plan.Stdout, want) {
		t.Fatalf("plan output lacks %q (every billing mapping claims its line, nothing else changes):\n%s", want, tail(plan.Stdout, 6000))
	}
	if got := strings.Count(plan.Stdout, "+ claim_token         = (known after apply)"); got != mappings {
		t.Errorf("the plan claims %d lines, want %d:\n%s", got, mappings, tail(plan.Stdout, 6000))
	}
	if want := "petra_autotask_connection.this: Refreshing state... [id=" + env.ConnectionID() + "]"; !strings.Contains(plan.Stdout, want) {
		t.Errorf("the connection was not upgraded to the database id: %q not in\n%s", want, tail(plan.Stdout, 4000))
	}

	// A second API user of the same database (a CI user, a rotated user):
	// the connection does not change; only the mappings' claims are planned.
	ci := []string{"AUTOTASK_USERNAME=petra-api-ci@sandbox.example", "AUTOTASK_SECRET=sandbox-ci-secret-do-not-use"}
	plan = w.Run(ci, "plan", "-input=false", "-no-color", "-out=ci.tfplan")
	if plan.ExitCode != 0 {
		t.Fatalf("plan with the second user exited %d:\n%s", plan.ExitCode, tail(plan.Output(), 6000))
	}
	if want := fmt.Sprintf("Plan: 0 to add, %d to change, 0 to destroy.", mappings); !strings.Contains(plan.Stdout, want) {
		t.Errorf("plan with the second user lacks %q (the claims only):\n%s", want, tail(plan.Stdout, 6000))
	}
	if strings.Contains(plan.Stdout, "petra_autotask_connection.this will be updated") {
		t.Errorf("plan with the second user changes the connection:\n%s", tail(plan.Stdout, 6000))
	}
	seq := lastSeq(t, env)
	apply := w.Run(ci, "apply", "-input=false", "-no-color", "ci.tfplan")
	if apply.ExitCode != 0 {
		t.Fatalf("apply with the second user exited %d:\n%s", apply.ExitCode, tail(apply.Output(), 6000))
	}
	raw, err := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var after tfState
	if err := json.Unmarshal(raw, &after); err != nil {
		t.Fatal(err)
	}
	for _, r := range after.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, in := range r.Instances {
			want := 1
			id := in.Attributes["connection_id"]
			if r.Type == "petra_autotask_connection" {
				want = 2 // version 2 dropped username
				id = in.Attributes["id"]
				if in.Attributes["api_user"] != "petra-api-ci@sandbox.example" {
					t.Errorf("connection api_user = %v, want the second user", in.Attributes["api_user"])
				}
				if _, ok := in.Attributes["username"]; ok {
					t.Errorf("the connection's state still has username")
				}
			}
			if in.SchemaVersion != want {
				t.Errorf("%s.%s[%v] is at schema version %d after apply, want %d", r.Type, r.Name, in.IndexKey, in.SchemaVersion, want)
			}
			if id != env.ConnectionID() {
				t.Errorf("%s.%s[%v]: connection id %v, want %s", r.Type, r.Name, in.IndexKey, id, env.ConnectionID())
			}
		}
	}
	plan = w.Run(ci, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if plan.ExitCode != 0 {
		t.Fatalf("plan after the second user's apply exited %d:\n%s", plan.ExitCode, tail(plan.Output(), 4000))
	}

	if _, sent := appliedAdjustments(t, env, seq); sent != 0 {
		t.Errorf("the apply that claimed the upgraded mappings' lines posted %d adjustments, want 0", sent)
	}
	for _, r := range after.Resources {
		if r.Type != "petra_autotask_billing_mapping" {
			continue
		}
		for _, in := range r.Instances {
			if token, _ := in.Attributes["claim_token"].(string); token == "" {
				t.Errorf("%s holds no claim after the first apply of the upgraded state", in.Attributes["id"])
			}
			if n := len(env.ClaimNotes(t, int64(in.Attributes["contract_id"].(float64)))); n != 1 {
				t.Errorf("%s: its contract holds %d active claim notes, want 1", in.Attributes["id"], n)
			}
		}
	}
}

// tfState is the part of a Terraform state file the tests read.
type tfState struct {
	Resources []struct {
		Mode      string `json:"mode"`
		Type      string `json:"type"`
		Name      string `json:"name"`
		Instances []struct {
			IndexKey      any            `json:"index_key"`
			SchemaVersion int            `json:"schema_version"`
			Attributes    map[string]any `json:"attributes"`
		} `json:"instances"`
	} `json:"resources"`
}
