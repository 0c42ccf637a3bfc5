package provider

import (
	"context"
	"fmt"
	"net/http"
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

// roundTrips is the number of HTTP requests to Graph: a $batch counts once, whatever it carries.
func roundTrips(c control.Counters) int64 { return c.Total - c.Batched }

// Issuing passes for a policy that targets all users. Planning: reads only, the users looked up together (15 a
// request, several requests in one $batch), the policy once. Applying: N POSTs and no held-pass check (issuing
// replaces the user's pass by design), the policy once per provider process. Served in-process, the apply-time
// re-plan looks the users up again, shared alike (the notes that spare it that read need the provider as its own
// process: TestAccBudget_handOverApplyOnlyPOSTs).
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
	// Shared: well under one lookup per pass (a lookup serves up to 15 users).
	if r := userReads(b.plan); r > n/2 || b.plan.ByRoute[acctest.RouteGetUser] != 0 {
		t.Errorf("plan: %d user lookups for %d passes, want them shared (at most %d): %v", r, n, n/2, b.plan.ByRoute)
	}
	if b.apply.ByRoute[acctest.RouteCreateTAP] != n || b.apply.ByRoute[acctest.RouteListTAPs] != 0 || b.apply.Writes != n {
		t.Errorf("apply: want %d POSTs, no LIST and no other write, got %v", n, b.apply.ByRoute)
	}
	if r := userReads(b.apply); r > n/2 {
		t.Errorf("apply: %d user lookups for %d passes, want them shared: %v", r, n, b.apply.ByRoute)
	}
	if p := b.apply.ByRoute[acctest.RouteGetPolicy]; p > 1 {
		t.Errorf("apply: the policy must be read once per provider process, read %d times", p)
	}
	t.Logf("%d passes: plan %d round trips %v; apply %d round trips %v", n, roundTrips(b.plan), b.plan.ByRoute, roundTrips(b.apply), b.apply.ByRoute)
	acctest.Report(fmt.Sprintf("request budget (%s): %d passes handed over, provider in-process: plan %d requests, apply %d (%d POSTs)",
		acctest.CLIName(), n, roundTrips(b.plan), roundTrips(b.apply), n))
}

// The provider as users run it (its own process, one per walk, started by the CLI): in `terraform apply`, the
// plan walk checks the users, shared; the apply walk re-plans each pass from the plan's notes and sends only its
// POST. Then a re-apply with no change reads every pass in $batch envelopes: about N/20 requests.
func TestAccBudget_handOverApplyOnlyPOSTs(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	const n = 40
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	withLatency(t, tenant)
	run := acctest.NewRun(t, passConfig(tenant, userIDs(users), ""))
	tenant.ClearRequests()
	if out, err := run.Apply("-parallelism=10"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	reqs, err := acctest.Control().Requests(context.Background(), tenant.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	firstPOST, lastLookup, posts := -1, -1, 0
	for i, r := range reqs {
		switch r.Route {
		case acctest.RouteCreateTAP:
			posts++
			if firstPOST < 0 {
				firstPOST = i
			}
		case routeLookUpUsers, acctest.RouteGetUser, routeCheckMemberGroups:
			lastLookup = i
		}
	}
	if posts != n || lastLookup > firstPOST {
		t.Errorf("want %d POSTs and every user lookup before the first (the apply walk re-plans from the plan's notes): "+
			"last lookup #%d, first POST #%d", n, lastLookup, firstPOST)
	}
	c := tenant.Counters()
	if rt := roundTrips(c); rt > n*3/2 {
		t.Errorf("apply: %d requests for %d passes, want at most 1.5 per pass: %v", rt, n, c.ByRoute)
	}
	applied := roundTrips(c)

	tenant.ClearRequests()
	if out, err := run.Apply("-parallelism=10"); err != nil {
		t.Fatalf("re-apply: %v\n%s", err, out)
	}
	c = tenant.Counters()
	if c.Writes != 0 || c.ByRoute[routeGetTAP] != n || roundTrips(c) > n/10+2 {
		t.Errorf("no-change re-apply: want the %d passes read in $batch envelopes (at most %d requests), no write: %d requests %v",
			n, n/10+2, roundTrips(c), c.ByRoute)
	}
	t.Logf("%d passes: apply %d requests, no-change re-apply %d requests %v", n, applied, roundTrips(c), c.ByRoute)
	acctest.Report(fmt.Sprintf("request budget (%s): %d passes handed over, provider as its own process: apply %d requests (%d POSTs, no lookup after the first POST), no-change re-apply %d",
		acctest.CLIName(), n, applied, n, roundTrips(c)))
}

// A policy that targets groups: at most one membership check per user and plan (two requests for 25 groups: 20
// group ids a check), and the checks of concurrent passes share $batch envelopes.
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
	withLatency(t, tenant)
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
	// Shared: the plan's checks travel in fewer round trips than there are users.
	if rt := roundTrips(b.plan); rt >= int64(n) || b.plan.ByRoute[routeBatch] == 0 {
		t.Errorf("plan: %d requests for %d users' checks, want them in shared $batch envelopes: %v", rt, n, b.plan.ByRoute)
	}
}

// A plan of 100 passes writes nothing and reads no pass; the users are looked up together.
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
	if c.Writes != 0 || c.ByRoute[acctest.RouteListTAPs] != 0 || plans == 0 || userReads(c) > n/2*plans {
		t.Errorf("each plan of %d passes must look the users up together and read the policy once: %v", n, c.ByRoute)
	}
	t.Logf("plan of %d passes: %d requests %v", n, roundTrips(c), c.ByRoute)
}

