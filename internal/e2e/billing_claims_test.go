package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// These tests run the real provider binary under the real Terraform CLI for
// the ways a line could be billed twice that only show with real processes:
// provider aliases (one plugin process each), two configurations with their
// own state files applying at the same time, and Ctrl-C.

// billingEnvVars are the provider settings for the sandbox, from the
// environment as users set them.
func billingEnvVars(env *acctest.Env, owner string) map[string]string {
	secrets := env.Secrets()
	m := map[string]string{
		"AUTOTASK_USERNAME":         env.Username(),
		"AUTOTASK_SECRET":           secrets[0],
		"AUTOTASK_INTEGRATION_CODE": secrets[1],
		"AUTOTASK_ZONE_LOOKUP_URL":  env.Sandbox.ZoneLookupURL,
		"PETRA_API_KEY":             secrets[2],
		"PETRA_API_URL":             env.Sandbox.PetraURL,
	}
	if owner != "" {
		m["PETRA_BILLING_CLAIM_OWNER"] = owner
	}
	return m
}

const terraformHeader = "terraform {\n  required_providers {\n    petra = { source = %q }\n  }\n}\n\n"

// mappingHCL is one billing mapping; provider is "" or an alias reference.
func mappingHCL(env *acctest.Env, name, provider, tenant string, b acctest.BillingTarget, units string) string {
	p := ""
	if provider != "" {
		p = "  provider      = " + provider + "\n"
	}
	return fmt.Sprintf(`
resource "petra_autotask_billing_mapping" %q {
%s  connection_id = %q
  tenant_id     = %q
  company_id    = %d
  contract_id   = %d
  service_id    = %d
  units         = %s
}
`, name, p, env.ConnectionID(), tenant, b.CompanyID, b.ContractID, b.ServiceID, units)
}

