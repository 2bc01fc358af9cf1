package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/petrasecurity/terraform-provider-petra/internal/acctest"
	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/billing"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
	"github.com/petrasecurity/terraform-provider-petra/internal/petra"
)

const tenantMappingAddr = "petra_autotask_tenant_mapping.m"

func tenantMappingHCL(env *acctest.Env, provider, tenantID string, companyID int64) string {
	return provider + fmt.Sprintf(`
resource "petra_autotask_tenant_mapping" "m" {
  connection_id = %q
  tenant_id     = %q
  company_id    = %d
}
`, env.ConnectionID(), tenantID, companyID)
}

// tenantMappingRoomyPetra lifts the sandbox's Petra rate limit: every
// Terraform command of a multi-step test configures a fresh provider, and
// together they would exceed Petra's 10 requests a minute.
func tenantMappingRoomyPetra(t *testing.T, env *acctest.Env) {
	t.Helper()
	if err := env.Sandbox.Admin.SetPetraRateLimit(ctx(), 1000); err != nil {
		t.Fatal(err)
	}
}

func tenantMappingRenameCompany(t *testing.T, env *acctest.Env, id int64, name string) {
	t.Helper()
	if _, err := env.AT.Update(ctx(), "Companies", map[string]any{"id": id, "companyName": name}); err != nil {
		t.Fatalf("renaming company %d: %v", id, err)
	}
}

