package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// The Graph request budget, asserted on the emulator's counters (never on time): what one plan and one
// apply may cost. Each assertion isolates one CLI command: counters are cleared before the plan, read
// after it (PreApply), cleared again, and read after the apply.

const (
	routeGetByIds          = "POST /v1.0/directoryObjects/getByIds"
	routeCheckMemberGroups = "POST /v1.0/users/{id}/checkMemberGroups"
	routeLookUpUsers       = "GET /v1.0/users"
	routeBatch             = "POST /v1.0/$batch"
	routeGetTAP            = "GET /v1.0/users/{id}/authentication/temporaryAccessPassMethods/{id}"
)

type budget struct {
	t      *testing.T
	tenant *acctest.Tenant
	plan   control.Counters
	apply  control.Counters
}

// measure returns the step hooks that record the plan's and the apply's requests.
func (b *budget) measure(step resource.TestStep) resource.TestStep {
	step.PreConfig = func() { b.tenant.ClearRequests() }
	step.ConfigPlanChecks.PreApply = append(step.ConfigPlanChecks.PreApply, checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
		b.plan = b.tenant.Counters()
		b.tenant.ClearRequests()
	}))
	// A state check, not Check: the legacy state shim behind Check cannot hold for_each instances.
	step.ConfigStateChecks = append([]statecheck.StateCheck{stateCheckFunc(func() error {
		b.apply = b.tenant.Counters()
		return nil
	})}, step.ConfigStateChecks...)
	return step
}

// stateCheckFunc runs f after an apply, as a state check.
type stateCheckFunc func() error

func (f stateCheckFunc) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

func userReads(c control.Counters) int64 {
	return c.ByRoute[acctest.RouteGetUser] + c.ByRoute[routeGetByIds] + c.ByRoute[routeLookUpUsers]
}

// withLatency makes the tenant answer like a remote service (20 ms a request), so that lookups which
// arrive together can be batched as they would be against Graph.
func withLatency(t *testing.T, tenant *acctest.Tenant) {
	t.Helper()
	if _, err := acctest.Control().PatchSettings(context.Background(), tenant.TenantID, control.Settings{"latencyMs": 20}); err != nil {
		t.Fatal(err)
	}
}

// passConfig issues one pass per user and hands each to a Key Vault secret, the documented pattern. It uses
// count, not for_each: terraform-plugin-testing's state shim cannot hold for_each instances.
func passConfig(tenant *acctest.Tenant, ids []string, extra string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return tenant.ConfigWithConsumers(fmt.Sprintf(`
locals {
  users = [%s]
}

resource "entra_temporary_access_pass" "hire" {
  count    = length(local.users)
  user_id  = local.users[count.index]
  delivery = { ephemeral = true }
  %s
}

ephemeral "entra_temporary_access_pass" "hire" {
  count    = length(local.users)
  pass_id  = entra_temporary_access_pass.hire[count.index].id
  applying = terraform.applying
}

resource "azurerm_key_vault_secret" "hire" {
  count            = length(local.users)
  name             = "tap-${local.users[count.index]}"
  key_vault_id     = %q
  value_wo         = ephemeral.entra_temporary_access_pass.hire[count.index].temporary_access_pass
  value_wo_version = entra_temporary_access_pass.hire[count.index].version
}
`, strings.Join(quoted, ", "), extra, vaultID(tenant)))
}

func TestAccBudget_policyPlanIsOneRead(t *testing.T) {
	tenant := acctest.NewTenant(t)
	b := &budget{t: t, tenant: tenant}
	config := tenant.Config(`
resource "entra_temporary_access_pass_policy" "this" {
  enabled                     = true
  default_lifetime_in_minutes = 60
}
`)
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			b.measure(resource.TestStep{Config: config}),
		},
	})
	if b.plan.Total != 1 || b.plan.ByRoute[acctest.RouteGetPolicy] != 1 {
		t.Errorf("a policy plan must cost one GET, it cost %d: %v", b.plan.Total, b.plan.ByRoute)
	}
}