// appliedAdjustments counts, per contract service, the adjustment posts
// after seq that Autotask applied (answered, committed with the answer
// dropped, or committed late), and the posts sent.
func appliedAdjustments(t *testing.T, env *acctest.Env, seq int64) (applied map[int64]int, sent int) {
	t.Helper()
	reqs, err := env.Sandbox.Admin.Requests(context.Background(), seq)
	if err != nil {
		t.Fatal(err)
	}
	applied = map[int64]int{}
	for _, r := range reqs {
		if r.Method != "POST" || !strings.HasSuffix(strings.ToLower(r.Path), "/contractserviceadjustments") {
			continue
		}
		if r.Outcome != sandbox.OutcomeCommittedLate {
			sent++
		}
		landed := r.Outcome == sandbox.OutcomeCommittedDropped ||
			((r.Outcome == sandbox.OutcomeOK || r.Outcome == sandbox.OutcomeCommittedLate) && r.Status/100 == 2)
		if !landed {
			continue
		}
		var body struct {
			ContractServiceID int64 `json:"contractServiceID"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatalf("adjustment body %q: %v", r.Body, err)
		}
		applied[body.ContractServiceID]++
	}
	return applied, sent
}

// writes lists the Autotask requests after seq that could change data.
func writes(t *testing.T, env *acctest.Env, seq int64) []string {
	t.Helper()
	reqs, err := env.Sandbox.Admin.Requests(context.Background(), seq)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range reqs {
		p := strings.ToLower(r.Path)
		if r.API != "autotask" || r.Method == "GET" || strings.Contains(p, "/query") || strings.Contains(p, "zoneinformation") {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// ansiRe matches the color escapes of Terraform's output.
var ansiRe = regexp.MustCompile("\x1b\\[[0-9;]*m")

// hasText reports whether Terraform's output holds text, however Terraform
// wrapped it across lines of its diagnostic boxes.
func hasText(out, text string) bool {
	clean := strings.NewReplacer("│", " ", "╷", " ", "╵", " ").Replace(ansiRe.ReplaceAllString(out, ""))
	return strings.Contains(strings.Join(strings.Fields(clean), " "), strings.Join(strings.Fields(text), " "))
}

// stateUnits reads the units of every billing mapping in a work directory's
// state file, by resource name.
func stateUnits(t *testing.T, dir string) map[string]float64 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if os.IsNotExist(err) {
		return map[string]float64{}
	}
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type, Name string
			Instances  []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("state: %v", err)
	}
	out := map[string]float64{}
	for _, r := range st.Resources {
		if r.Type != "petra_autotask_billing_mapping" {
			continue
		}
		for _, in := range r.Instances {
			u, _ := in.Attributes["units"].(float64)
			out[r.Name] = u
		}
	}
	return out
}

// TestAliasesMappingOneLineFailThePlan: two provider configurations (an
// alias each, so two plugin processes) map the same line: plan and apply
// fail naming the other mapping, and nothing is written. The alias's mapping
// waits for a slow data source, so the other provider's process has already
// ended when it is planned. Mappings of distinct lines through two aliases
// plan, apply and re-apply cleanly (no false duplicate across the plan and
// apply walks).
func TestAliasesMappingOneLineFailThePlan(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	ctx := context.Background()
	t1, t2 := env.PetraTenant(t, 0).PetraTenantID, env.PetraTenant(t, 1).PetraTenantID
	shared := env.NewBillingTarget(t, 3)
	other := env.NewBillingTarget(t, 3)
	if err := env.Sandbox.Admin.SetLatency(ctx, sandbox.LatencyRule{Path: "/petra/v1/usage", DelayMs: 1500}); err != nil {
		t.Fatal(err)
	}
	// Several runs of two provider processes each: more Petra reads than
	// Petra's 10 a minute, which would only slow the test down.
	if err := env.Sandbox.Admin.SetPetraRateLimit(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	providers := fmt.Sprintf(terraformHeader, ProviderAddress) + "provider \"petra\" {}\n\nprovider \"petra\" {\n  alias = \"b\"\n}\n\n" +
		"data \"petra_usage\" \"b\" {\n  provider = petra.b\n}\n"
	slowUnits := "5 + 0 * length(data.petra_usage.b.tenants)"

	dup := NewWorkdir(t, providers+mappingHCL(env, "a", "", t1, shared, "5")+mappingHCL(env, "b", "petra.b", t2, shared, slowUnits),
		billingEnvVars(env, ""))
	seq := lastSeq(t, env)
	for _, args := range [][]string{{"plan", "-input=false", "-no-color"}, {"apply", "-input=false", "-auto-approve", "-no-color"}} {
		r := dup.Run(nil, args...)
		out := r.Output()
		if r.ExitCode == 0 || !hasText(out, "Service line mapped twice") ||
			!hasText(out, "planned by another provider configuration (alias) of this run") {
			t.Fatalf("terraform %s with one line in two aliases: exit %d\n%s", args[0], r.ExitCode, tail(out, 4000))
		}
	}
	if w := writes(t, env, seq); len(w) != 0 {
		t.Fatalf("a line mapped twice was written to: %v", w)
	}
	if u := env.UnitsToday(t, shared.ContractServiceID); u != 3 {
		t.Fatalf("units changed to %d", u)
	}

	ok := NewWorkdir(t, providers+mappingHCL(env, "a", "", t1, shared, "5")+mappingHCL(env, "b", "petra.b", t2, other, slowUnits),
		billingEnvVars(env, ""))
	ok.MustRun(nil, "apply", "-input=false", "-auto-approve")
	ok.MustRun(nil, "apply", "-input=false", "-auto-approve") // a no-op: the apply walk re-plans nothing
	if r := ok.MustRun(nil, "plan", "-input=false", "-detailed-exitcode"); r.ExitCode != 0 {
		t.Fatalf("plan after apply is not empty")
	}
	for _, b := range []acctest.BillingTarget{shared, other} {
		if u := env.UnitsToday(t, b.ContractServiceID); u != 5 {
			t.Fatalf("line %d holds %d units, want 5", b.ContractServiceID, u)
		}
	}
}

// TestTwoStateFilesOnOneLine is the second finding: two
// configurations with their own state files map the same lines (different
// targets), both plan while no line is claimed, and apply their saved plans
// at the same time, with latency. For every line exactly
// one configuration pushes, once; the other fails naming the owner. Running
// both again changes nothing: the owner is in sync, the other still fails.
func TestTwoStateFilesOnOneLine(t *testing.T) {
	env := acctest.New(t)
	env.RequireSandbox(t)
	ctx := context.Background()
	tenant := env.PetraTenant(t, 0).PetraTenantID
	lines := make([]acctest.BillingTarget, 4)
	for i := range lines {
		lines[i] = env.NewBillingTarget(t, 10)
	}
	if err := env.Sandbox.Admin.SetLatency(ctx, sandbox.LatencyRule{Path: "/ATServicesRest/", DelayMs: 50, JitterMs: 100}); err != nil {
		t.Fatal(err)
	}
	config := func(units int) string {
		var b strings.Builder
		fmt.Fprintf(&b, terraformHeader, ProviderAddress)
		b.WriteString("provider \"petra\" {}\n")
		for i, l := range lines {
			b.WriteString(mappingHCL(env, fmt.Sprintf("m%d", i), "", tenant, l, fmt.Sprint(units)))
		}
		return b.String()
	}
	targets := map[string]int{"config-a": 21, "config-b": 30}
	dirs := map[string]*Workdir{
		"config-a": NewWorkdir(t, config(21), billingEnvVars(env, "config-a")),
		"config-b": NewWorkdir(t, config(30), billingEnvVars(env, "config-b")),
	}
	// Both plan before either applies (as two pipelines would), so both
	// reach apply: the claims must decide there.
	for _, w := range dirs {
		w.MustRun(nil, "plan", "-input=false", "-no-color", "-out=tfplan")
	}
	seq := lastSeq(t, env)
	results := map[string]Result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, w := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := w.Run(nil, "apply", "-input=false", "-no-color", "tfplan")
			mu.Lock()
			results[name] = r
			mu.Unlock()
		}()
	}
	wg.Wait()

	applied, _ := appliedAdjustments(t, env, seq)
	owners := map[int64]string{}
	for i, l := range lines {
		name := fmt.Sprintf("m%d", i)
		var inState []string
		for cfg, w := range dirs {
			if _, ok := stateUnits(t, w.Dir)[name]; ok {
				inState = append(inState, cfg)
			}
		}
		if len(inState) != 1 {
			t.Fatalf("line %d is in the state of %v, want exactly one configuration\nA:\n%s\nB:\n%s", l.ContractServiceID, inState,
				tail(results["config-a"].Output(), 3000), tail(results["config-b"].Output(), 3000))
		}
		owner := inState[0]
		owners[l.ContractServiceID] = owner
		if u := env.UnitsToday(t, l.ContractServiceID); u != targets[owner] {
			t.Fatalf("line %d holds %d units, want %s's %d", l.ContractServiceID, u, owner, targets[owner])
		}
		if applied[l.ContractServiceID] != 1 {
			t.Fatalf("line %d: %d adjustments applied, want exactly 1", l.ContractServiceID, applied[l.ContractServiceID])
		}
	}
	t.Logf("line owners after the concurrent applies: %v", owners)
	for name, r := range results {
		lost := 0
		for _, o := range owners {
			if o != name {
				lost++
			}
		}
		if lost > 0 && (r.ExitCode == 0 || !hasText(r.Output(), "Service line claimed by another configuration")) {
			t.Fatalf("%s lost %d lines but its apply exited %d without the claim error:\n%s", name, lost, r.ExitCode, tail(r.Output(), 4000))
		}
		if lost == 0 && r.ExitCode != 0 {
			t.Fatalf("%s owns every line but its apply failed:\n%s", name, tail(r.Output(), 4000))
		}
	}

	// Again, one after the other: nothing more is pushed.
	seq = lastSeq(t, env)
	for name, w := range dirs {
		r := w.Run(nil, "apply", "-input=false", "-auto-approve", "-no-color")
		for _, o := range owners {
			if o != name {
				other := "config-a"
				if name == "config-a" {
					other = "config-b"
				}
				if r.ExitCode == 0 || !hasText(r.Output(), fmt.Sprintf("is claimed by %q", other)) {
					t.Fatalf("%s's second apply: exit %d, want the claim error naming %s:\n%s", name, r.ExitCode, other, tail(r.Output(), 4000))
				}
				break
			}
		}
	}
	if _, sent := appliedAdjustments(t, env, seq); sent != 0 {
		t.Fatalf("the second round posted %d adjustments, want 0", sent)
	}
	if w := writes(t, env, seq); len(w) != 0 {
		t.Fatalf("the second round wrote %v", w)
	}
}

// waitForLog polls the request log until cond holds for the records after
// seq, or fails after a minute.
func waitForLog(t *testing.T, env *acctest.Env, seq int64, what string, cond func([]sandbox.RequestRecord) bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		reqs, err := env.Sandbox.Admin.Requests(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		if cond(reqs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countOutcome(reqs []sandbox.RequestRecord, outcome string) int {
	n := 0
	for _, r := range reqs {
		if r.Outcome == outcome && strings.HasSuffix(strings.ToLower(r.Path), "/contractserviceadjustments") {
			n++
		}
	}
	return n
}
