package autotask_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/sandboxtest"
)

// TestSandbox401AfterAuthenticationIsAPermission: against a user whose
// missing permissions answer 401 (as the seed describes), a 401 before any
// authenticated call succeeded is a credentials error, and after one did it
// is the missing permission for that entity and operation. The 500
// "adequate permissions" setting gives the same permission error.
func TestSandbox401AfterAuthenticationIsAPermission(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			sb := sandboxtest.Start(t, nil)
			ctx := context.Background()
			user := autotasksim.APIUser{UserName: "limited-401@sandbox.example", Secret: "limited-401-secret",
				IntegrationCode: sb.IntegrationCode, SecurityLevel: autotasksim.SecurityLevelAPICustom,
				MissingPermissionStatus: status,
				Permissions: map[string]autotasksim.EntityPermission{
					"Companies": {Query: "All"}, "Contracts": {Query: "All"},
				}}
			if err := sb.Admin.SetAutotaskUser(ctx, user); err != nil {
				t.Fatal(err)
			}
			c, err := autotask.New(autotask.Config{Username: user.UserName, Secret: user.Secret, IntegrationCode: sb.IntegrationCode,
				ZoneLookupURL: sb.ZoneLookupURL})
			if err != nil {
				t.Fatal(err)
			}
			adjust := func() error {
				_, err := c.Create(ctx, "ContractServiceAdjustments", map[string]any{"contractServiceID": 1, "effectiveDate": "2026-11-23", "unitChange": 1})
				return err
			}
			if status == http.StatusUnauthorized {
				// The first authenticated call: nothing proves the credentials yet.
				var auth *autotask.AuthenticationError
				if err := adjust(); !errors.As(err, &auth) {
					t.Fatalf("first call: %v, want an authentication error", err)
				}
			}
			if _, err := c.ThresholdInformation(ctx); err != nil {
				t.Fatal(err)
			}
			if !c.CredentialsAccepted() {
				t.Fatal("credentials not marked accepted after a successful call")
			}
			var perm *autotask.PermissionError
			err = adjust()
			if !errors.As(err, &perm) || perm.Entity != "ContractServiceAdjustments" || perm.Operation != autotask.OpCreate {
				t.Fatalf("after authentication: %v, want a permission error for create ContractServiceAdjustments", err)
			}
			if perm.Via401 != (status == http.StatusUnauthorized) {
				t.Fatalf("Via401 = %v for status %d", perm.Via401, status)
			}
			if status == http.StatusUnauthorized && !strings.Contains(err.Error(), "Autotask answers some missing permissions with 401") {
				t.Fatalf("message does not explain the 401: %v", err)
			}
		})
	}
}

// TestSandboxVersionInformationListsV2: the client reads the version list
// (V1.0 and V2.0, as Autotask now answers) and still talks V1.0.
func TestSandboxVersionInformationListsV2(t *testing.T) {
	sb := sandboxtest.Start(t, nil)
	c := sandboxClient(t, sb)
	ctx := context.Background()
	vs, err := c.VersionInformation(ctx)
	if err != nil || strings.Join(vs, ",") != "V1.0,V2.0" {
		t.Fatalf("versions = %v, %v", vs, err)
	}
	if err := autotask.CheckAPIVersion(vs); err != nil {
		t.Fatalf("V1.0 is listed, but: %v", err)
	}
	if err := autotask.CheckAPIVersion([]string{"V2.0"}); err == nil || !strings.Contains(err.Error(), "V1.0") {
		t.Fatalf("a database without V1.0 gave %v", err)
	}
	if _, err := c.ThresholdInformation(ctx); err != nil {
		t.Fatalf("V1.0 call after reading the versions: %v", err)
	}
}