func TestAccTenantMapping_lifecycle(t *testing.T) {
	env := newAccEnv(t)
	tenantMappingRoomyPetra(t, env)
	tenant, other := env.PetraTenant(t, 0), env.PetraTenant(t, 1)
	nameA, nameB := env.Unique("Mapping A"), env.Unique("Mapping B")
	companyA := env.CreateCompany(t, nameA, acctest.CompanyOpts{})
	companyB := env.CreateCompany(t, nameB, acctest.CompanyOpts{})
	renamed := env.Unique("Mapping B Renamed")
	provider := env.ProviderConfig()
	str := func(attr string) tfjsonpath.Path { return tfjsonpath.New(attr) }

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		CheckDestroy: func(*terraform.State) error {
			// Destroy forgets the mapping only: both companies are untouched.
			for id, name := range map[int64]string{companyA: nameA, companyB: renamed} {
				c, err := autotask.Get[autotask.Company](ctx(), env.AT, "Companies", id)
				if err != nil {
					return fmt.Errorf("company %d after destroy: %w", id, err)
				}
				if c.CompanyName != name {
					return fmt.Errorf("company %d is now %q, want %q", id, c.CompanyName, name)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{ // Create: names are read at apply (a rename before the apply must not break it).
				Config: tenantMappingHCL(env, provider, tenant.PetraTenantID, companyA),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tenantMappingAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(tenantMappingAddr, str("company_name")),
						plancheck.ExpectUnknownValue(tenantMappingAddr, str("tenant_name")),
						plancheck.ExpectUnknownValue(tenantMappingAddr, str("microsoft_tenant_id")),
						plancheck.ExpectUnknownValue(tenantMappingAddr, str("name")),
						plancheck.ExpectUnknownValue(tenantMappingAddr, str("sync_status")),
						plancheck.ExpectKnownValue(tenantMappingAddr, str("id"), knownvalue.StringExact(tenant.PetraTenantID)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantMappingAddr, str("id"), knownvalue.StringExact(tenant.PetraTenantID)),
					statecheck.ExpectKnownValue(tenantMappingAddr, str("connection_id"), knownvalue.StringExact(env.ConnectionID())),
					statecheck.ExpectKnownValue(tenantMappingAddr, str("company_id"), knownvalue.Int64Exact(companyA)),
					statecheck.ExpectKnownValue(tenantMappingAddr, str("company_name"), knownvalue.StringExact(nameA)),
					statecheck.ExpectKnownValue(tenantMappingAddr, str("tenant_name"), knownvalue.StringExact(tenant.Name)),
					statecheck.ExpectKnownValue(tenantMappingAddr, str("name"),
						knownvalue.StringExact(fmt.Sprintf("%s (%s) → %s", tenant.Name, tenant.PetraTenantID, nameA))),
					statecheck.ExpectKnownValue(tenantMappingAddr, str("microsoft_tenant_id"), knownvalue.StringExact(tenant.MicrosoftTenantID)),
					statecheck.ExpectKnownValue(tenantMappingAddr, str("sync_status"), knownvalue.StringExact(SyncStatusOK)),
					statecheck.ExpectKnownValue(tenantMappingAddr, str("sync_error"), knownvalue.Null()),
				},
			},
			{ // Another company: updated in place, its name read at apply, the tenant's kept.
				Config: tenantMappingHCL(env, provider, tenant.PetraTenantID, companyB),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tenantMappingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(tenantMappingAddr, str("company_name")),
						plancheck.ExpectUnknownValue(tenantMappingAddr, str("name")),
						plancheck.ExpectKnownValue(tenantMappingAddr, str("tenant_name"), knownvalue.StringExact(tenant.Name)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantMappingAddr, str("company_id"), knownvalue.Int64Exact(companyB)),
					statecheck.ExpectKnownValue(tenantMappingAddr, str("company_name"), knownvalue.StringExact(nameB)),
				},
			},
			{ // Import, complete ID.
				ResourceName:      tenantMappingAddr,
				ImportState:       true,
				ImportStateId:     fmt.Sprintf("%s/%d", tenant.PetraTenantID, companyB),
				ImportStateVerify: true,
			},
			{ // Import, tenant only: company_id comes from configuration later.
				ResourceName:            tenantMappingAddr,
				ImportState:             true,
				ImportStateId:           tenant.PetraTenantID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"company_id", "company_name", "name"},
			},
			{ // Renamed in Autotask: the refresh shows the new name, nothing to change.
				PreConfig: func() { tenantMappingRenameCompany(t, env, companyB, renamed) },
				Config:    tenantMappingHCL(env, provider, tenant.PetraTenantID, companyB),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tenantMappingAddr, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue(tenantMappingAddr, str("company_name"), knownvalue.StringExact(renamed)),
						plancheck.ExpectKnownValue(tenantMappingAddr, str("name"),
							knownvalue.StringExact(fmt.Sprintf("%s (%s) → %s", tenant.Name, tenant.PetraTenantID, renamed))),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantMappingAddr, str("company_name"), knownvalue.StringExact(renamed)),
				},
			},
			{ // Inactivated in Autotask: the next plan stops with the fix.
				PreConfig: func() { env.SetCompanyActive(t, companyB, false) },
				Config:    tenantMappingHCL(env, provider, tenant.PetraTenantID, companyB),
				ExpectError: exactError(fmt.Sprintf(`Autotask company %q (id %d) is inactive. Tickets and billing `+
					`for this tenant need an active company: reactivate the company in Autotask, map the tenant to another `+
					`company (company_id), or remove this mapping.`, renamed, companyB)),
			},
			{ // Reactivated: healthy again; remapping to A is allowed.
				PreConfig: func() { env.SetCompanyActive(t, companyB, true) },
				Config:    tenantMappingHCL(env, provider, tenant.PetraTenantID, companyA),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectUnknownValue(tenantMappingAddr, str("company_name")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantMappingAddr, str("company_name"), knownvalue.StringExact(nameA)),
				},
			},
			{ // Another tenant: the mapping is replaced; the new tenant's name is read at apply.
				Config: tenantMappingHCL(env, provider, other.PetraTenantID, companyA),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tenantMappingAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectKnownValue(tenantMappingAddr, str("id"), knownvalue.StringExact(other.PetraTenantID)),
						plancheck.ExpectUnknownValue(tenantMappingAddr, str("tenant_name")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantMappingAddr, str("tenant_name"), knownvalue.StringExact(other.Name)),
				},
			},
		},
	})
}

