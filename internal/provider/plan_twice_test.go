package provider

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
)

// These tests check Terraform's rule for PlanResourceChange without the CLI
// (docs/resource-instance-change-lifecycle.md in hashicorp/terraform): every
// value known in the plan must be identical when Terraform plans the same
// configuration again inside the apply, in a new provider process, after
// Autotask or Petra changed. A difference is the "Provider produced
// inconsistent final plan" failure; here it is reported as the attribute and
// both values.

// planServer is one provider process: a fresh provider, configured.
type planServer struct {
	t       *testing.T
	srv     tfprotov6.ProviderServer
	schemas map[string]*tfprotov6.Schema
}

// newPlanServer starts a provider process configured for env, with extra
// top-level provider settings (such as billing_check_failure).
func newPlanServer(t *testing.T, env *acctest.Env, extra map[string]tftypes.Value) *planServer {
	t.Helper()
	srv, err := providerserver.NewProtocol6WithError(NewWithOptions("test", Options{Now: env.Now, NoConfigName: true})())()
	if err != nil {
		t.Fatal(err)
	}
	sch, err := srv.GetProviderSchema(ctx(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(sch.Diagnostics) > 0 {
		t.Fatalf("schema: %v %v", err, sch.Diagnostics)
	}
	ptyp := sch.Provider.ValueType().(tftypes.Object)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	secrets := env.Secrets()
	at := map[string]tftypes.Value{
		"username": str(env.Username()), "secret": str(secrets[0]), "integration_code": str(secrets[1]),
	}
	for k, v := range env.AutotaskEndpoints() { // the sandbox's, or the real database's
		at[k] = str(v)
	}
	vals := map[string]tftypes.Value{
		"autotask": objectOf(ptyp.AttributeTypes["autotask"].(tftypes.Object), at),
		"petra": objectOf(ptyp.AttributeTypes["petra"].(tftypes.Object), map[string]tftypes.Value{
			"api_key": str(secrets[2]), "api_url": str(env.Sandbox.PetraURL),
		}),
	}
	for k, v := range extra {
		vals[k] = v
	}
	cfg := dynamic(t, ptyp, objectOf(ptyp, vals))
	resp, err := srv.ConfigureProvider(ctx(), &tfprotov6.ConfigureProviderRequest{Config: &cfg, TerraformVersion: "1.11.4"})
	if err != nil || hasErrors(resp.Diagnostics) {
		t.Fatalf("configure: %v %s", err, diagText(resp.Diagnostics))
	}
	return &planServer{t: t, srv: srv, schemas: sch.ResourceSchemas}
}

// plan plans typeName from config (top-level attributes; the rest null)
// over prior (a null value for a create), as Terraform does: the proposed
// new state takes configured values and keeps prior values of computed
// attributes left unset (objchange.ProposedNew).
func (p *planServer) plan(typeName string, config map[string]tftypes.Value, prior tftypes.Value) (tftypes.Value, []*tfprotov6.Diagnostic) {
	p.t.Helper()
	typ := p.schemas[typeName].ValueType().(tftypes.Object)
	cfg := objectOf(typ, config)
	proposed := proposedNew(p.t, p.schemas[typeName], typ, cfg, prior)
	priorDV, cfgDV, propDV := dynamic(p.t, typ, prior), dynamic(p.t, typ, cfg), dynamic(p.t, typ, proposed)
	resp, err := p.srv.PlanResourceChange(ctx(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: typeName, PriorState: &priorDV, ProposedNewState: &propDV, Config: &cfgDV,
	})
	if err != nil {
		p.t.Fatal(err)
	}
	if resp.PlannedState == nil {
		return tftypes.NewValue(typ, nil), resp.Diagnostics
	}
	v, err := resp.PlannedState.Unmarshal(typ)
	if err != nil {
		p.t.Fatal(err)
	}
	return v, resp.Diagnostics
}

// apply applies a planned state and returns the new state.
func (p *planServer) apply(typeName string, config map[string]tftypes.Value, prior, planned tftypes.Value) tftypes.Value {
	p.t.Helper()
	typ := p.schemas[typeName].ValueType().(tftypes.Object)
	priorDV, cfgDV, planDV := dynamic(p.t, typ, prior), dynamic(p.t, typ, objectOf(typ, config)), dynamic(p.t, typ, planned)
	resp, err := p.srv.ApplyResourceChange(ctx(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: typeName, PriorState: &priorDV, PlannedState: &planDV, Config: &cfgDV,
	})
	if err != nil || hasErrors(resp.Diagnostics) {
		p.t.Fatalf("apply %s: %v %s", typeName, err, diagText(resp.Diagnostics))
	}
	v, err := resp.NewState.Unmarshal(typ)
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

// read refreshes a state.
func (p *planServer) read(typeName string, state tftypes.Value) tftypes.Value {
	p.t.Helper()
	typ := p.schemas[typeName].ValueType().(tftypes.Object)
	dv := dynamic(p.t, typ, state)
	resp, err := p.srv.ReadResource(ctx(), &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: &dv})
	if err != nil || hasErrors(resp.Diagnostics) {
		p.t.Fatalf("read %s: %v %s", typeName, err, diagText(resp.Diagnostics))
	}
	v, err := resp.NewState.Unmarshal(typ)
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

// objectOf builds an object of typ from vals; missing attributes are null.
func objectOf(typ tftypes.Object, vals map[string]tftypes.Value) tftypes.Value {
	all := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := vals[name]; ok {
			all[name] = v
			continue
		}
		all[name] = tftypes.NewValue(at, nil)
	}
	return tftypes.NewValue(typ, all)
}

// proposedNew is Terraform's proposed new state for top-level attributes:
// the configured value, else (for a computed attribute) the prior value.
func proposedNew(t *testing.T, s *tfprotov6.Schema, typ tftypes.Object, cfg, prior tftypes.Value) tftypes.Value {
	t.Helper()
	var cfgAttrs, priorAttrs map[string]tftypes.Value
	if err := cfg.As(&cfgAttrs); err != nil {
		t.Fatal(err)
	}
	if !prior.IsNull() {
		if err := prior.As(&priorAttrs); err != nil {
			t.Fatal(err)
		}
	}
	computed := map[string]bool{}
	for _, a := range s.Block.Attributes {
		computed[a.Name] = a.Computed
	}
	out := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		v := cfgAttrs[name]
		if v.IsNull() && computed[name] {
			v = tftypes.NewValue(at, nil)
			if pv, ok := priorAttrs[name]; ok {
				v = pv
			}
		}
		out[name] = v
	}
	return tftypes.NewValue(typ, out)
}

func dynamic(t *testing.T, typ tftypes.Type, v tftypes.Value) tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return dv
}

func hasErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "\n  %v: %s: %s", d.Severity, d.Summary, d.Detail)
	}
	return b.String()
}

// samePlannedKnownValues fails unless every value known in first is equal
// at the same path in second (Terraform's rule for the final plan).
func samePlannedKnownValues(t *testing.T, first, second tftypes.Value) {
	t.Helper()
	var problems []string
	err := tftypes.Walk(first, func(p *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if !v.IsKnown() {
			return false, nil // anything may replace an unknown
		}
		got, _, walkErr := tftypes.WalkAttributePath(second, p)
		if walkErr != nil {
			problems = append(problems, fmt.Sprintf("%s: was %s, now missing (%v)", p, v, walkErr))
			return false, nil //nolint:nilerr // a missing path is a finding, reported below, not a failure of the walk
		}
		gv, ok := got.(tftypes.Value)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: was %s, now %v", p, v, got))
			return false, nil
		}
		if !gv.IsKnown() {
			problems = append(problems, fmt.Sprintf("%s: was %s, now unknown", p, v))
			return false, nil
		}
		if v.Type().Is(tftypes.Object{}) || v.Type().Is(tftypes.List{}) || v.Type().Is(tftypes.Set{}) || v.Type().Is(tftypes.Map{}) {
			if v.IsNull() != gv.IsNull() {
				problems = append(problems, fmt.Sprintf("%s: was %s, now %s", p, v, gv))
				return false, nil
			}
			return true, nil
		}
		if !v.Equal(gv) {
			problems = append(problems, fmt.Sprintf("%s: was %s, now %s", p, v, gv))
		}
		return false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("the second plan disagrees with the first (Terraform would report an inconsistent final plan):\n  %s",
			strings.Join(problems, "\n  "))
	}
}

func tfString(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
func tfInt(n int64) tftypes.Value     { return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(n))) }

// planTwice plans config over prior, changes Autotask or Petra with change,
// and plans again in a new provider process; the known values must agree.
// It returns the first plan.
func planTwice(t *testing.T, env *acctest.Env, extra map[string]tftypes.Value, typeName string,
	config map[string]tftypes.Value, prior tftypes.Value, change func()) tftypes.Value {
	t.Helper()
	first, diags := newPlanServer(t, env, extra).plan(typeName, config, prior)
	if hasErrors(diags) {
		t.Fatalf("first plan failed: %s", diagText(diags))
	}
	change()
	second, diags := newPlanServer(t, env, extra).plan(typeName, config, prior)
	if hasErrors(diags) {
		t.Fatalf("second plan failed: %s", diagText(diags))
	}
	samePlannedKnownValues(t, first, second)
	return first
}

