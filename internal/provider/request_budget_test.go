package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// The Graph request budget, asserted on the emulator's counters (never on time): what one plan and one
// apply may cost. Each assertion isolates one CLI command: counters are cleared before the plan, read
// after it (PreApply), cleared again, and read after the apply.

const (
	routeGetByIds          = "POST /v1.0/directoryObjects/getByIds"
	routeCheckMemberGroups = "POST /v1.0/users/{id}/checkMemberGroups"
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
	check := step.Check
	step.Check = func(s *terraform.State) error {
		b.apply = b.tenant.Counters()
		if check != nil {
			return check(s)
		}
		return nil
	}
	return step
}

func userReads(c control.Counters) int64 {
	return c.ByRoute[acctest.RouteGetUser] + c.ByRoute[routeGetByIds]
}

// withLatency makes the tenant answer like a remote service (20 ms a request), so that lookups which
// arrive together can be batched as they would be against Graph.
func withLatency(t *testing.T, tenant *acctest.Tenant) {
	t.Helper()
	if _, err := acctest.Control().PatchSettings(context.Background(), tenant.TenantID, control.Settings{"latencyMs": 20}); err != nil {
		t.Fatal(err)
	}
}

func passConfig(tenant *acctest.Tenant, ids []string, extra string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return tenant.Config(fmt.Sprintf(`
ephemeral "entra_temporary_access_pass" "hire" {
  for_each = toset([%s])
  user_id  = each.value
  issue    = terraform.applying
  %s
}
`, strings.Join(quoted, ", "), extra))
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

// Issuing passes for a policy that targets all users: N POSTs, N existence checks (the "never replace a
// pass silently" rule), batched user lookups, the policy once per provider process; nothing else. The
// passes go to a consumer, so that OpenTofu opens them while applying too.
func TestAccBudget_issuingPassesAllUsers(t *testing.T) {
	const n = 30
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	ids := userIDs(users)
	withLatency(t, tenant)
	b := &budget{t: t, tenant: tenant}
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps:                    []resource.TestStep{b.measure(resource.TestStep{Config: deliveredConfig(tenant, "", ids...)})},
	})
	// Plan: validation reads only, one user read per pass, no membership check (all users).
	if w := b.plan.Writes; w != 0 || b.plan.ByRoute[acctest.RouteListTAPs] != 0 || b.plan.ByRoute[routeCheckMemberGroups] != 0 {
		t.Errorf("plan: %v", b.plan.ByRoute)
	}
	if r := userReads(b.plan); r > n {
		t.Errorf("plan: %d user reads for %d passes", r, n)
	}
	// Apply: exactly N POSTs; user lookups batched (fewer than N); N existence checks; policy once.
	if b.apply.ByRoute[acctest.RouteCreateTAP] != n || b.apply.ByRoute[acctest.RouteListTAPs] != n {
		t.Errorf("apply: want %d POSTs and %d LISTs, got %v", n, n, b.apply.ByRoute)
	}
	if r := userReads(b.apply); r >= n {
		t.Errorf("apply: user lookups must be batched, got %d for %d passes", r, n)
	}
	if p := b.apply.ByRoute[acctest.RouteGetPolicy]; p > 1 {
		t.Errorf("apply: the policy must be read once per provider process, read %d times", p)
	}
	t.Logf("%d passes: plan %d requests %v; apply %d requests %v", n, b.plan.Total, b.plan.ByRoute, b.apply.Total, b.apply.ByRoute)
}

// With rotate = true there is no existence check: N POSTs plus a handful of reads.
func TestAccBudget_issuingPassesWithRotate(t *testing.T) {
	const n = 30
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	ids := userIDs(users)
	withLatency(t, tenant)
	b := &budget{t: t, tenant: tenant}
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps:                    []resource.TestStep{b.measure(resource.TestStep{Config: deliveredConfig(tenant, "rotate = true", ids...)})},
	})
	reads := b.apply.Reads
	if b.apply.ByRoute[acctest.RouteCreateTAP] != n || b.apply.ByRoute[acctest.RouteListTAPs] != 0 || reads >= n/2 {
		t.Errorf("apply with rotate: want %d POSTs and far fewer than %d reads, got %d reads: %v", n, n, reads, b.apply.ByRoute)
	}
}

// A policy that targets groups: at most one membership check per user, and only while planning.
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
	ids := userIDs(users)
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
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps:                    []resource.TestStep{b.measure(resource.TestStep{Config: passConfig(tenant, ids, "")})},
	})
	// 25 groups need two checkMemberGroups calls per user (20 ids each): that is still one check per user.
	if c := b.plan.ByRoute[routeCheckMemberGroups]; c > 2*n {
		t.Errorf("plan: %d membership calls for %d users", c, n)
	}
	if c := b.apply.ByRoute[routeCheckMemberGroups]; c != 0 {
		t.Errorf("apply: Graph enforces the scope when issuing; the provider made %d membership calls", c)
	}
}

// A plan of 100 gated passes costs one validation read per pass, and writes nothing.
func TestAccBudget_planOfHundredGatedPasses(t *testing.T) {
	const n = 100
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	ids := userIDs(users)
	tenant.ClearRequests()
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps:                    []resource.TestStep{{Config: passConfig(tenant, ids, ""), PlanOnly: true}},
	})
	// PlanOnly runs more than one plan; each plan is one provider process, which reads the policy once.
	c := tenant.Counters()
	plans := c.ByRoute[acctest.RouteGetPolicy]
	if c.Writes != 0 || c.ByRoute[acctest.RouteListTAPs] != 0 || plans == 0 || userReads(c) != n*plans || c.Total != (n+1)*plans {
		t.Errorf("each plan of %d gated passes must cost one user read per pass and one policy read: %v", n, c.ByRoute)
	}
	t.Logf("plan of %d gated passes: %d requests %v", n, c.Total, c.ByRoute)
}

func userIDs(users []control.User) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}