func TestAccTenantMapping_planErrors(t *testing.T) {
	env := newAccEnv(t)
	tenantMappingRoomyPetra(t, env)
	tenant := env.PetraTenant(t, 0)
	active := env.CreateCompany(t, env.Unique("Errors Active"), acctest.CompanyOpts{})
	inactiveName := env.Unique("Errors Inactive")
	inactive := env.CreateCompany(t, inactiveName, acctest.CompanyOpts{})
	env.SetCompanyActive(t, inactive, false)
	const missing = int64(2147480001)
	provider := env.ProviderConfig()

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{
				Config: tenantMappingHCL(env, provider, tenant.PetraTenantID, missing),
				ExpectError: exactError(fmt.Sprintf(`Autotask company %d was not found: it does not exist, was `+
					`deleted, or the API user cannot see it. Check company_id`, missing)),
			},
			{
				Config: tenantMappingHCL(env, provider, tenant.PetraTenantID, inactive),
				ExpectError: exactError(fmt.Sprintf(`Autotask company %q (id %d) is inactive. Tickets and billing`,
					inactiveName, inactive)),
			},
			{
				Config: tenantMappingHCL(env, provider, "Nope00", active),
				ExpectError: exactError(`Petra has no tenant "Nope00" in this organization (it may have been ` +
					`removed, or the ID is mistyped; tenant IDs are the short IDs in app.petrasecurity.com/tenant/<id>). ` +
					`Known tenants: Bq7Lx2 (Cedar Ridge Accounting), Fj5Dz1 (Lakeview Property Management),`),
			},
			{
				Config: tenantMappingHCL(env, provider, tenant.MicrosoftTenantID, active),
				ExpectError: exactError(fmt.Sprintf(`%q is the Microsoft tenant ID of Petra tenant %q. tenant_id `+
					`takes the Petra tenant ID: set tenant_id = %q.`, tenant.MicrosoftTenantID, tenant.Name, tenant.PetraTenantID)),
			},
			{
				Config: provider + fmt.Sprintf(`
resource "petra_autotask_tenant_mapping" "m" {
  connection_id = "someone-else@example.com"
  tenant_id     = %q
  company_id    = %d
}
`, tenant.PetraTenantID, active),
				ExpectError: exactError(`connection_id is "someone-else@example.com", but this provider's Autotask API user`),
			},
			{
				Config:      tenantMappingHCL(env, provider, tenant.PetraTenantID, 0),
				ExpectError: exactError(`company_id is 0, but Autotask ids are positive whole numbers`),
			},
		},
	})
}

func TestAccTenantMapping_withoutPetraKey(t *testing.T) {
	env := newAccEnv(t)
	provider := providerBlockWithoutPetra(t, env)
	name := env.Unique("No Key Co")
	company := env.CreateCompany(t, name, acctest.CompanyOpts{})
	tenantID := env.PetraTenant(t, 1).PetraTenantID
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{ // Unchecked tenant: planned as null (never "known after apply"), company still checked.
				Config: tenantMappingHCL(env, provider, tenantID, company),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(tenantMappingAddr, tfjsonpath.New("tenant_name"), knownvalue.Null()),
						plancheck.ExpectKnownValue(tenantMappingAddr, tfjsonpath.New("microsoft_tenant_id"), knownvalue.Null()),
						plancheck.ExpectUnknownValue(tenantMappingAddr, tfjsonpath.New("company_name")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantMappingAddr, tfjsonpath.New("company_name"), knownvalue.StringExact(name)),
				},
			},
			{
				ResourceName:      tenantMappingAddr,
				ImportState:       true,
				ImportStateId:     fmt.Sprintf("%s/%d", tenantID, company),
				ImportStateVerify: true,
			},
			{ // Without a key a mistyped tenant cannot be caught, but a company can.
				Config:      tenantMappingHCL(env, provider, tenantID, 2147480001),
				ExpectError: exactError(`Autotask company 2147480001 was not found`),
			},
		},
	})
}

func TestParseTenantMappingImportID(t *testing.T) {
	ok := []struct {
		in      string
		tenant  string
		company int64
	}{{"ZZk90t/1001", "ZZk90t", 1001}, {"ZZk90t", "ZZk90t", 0}}
	for _, tc := range ok {
		tenant, company, err := parseTenantMappingImportID(tc.in)
		if err != nil || tenant != tc.tenant || company != tc.company {
			t.Errorf("%q: %q, %d, %v", tc.in, tenant, company, err)
		}
	}
	bad := map[string]string{
		"":                 "does not start with a Petra tenant ID",
		"/1001":            "does not start with a Petra tenant ID",
		" ZZk90t":          "does not start with a Petra tenant ID",
		"ZZk90t/":          `"" is not an Autotask company ID`,
		"ZZk90t/abc":       `"abc" is not an Autotask company ID`,
		"ZZk90t/-4":        `"-4" is not an Autotask company ID`,
		"ZZk90t/1001/2001": "has 3 parts",
	}
	for in, want := range bad {
		_, _, err := parseTenantMappingImportID(in)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `for example "ZZk90t/1001"`) {
			t.Errorf("%q: got %v, want %q and an example", in, err, want)
		}
	}
}

// The tests below call the resource directly against the sandbox, to check
// the warnings Terraform shows but the acceptance framework cannot assert.