// stateAfterApply creates typeName from config through a provider process
// and refreshes it, as `terraform apply` then `plan` would.
func stateAfterApply(t *testing.T, env *acctest.Env, extra map[string]tftypes.Value, typeName string, config map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	s := newPlanServer(t, env, extra)
	typ := s.schemas[typeName].ValueType()
	null := tftypes.NewValue(typ, nil)
	planned, diags := s.plan(typeName, config, null)
	if hasErrors(diags) {
		t.Fatalf("plan: %s", diagText(diags))
	}
	// The apply walk runs in a new provider process (Terraform starts one per
	// walk): it re-plans the resource there, then applies it.
	s2 := newPlanServer(t, env, extra)
	planned2, diags := s2.plan(typeName, config, null)
	if hasErrors(diags) {
		t.Fatalf("re-plan: %s", diagText(diags))
	}
	samePlannedKnownValues(t, planned, planned2)
	state := s2.apply(typeName, config, null, planned2)
	return newPlanServer(t, env, extra).read(typeName, state)
}

func renameContract(t *testing.T, env *acctest.Env, id int64, name string) {
	t.Helper()
	env.UpdateContract(t, id, map[string]any{"contractName": name})
}

func TestPlanTwice_billingMapping(t *testing.T) {
	env := newAccEnv(t)
	// Every plan is a new provider process reading Petra's tenants: more than
	// Petra's 10 a minute per route, which would make the test wait a minute.
	tenantMappingRoomyPetra(t, env)
	tenant := env.PetraTenant(t, 0).PetraTenantID
	b := env.NewBillingTarget(t, 3)
	config := func(units int64) map[string]tftypes.Value {
		return map[string]tftypes.Value{
			"connection_id": tfString(env.ConnectionID()), "tenant_id": tfString(tenant),
			"company_id": tfInt(b.CompanyID), "contract_id": tfInt(b.ContractID), "service_id": tfInt(b.ServiceID),
			"units": tfInt(units),
		}
	}
	const typ = "petra_autotask_billing_mapping"
	changes := map[string]func(){
		"contract renamed":      func() { renameContract(t, env, b.ContractID, env.Unique("Renamed Contract")) },
		"end date extended":     func() { env.UpdateContract(t, b.ContractID, map[string]any{"endDate": env.Date(700) + "T00:00:00Z"}) },
		"company renamed":       func() { tenantMappingRenameCompany(t, env, b.CompanyID, env.Unique("Renamed Company")) },
		"service line adjusted": func() { env.Adjust(t, b.ContractID, b.ContractServiceID, 2, env.Today) },
	}
	null := tftypes.NewValue(newPlanServer(t, env, nil).schemas[typ].ValueType(), nil)
	for name, change := range changes {
		t.Run("create/"+name, func(t *testing.T) {
			planTwice(t, env, nil, typ, config(7), null, change)
		})
	}
	// An update plans from the refreshed state: names and dates are known
	// there and must survive any change made before the apply.
	state := stateAfterApply(t, env, nil, typ, config(7))
	for name, change := range changes {
		t.Run("update/"+name, func(t *testing.T) {
			planned := planTwice(t, env, nil, typ, config(9), state, change)
			var attrs map[string]tftypes.Value
			if err := planned.As(&attrs); err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{"contract_name", "name"} {
				if !attrs[a].IsKnown() || attrs[a].IsNull() {
					t.Fatalf("an update plan must show %s from state, got %s", a, attrs[a])
				}
			}
		})
	}
	// Warn mode: a problem that appears between plan and apply may not turn
	// a known value unknown either.
	warn := map[string]tftypes.Value{"billing_check_failure": tfString("warn")}
	t.Run("warn/contract ends", func(t *testing.T) {
		planTwice(t, env, warn, typ, config(11), state, func() {
			env.UpdateContract(t, b.ContractID, map[string]any{"endDate": env.Date(-1) + "T00:00:00Z"})
		})
	})
}