// Issuing passes for a policy that targets all users: while planning, reads only; while applying, N POSTs and
// no held-pass check (issuing replaces the user's pass by design), the policy once per provider process.
func TestAccBudget_issuingPassesAllUsers(t *testing.T) {
	const n = 30
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	withLatency(t, tenant)
	b := &budget{t: t, tenant: tenant}
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps:                    []resource.TestStep{b.measure(resource.TestStep{Config: passConfig(tenant, userIDs(users), "")})},
	})
	if w := b.plan.Writes; w != 0 || b.plan.ByRoute[acctest.RouteListTAPs] != 0 || b.plan.ByRoute[routeCheckMemberGroups] != 0 {
		t.Errorf("plan: %v", b.plan.ByRoute)
	}
	if r := userReads(b.plan); r > n {
		t.Errorf("plan: %d user reads for %d passes", r, n)
	}
	if b.apply.ByRoute[acctest.RouteCreateTAP] != n || b.apply.ByRoute[acctest.RouteListTAPs] != 0 || b.apply.Writes != n {
		t.Errorf("apply: want %d POSTs, no LIST and no other write, got %v", n, b.apply.ByRoute)
	}
	if p := b.apply.ByRoute[acctest.RouteGetPolicy]; p > 1 {
		t.Errorf("apply: the policy must be read once per provider process, read %d times", p)
	}
	t.Logf("%d passes: plan %d requests %v; apply %d requests %v", n, b.plan.Total, b.plan.ByRoute, b.apply.Total, b.apply.ByRoute)
	acctest.Report(fmt.Sprintf("request budget (%s): %d passes handed over: plan %d requests, apply %d (%d POSTs)", acctest.CLIName(), n, b.plan.Total, b.apply.Total, n))
}

// A policy that targets groups: at most one membership check per user and plan.
func TestAccBudget_groupPolicyOneMembershipCheckPerUser(t *testing.T) {
	const n = 12
	tenant := acctest.NewTenant(t)
	var groups []string
	for i := range 25 { // more groups than one checkMemberGroups call takes (20)
		g, err := tenant.Graph.CreateGroup(tenant.Context(), fmt.Sprintf("Cohort %02d", i))
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g.ID)
	}
	users := createUsers(t, tenant, n)
	for _, u := range users {
		if err := tenant.Graph.AddMember(tenant.Context(), groups[0], u.ID); err != nil {
			t.Fatal(err)
		}
	}
	include := []map[string]any{}
	for _, g := range groups[:10] {
		include = append(include, map[string]any{"id": g, "targetType": "group", "isRegistrationRequired": false})
	}
	exclude := []map[string]any{}
	for _, g := range groups[10:] {
		exclude = append(exclude, map[string]any{"id": g, "targetType": "group"})
	}
	tenant.EnableTAP(map[string]any{"includeTargets": include, "excludeTargets": exclude})
	b := &budget{t: t, tenant: tenant}
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps:                    []resource.TestStep{b.measure(resource.TestStep{Config: passConfig(tenant, userIDs(users), "")})},
	})
	// 25 groups need two checkMemberGroups calls per user (20 ids each): that is still one check per user.
	if c := b.plan.ByRoute[routeCheckMemberGroups]; c > 2*n {
		t.Errorf("plan: %d membership calls for %d users", c, n)
	}
	if c := b.apply.ByRoute[routeCheckMemberGroups]; c > 2*n {
		t.Errorf("apply: %d membership calls for %d users", c, n)
	}
}

// A plan of 100 passes writes nothing and reads no pass.
func TestAccBudget_planOfHundredPasses(t *testing.T) {
	const n = 100
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	tenant.ClearRequests()
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps:                    []resource.TestStep{{Config: passConfig(tenant, userIDs(users), ""), PlanOnly: true, ExpectNonEmptyPlan: true}},
	})
	c := tenant.Counters()
	plans := c.ByRoute[acctest.RouteGetPolicy]
	if c.Writes != 0 || c.ByRoute[acctest.RouteListTAPs] != 0 || plans == 0 || userReads(c) > n*plans {
		t.Errorf("each plan of %d passes must read at most one user per pass and the policy once: %v", n, c.ByRoute)
	}
	t.Logf("plan of %d passes: %d requests %v", n, c.Total, c.ByRoute)
}

func userIDs(users []control.User) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}