func TestTenantMappingPlanWarnings(t *testing.T) {
	env := newAccEnv(t)
	company := env.CreateCompany(t, env.Unique("Warn Co"), acctest.CompanyOpts{})
	newMapping := func(tenantID string) tenantMappingModel {
		return tenantMappingModel{
			ID: types.StringUnknown(), ConnectionID: types.StringValue(env.ConnectionID()), TenantID: types.StringValue(tenantID),
			CompanyID: types.Int64Value(company), CompanyName: types.StringUnknown(), TenantName: types.StringUnknown(),
			MicrosoftTenantID: types.StringUnknown(), SyncStatus: types.StringUnknown(), SyncError: types.StringUnknown(),
		}
	}

	t.Run("no Petra key", func(t *testing.T) {
		r := tenantMappingResourceFor(env, false)
		planned, diags := tenantMappingModifyPlan(t, r, newMapping("ZZk90t"), nil)
		tenantMappingWantDiag(t, diags, diag.SeverityWarning, "tenant_id", "Petra tenant not checked",
			`No Petra API key is configured, so the provider cannot check that Petra tenant "ZZk90t" exists`)
		// Without a key the names stay null (provider configuration decides
		// that); the company name is read at apply.
		if !planned.TenantName.IsNull() || !planned.CompanyName.IsUnknown() || planned.ID.ValueString() != "ZZk90t" {
			t.Fatalf("planned %+v", planned)
		}
		// An existing mapping is not warned about on every plan, and its plan
		// is the state.
		prior := planned
		prior.CompanyName, prior.SyncStatus, prior.SyncError = types.StringValue("Warn Co"), types.StringValue(SyncStatusOK), types.StringNull()
		again, diags := tenantMappingModifyPlan(t, r, prior, &prior)
		if len(diags) != 0 {
			t.Fatalf("unchanged mapping without key: %v", diags)
		}
		if again != prior {
			t.Fatalf("an unchanged mapping planned %+v, want the state %+v", again, prior)
		}
	})

	t.Run("paused tenant", func(t *testing.T) {
		r := tenantMappingResourceFor(env, true)
		planned, diags := tenantMappingModifyPlan(t, r, newMapping("Fj5Dz1"), nil)
		tenantMappingWantDiag(t, diags, diag.SeverityWarning, "tenant_id", "Petra tenant is paused",
			`Petra tenant "Lakeview Property Management" (Fj5Dz1) is paused: Petra does not bill paused tenants`)
		if !planned.TenantName.IsUnknown() {
			t.Fatalf("planned tenant_name %v: a name read at plan is not planned (it could change before apply)", planned.TenantName)
		}
	})
}

// TestTenantMappingReadKeeps: a refresh keeps a mapping whose company went
// inactive or away or whose tenant left Petra, with the last known names and
// without a warning of its own: the plan that follows reports the problem
// once, on the argument, with the fix.
func TestTenantMappingReadKeeps(t *testing.T) {
	env := newAccEnv(t)
	name := env.Unique("Read Co")
	company := env.CreateCompany(t, name, acctest.CompanyOpts{})
	env.SetCompanyActive(t, company, false)
	r := tenantMappingResourceFor(env, true)
	state := tenantMappingModel{
		ID: types.StringValue("Om1Bk7"), ConnectionID: types.StringValue(env.ConnectionID()), TenantID: types.StringValue("Om1Bk7"),
		CompanyID: types.Int64Value(company), CompanyName: types.StringValue("Old name"),
		TenantName: types.StringValue("Old Mill Bakery"), MicrosoftTenantID: types.StringValue("guid"),
		SyncStatus: types.StringValue(SyncStatusOK), SyncError: types.StringNull(),
	}
	got, diags := tenantMappingRead(t, r, state)
	if len(diags) != 0 {
		t.Fatalf("read reported %v", diags)
	}
	if got.CompanyName.ValueString() != name || got.TenantName.ValueString() != "Old Mill Bakery" || got.CompanyID.ValueInt64() != company {
		t.Fatalf("state after read: %+v", got)
	}

	state.CompanyID = types.Int64Value(2147480001)
	got, diags = tenantMappingRead(t, r, state)
	if len(diags) != 0 {
		t.Fatalf("read reported %v", diags)
	}
	if got.CompanyName.ValueString() != "Old name" {
		t.Fatalf("company_name of a vanished company changed to %v", got.CompanyName)
	}
}

func tenantMappingResourceFor(env *acctest.Env, withPetra bool) *tenantMappingResource {
	var pt *petra.Client
	if withPetra {
		pt = env.Petra
	}
	svc := newServices(run.New(env.AT, pt, env.Now).WithUsername(env.Username()), billing.PushTiming{}, nil)
	return &tenantMappingResource{data: &providerData{
		autotask: env.AT, petra: pt, svc: svc, now: env.Now, billingCheckFailure: BillingCheckError,
	}}
}

