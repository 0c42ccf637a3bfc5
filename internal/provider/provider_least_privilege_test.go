package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// The read-only application permissions that `plan` needs (docs/index.md, "Least privilege").
var readOnlyRoles = []string{
	"Policy.Read.AuthenticationMethod",
	"User.Read.All",
	"GroupMember.Read.All",
	"UserAuthMethod-TAP.Read.All",
	"UserAuthenticationMethod.Read.All",
}

// noRefusedOrWriteRequests checks, when the plan is shown, that Graph refused nothing and nothing was written.
type noRefusedOrWriteRequests struct{ tenant *acctest.Tenant }

func (c noRefusedOrWriteRequests) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if failed := c.tenant.FailedRequests(); len(failed) > 0 {
		resp.Error = fmt.Errorf("planning made requests that were refused: %+v", failed)
		return
	}
	counters := c.tenant.Counters()
	if counters.Writes != 0 {
		resp.Error = fmt.Errorf("planning wrote to Graph: %+v", counters.ByRoute)
		return
	}
	if counters.Reads == 0 {
		resp.Error = fmt.Errorf("planning read nothing from Graph")
	}
}

// appSignIn registers an app with the roles and returns a PreConfig that makes the provider sign in as it.
func appSignIn(t *testing.T, tenant *acctest.Tenant, roles []string) func() {
	t.Helper()
	app, err := acctest.Control().CreateApp(context.Background(), tenant.TenantID, control.App{Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Setenv("ARM_CLIENT_ID", app.ClientID)
		t.Setenv("ARM_CLIENT_SECRET", app.ClientSecret)
		tenant.ClearRequests()
	}
}

// A pipeline can plan with a read-only identity and apply with the writing one: the plan of a
// configuration with the policy resource, a managed pass kept in state, a pass handed over through the
// ephemeral resource, and the data sources only reads, and Graph refuses none of it; applying it with the read-only identity
// fails on the first writes with the permission to grant; the writing identity applies it; and the
// read-only identity then refreshes it (reading the managed pass back) and finds nothing to change.
func TestAccLeastPrivilege_readOnlyIdentityPlansButCannotApply(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	ada, bob := tenant.CreateUser("ada"), tenant.CreateUser("bob")
	config := tenant.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass_policy" "this" {
  enabled                     = true
  maximum_lifetime_in_minutes = 480
  include_targets             = [{ id = "all_users", target_type = "group" }]
}

data "entra_temporary_access_pass_policy" "current" {}

data "entra_user_authentication_methods" "ada" {
  user_id = %[1]q
}

resource "entra_temporary_access_pass" "ada" {
  user_id             = %[1]q
  lifetime_in_minutes = 60
}

resource "entra_temporary_access_pass" "bob" {
  user_id  = %[2]q
  delivery = { ephemeral = true }
}

ephemeral "entra_temporary_access_pass" "bob" {
  pass_id  = entra_temporary_access_pass.bob.id
  applying = terraform.applying
}
`, ada.ID, bob.ID))

	asReader := appSignIn(t, tenant, readOnlyRoles)
	asWriter := appSignIn(t, tenant, append([]string{"Policy.ReadWrite.AuthenticationMethod", "UserAuthMethod-TAP.ReadWrite.All"}, readOnlyRoles...))
	readOnlyPlan := []plancheck.PlanCheck{noRefusedOrWriteRequests{tenant}}
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{ // plan with the read-only identity
				PreConfig: asReader, Config: config, PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: append([]plancheck.PlanCheck{
					plancheck.ExpectResourceAction("entra_temporary_access_pass_policy.this", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("entra_temporary_access_pass.ada", plancheck.ResourceActionCreate),
				}, readOnlyPlan...)},
			},
			{ // apply with it: Graph refuses the writes, and the errors name the permissions to grant
				PreConfig: asReader, Config: config,
				ExpectError: outputMatching("lacks a permission", "Grant it", "ReadWrite", "admin consent"),
			},
			{ // the writing identity applies the same configuration
				PreConfig: asWriter, Config: config,
			},
			{ // the read-only identity refreshes what was applied and finds nothing to change
				PreConfig: asReader, Config: config, PlanOnly: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: readOnlyPlan},
			},
			{ // the test's closing destroy runs as the writing identity
				PreConfig: asWriter, Config: config,
			},
		},
	})
}