// passesInStateConfig issues one pass per user, kept in the state.
func passesInStateConfig(tenant *acctest.Tenant, ids []string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return tenant.Config(fmt.Sprintf(`
locals {
  users = [%s]
}

resource "entra_temporary_access_pass" "hire" {
  count   = length(local.users)
  user_id = local.users[count.index]
}
`, strings.Join(quoted, ", ")))
}

// A refresh of passes kept in state: each pass is read once, the reads of concurrent refreshes together in $batch
// envelopes (in-process, without the previous run's notes: coalesced as they come).
func TestAccBudget_refreshReadsPassesTogether(t *testing.T) {
	const n = 30
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	withLatency(t, tenant)
	config := passesInStateConfig(tenant, userIDs(users))
	var refresh control.Counters
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{Config: config, PreConfig: tenant.ClearRequests, PlanOnly: true, ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
					refresh = tenant.Counters()
				})},
			}},
		},
	})
	if refresh.Writes != 0 || refresh.ByRoute[routeGetTAP] < n || roundTrips(refresh) > int64(n)*2/3 {
		t.Errorf("refresh of %d passes: want each read, together in $batch envelopes: %d requests %v", n, roundTrips(refresh), refresh.ByRoute)
	}
	t.Logf("refresh of %d passes: %d requests %v", n, roundTrips(refresh), refresh.ByRoute)
}

// Fallbacks when Graph refuses what batching relies on.

// snapshot records the tenant's counters when the plan check runs.
func snapshot(tenant *acctest.Tenant, into *control.Counters) plancheck.PlanCheck {
	return checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
		*into = tenant.Counters()
	})
}

// A $filter Graph refuses (400): the users are read one by one, and the plan goes on.
func TestAccBudget_refusedFilterFallsBackToSingleReads(t *testing.T) {
	const n = 12
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	addFault(t, tenant, control.Fault{Method: "GET", Path: "^/v1.0/users$", Status: http.StatusBadRequest, ErrorCode: "Request_UnsupportedQuery",
		Message: "Unsupported query."})
	tenant.ClearRequests()
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps:                    []resource.TestStep{{Config: passConfig(tenant, userIDs(users), ""), PlanOnly: true, ExpectNonEmptyPlan: true}},
	})
	c := tenant.Counters()
	if c.Writes != 0 || c.ByRoute[acctest.RouteGetUser] < n || c.ByRoute[acctest.RouteGetUser] > 2*n {
		t.Errorf("want each user read once per plan by GET /users/{id} after the refused $filter: %v", c.ByRoute)
	}
}

// A $batch Graph refuses (400, as a proxy or a cloud without JSON batching would): requests go one by one from
// then on.
func TestAccBudget_refusedBatchFallsBackToSingleRequests(t *testing.T) {
	const n = 25
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	withLatency(t, tenant)
	config := passesInStateConfig(tenant, userIDs(users))
	var c control.Counters
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{Config: config, PlanOnly: true, PreConfig: func() {
				addFault(t, tenant, control.Fault{Method: "POST", Path: `^/v1\.0/\$batch$`, Status: http.StatusBadRequest, ErrorCode: "BadRequest",
					Message: "Batch requests are not supported."})
				tenant.ClearRequests()
			}, ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{snapshot(tenant, &c)}}},
		},
	})
	envelopes := c.ByRoute[routeBatch]
	if c.Writes != 0 || c.ByRoute[routeGetTAP] != n || c.Batched != 0 || envelopes == 0 || envelopes > 4 {
		t.Errorf("want the refused $batch tried once per provider process, then each pass read alone: %d envelopes, %v", envelopes, c.ByRoute)
	}
}

// Reads throttled inside a $batch (429 with Retry-After) are sent again, and every pass is read.
func TestAccBudget_throttledBatchItemsAreRetried(t *testing.T) {
	const n = 25
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, n)
	withLatency(t, tenant)
	config := passesInStateConfig(tenant, userIDs(users))
	var read []int
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{Config: config, PlanOnly: true, PreConfig: func() {
				addFault(t, tenant, control.Fault{Method: "GET", Path: "/temporaryAccessPassMethods/[^/]+$", Status: http.StatusTooManyRequests,
					ErrorCode: "TooManyRequests", RetryAfter: control.RetryAfter("0"), Count: 5})
				tenant.ClearRequests()
			}, ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
				read = statuses(t, tenant, routeGetTAP)
			})}}},
		},
	})
	ok, throttled := 0, 0
	for _, s := range read {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			throttled++
		}
	}
	if throttled != 5 || ok != n {
		t.Errorf("want the 5 throttled reads sent again and all %d passes read: %d throttled, %d read", n, throttled, ok)
	}
}

func userIDs(users []control.User) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}