func tenantMappingObjectType(t *testing.T, r *tenantMappingResource) (rschema.Schema, tftypes.Type) {
	t.Helper()
	var resp fwresource.SchemaResponse
	r.Schema(ctx(), fwresource.SchemaRequest{}, &resp)
	return resp.Schema, resp.Schema.Type().TerraformType(ctx())
}

func tenantMappingModifyPlan(t *testing.T, r *tenantMappingResource, plan tenantMappingModel, prior *tenantMappingModel) (tenantMappingModel, diag.Diagnostics) {
	t.Helper()
	s, typ := tenantMappingObjectType(t, r)
	p := tfsdk.Plan{Schema: s, Raw: tftypes.NewValue(typ, nil)}
	tenantMappingNoDiags(t, p.Set(ctx(), &plan))
	st := tfsdk.State{Schema: s, Raw: tftypes.NewValue(typ, nil)}
	if prior != nil {
		tenantMappingNoDiags(t, st.Set(ctx(), prior))
	}
	req := fwresource.ModifyPlanRequest{Config: tfsdk.Config{Schema: s, Raw: p.Raw}, Plan: p, State: st}
	resp := &fwresource.ModifyPlanResponse{Plan: p}
	r.ModifyPlan(ctx(), req, resp)
	var out tenantMappingModel
	tenantMappingNoDiags(t, resp.Plan.Get(ctx(), &out))
	return out, resp.Diagnostics
}

func tenantMappingRead(t *testing.T, r *tenantMappingResource, state tenantMappingModel) (tenantMappingModel, diag.Diagnostics) {
	t.Helper()
	s, typ := tenantMappingObjectType(t, r)
	st := tfsdk.State{Schema: s, Raw: tftypes.NewValue(typ, nil)}
	tenantMappingNoDiags(t, st.Set(ctx(), &state))
	resp := &fwresource.ReadResponse{State: st}
	r.Read(ctx(), fwresource.ReadRequest{State: st}, resp)
	var out tenantMappingModel
	tenantMappingNoDiags(t, resp.State.Get(ctx(), &out))
	return out, resp.Diagnostics
}

func tenantMappingNoDiags(t *testing.T, d diag.Diagnostics) {
	t.Helper()
	if d.HasError() {
		t.Fatalf("unexpected diagnostics: %v", d)
	}
}

// tenantMappingWantDiag fails unless diags holds a diagnostic of severity on attr with
// summary and a detail starting with detailPrefix.
func tenantMappingWantDiag(t *testing.T, diags diag.Diagnostics, sev diag.Severity, attr, summary, detailPrefix string) {
	t.Helper()
	for _, d := range diags {
		wp, ok := d.(diag.DiagnosticWithPath)
		if ok && d.Severity() == sev && wp.Path().Equal(path.Root(attr)) && d.Summary() == summary &&
			strings.HasPrefix(d.Detail(), detailPrefix) {
			return
		}
	}
	t.Fatalf("no %v %q on %s starting %q in %v", sev, summary, attr, detailPrefix, diags)
}

// TestAccTenantMapping_warnModeFailureRecordedOnce: in warn mode a tenant
// mapping whose company is made inactive is planned for an update and
// recorded as failed; the plan after that apply is empty (it fails again
// for the reason recorded, so -detailed-exitcode exits 0); once the company
// is active again the plan is an update that records it as synced.
func TestAccTenantMapping_warnModeFailureRecordedOnce(t *testing.T) {
	env := newAccEnv(t)
	tenantMappingRoomyPetra(t, env)
	tenant := env.PetraTenant(t, 0)
	company := env.CreateCompany(t, env.Unique(tenant.Name), acctest.CompanyOpts{})
	cfg := tenantMappingHCL(env, env.ProviderConfig(`billing_check_failure = "warn"`), tenant.PetraTenantID, company)
	status := func(want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(tenantMappingAddr, tfjsonpath.New("sync_status"), knownvalue.StringExact(want))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories(env),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: []statecheck.StateCheck{status("ok")}},
			{
				PreConfig: func() { env.SetCompanyActive(t, company, false) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tenantMappingAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{status("failed")},
			},
			{
				// Nothing changed: no update, the failure stays recorded.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{status("failed")},
			},
			{
				PreConfig: func() { env.SetCompanyActive(t, company, true) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tenantMappingAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{status("ok")},
			},
		},
	})
}