func TestPlanTwice_tenantMapping(t *testing.T) {
	env := newAccEnv(t)
	tenantMappingRoomyPetra(t, env)
	tenant := env.PetraTenant(t, 0)
	company := env.CreateCompany(t, env.Unique("Twice Co"), acctest.CompanyOpts{})
	other := env.CreateCompany(t, env.Unique("Twice Other"), acctest.CompanyOpts{})
	config := func(c int64) map[string]tftypes.Value {
		return map[string]tftypes.Value{
			"connection_id": tfString(env.ConnectionID()), "tenant_id": tfString(tenant.PetraTenantID), "company_id": tfInt(c),
		}
	}
	const typ = "petra_autotask_tenant_mapping"
	changes := map[string]func(){
		"company renamed": func() { tenantMappingRenameCompany(t, env, company, env.Unique("Twice Renamed")) },
		"tenant renamed in Petra": func() {
			renamePetraTenant(t, env, tenant.PetraTenantID, env.Unique("Petra Renamed"))
		},
	}
	null := tftypes.NewValue(newPlanServer(t, env, nil).schemas[typ].ValueType(), nil)
	for name, change := range changes {
		t.Run("create/"+name, func(t *testing.T) { planTwice(t, env, nil, typ, config(company), null, change) })
	}
	state := stateAfterApply(t, env, nil, typ, config(company))
	for name, change := range changes {
		t.Run("update/"+name, func(t *testing.T) { planTwice(t, env, nil, typ, config(other), state, change) })
	}
}

func TestPlanTwice_ticketDefaults(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t) // picklists change only through fault injection
	const typ = "petra_autotask_ticket_defaults"
	config := func(queue string) map[string]tftypes.Value {
		return map[string]tftypes.Value{
			"connection_id": tfString(env.ConnectionID()), "queue": tfString(queue),
			"creation_status": tfString("New"), "update_status": tfString("8"),
		}
	}
	rename := func() { renameQueue(t, env, "29683482", "Monitoring (renamed)") }
	null := tftypes.NewValue(newPlanServer(t, env, nil).schemas[typ].ValueType(), nil)
	t.Run("create by id/queue renamed", func(t *testing.T) {
		t.Cleanup(func() { clearFaults(t, env) })
		planTwice(t, env, nil, typ, config("29683482"), null, rename)
	})
	state := stateAfterApply(t, env, nil, typ, config("29683482"))
	t.Run("update/queue renamed", func(t *testing.T) {
		t.Cleanup(func() { clearFaults(t, env) })
		cfg := config("29683482")
		cfg["priority"] = tfString("1")
		planTwice(t, env, nil, typ, cfg, state, rename)
	})
	// A queue given by its old label: the plan at apply fails with the
	// check's own message, not with an inconsistent plan.
	t.Run("create by label/queue renamed", func(t *testing.T) {
		t.Cleanup(func() { clearFaults(t, env) })
		if _, diags := newPlanServer(t, env, nil).plan(typ, config("Monitoring Alerts"), null); hasErrors(diags) {
			t.Fatalf("first plan: %s", diagText(diags))
		}
		rename()
		_, diags := newPlanServer(t, env, nil).plan(typ, config("Monitoring Alerts"), null)
		if got := diagText(diags); !strings.Contains(got, `Invalid ticket queue: queue: Autotask has no ticket queue "Monitoring Alerts".`) {
			t.Fatalf("second plan: %s", got)
		}
	})
}

func TestPlanTwice_connection(t *testing.T) {
	env := newAccEnv(t)
	env.RequireSandbox(t) // permissions change only through fault injection
	const typ = "petra_autotask_connection"
	restrict := func() { restrictServices(t, env) }
	null := tftypes.NewValue(newPlanServer(t, env, nil).schemas[typ].ValueType(), nil)
	// A permission granted between plan and apply (Restricted at plan, All
	// at apply), and the other way round.
	t.Run("create/permission granted", func(t *testing.T) {
		restrictServices(t, env)
		t.Cleanup(func() { clearFaults(t, env) })
		planTwice(t, env, nil, typ, map[string]tftypes.Value{}, null, func() { clearFaults(t, env) })
	})
	t.Run("create/permission restricted", func(t *testing.T) {
		t.Cleanup(func() { clearFaults(t, env) })
		planTwice(t, env, nil, typ, map[string]tftypes.Value{}, null, restrict)
	})
	state := stateAfterApply(t, env, nil, typ, map[string]tftypes.Value{})
	t.Run("update/permission restricted", func(t *testing.T) {
		t.Cleanup(func() { clearFaults(t, env) })
		ticketing := tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{tfString("billing")})
		planTwice(t, env, nil, typ, map[string]tftypes.Value{"features": ticketing}, state, restrict)
	})
}
