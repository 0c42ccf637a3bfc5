package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// deliveredConfig issues one pass per user with the documented pattern and hands a digest of each pass
// to the echo provider, an ephemeral consumer: the digest proves which pass arrived without storing it.
func deliveredConfig(tenant *acctest.Tenant, extra string, users ...string) string {
	quoted := make([]string, len(users))
	for i, u := range users {
		quoted[i] = fmt.Sprintf("%q", u)
	}
	return tenant.ConfigWithEcho(fmt.Sprintf(`
ephemeral "entra_temporary_access_pass" "hire" {
  for_each = toset([%s])
  user_id  = each.value
  issue    = terraform.applying
  %s
}

provider "echo" {
  data = {
    for upn, pass in ephemeral.entra_temporary_access_pass.hire : upn => {
      digest = pass.temporary_access_pass == null ? null : sha256(pass.temporary_access_pass)
      status = pass.status
      url    = pass.sign_in_url
    }
  }
}

resource "echo" "delivered" {}
`, strings.Join(quoted, ", "), extra))
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// passesIssued asserts how many passes the tenant has issued at a point in the test.
func passesIssued(t *testing.T, tenant *acctest.Tenant, want int64, when string) {
	t.Helper()
	if got := tenant.Counters().ByRoute[acctest.RouteCreateTAP]; got != want {
		t.Errorf("%s: %d passes issued (POST), want %d", when, got, want)
	}
}

type checkFunc func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse)

func (f checkFunc) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f(ctx, req, resp)
}

func TestAccTemporaryAccessPassEphemeral_planIssuesNothingApplyIssuesExactlyOne(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"defaultLifetimeInMinutes": 480, "maximumLifetimeInMinutes": 480})
	ada, grace := tenant.CreateUser("ada"), tenant.CreateUser("grace")
	tenant.ClearRequests()
	config := deliveredConfig(tenant, "", ada.UserPrincipalName, grace.UserPrincipalName)

	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
						// The plan validated both passes against the tenant and issued none.
						passesIssued(t, tenant, 0, "after plan")
						if tenant.Counters().ByRoute[acctest.RouteGetUser] == 0 {
							t.Error("plan must check the users against the tenant")
						}
					}),
				}},
				Check: func(*terraform.State) error {
					passesIssued(t, tenant, 2, "after the first apply")
					return nil
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.delivered", tfjsonpath.New("data").AtMapKey(ada.UserPrincipalName).AtMapKey("status"), knownvalue.StringExact("issued")),
					statecheck.ExpectKnownValue("echo.delivered", tfjsonpath.New("data").AtMapKey(ada.UserPrincipalName).AtMapKey("url"), knownvalue.StringExact("https://aka.ms/mysecurityinfo")),
					deliveredPassIsIssuedPass{tenant: tenant, upns: []string{ada.UserPrincipalName, grace.UserPrincipalName}},
				},
			},
			{
				// A routine re-apply keeps the passes the new hires already hold.
				Config: config,
				Check: func(*terraform.State) error {
					passesIssued(t, tenant, 2, "after the re-apply")
					return nil
				},
			},
		},
	})
}

// deliveredPassIsIssuedPass checks that the digest the consumer received is that of a pass the emulator
// issued, one distinct pass per user.
type deliveredPassIsIssuedPass struct {
	tenant *acctest.Tenant
	upns   []string
}

func (c deliveredPassIsIssuedPass) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	issued := map[string]bool{}
	for _, p := range c.tenant.IssuedPasses() {
		issued[digest(p)] = true
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != "echo.delivered" {
			continue
		}
		data, _ := r.AttributeValues["data"].(map[string]any)
		seen := map[string]bool{}
		for _, upn := range c.upns {
			entry, _ := data[upn].(map[string]any)
			d, _ := entry["digest"].(string)
			if !issued[d] || seen[d] {
				resp.Error = fmt.Errorf("the pass delivered for %s is not a distinct pass the tenant issued", upn)
				return
			}
			seen[d] = true
		}
		return
	}
	resp.Error = fmt.Errorf("echo.delivered not in state")
}

func TestAccTemporaryAccessPassEphemeral_rotateReplacesTheExistingPass(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	ada := tenant.CreateUser("ada")
	if _, err := tenant.Graph.CreateTAP(tenant.Context(), ada.ID, nil); err != nil {
		t.Fatal(err)
	}
	tenant.ClearRequests()

	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{
			{
				// Without rotate, the pass the user holds is kept and nothing is delivered.
				Config: deliveredConfig(tenant, "", ada.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.delivered", tfjsonpath.New("data").AtMapKey(ada.ID).AtMapKey("status"), knownvalue.StringExact("existing_pass_kept")),
					statecheck.ExpectKnownValue("echo.delivered", tfjsonpath.New("data").AtMapKey(ada.ID).AtMapKey("digest"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					passesIssued(t, tenant, 0, "without rotate")
					return nil
				},
			},
			{
				// rotate is an explicit choice: a fresh consumer receives a new pass, which replaces the old one.
				Config: strings.Replace(deliveredConfig(tenant, "rotate = true", ada.ID), `"echo" "delivered"`, `"echo" "rotated"`, 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.rotated", tfjsonpath.New("data").AtMapKey(ada.ID).AtMapKey("status"), knownvalue.StringExact("issued")),
				},
				Check: func(*terraform.State) error {
					passes, err := tenant.Graph.ListTAPs(context.Background(), ada.ID)
					if err != nil || len(passes) != 1 {
						return fmt.Errorf("the user must hold exactly one pass after rotating, got %v (%v)", passes, err)
					}
					return nil
				},
			},
		},
	})
}

func TestAccTemporaryAccessPassEphemeral_passWorksOnlyInsideItsWindow(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"minimumLifetimeInMinutes": 10, "maximumLifetimeInMinutes": 480})
	hire := tenant.CreateUser("hire")
	// 08:00 on the hire date in Paris, for a working day.
	paris := time.FixedZone("Europe/Paris", 3600)
	start := time.Now().In(paris).Add(48 * time.Hour).Truncate(time.Hour)

	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{{
			Config: deliveredConfig(tenant, fmt.Sprintf("start_date_time = %q\nlifetime_in_minutes = 480", start.Format(time.RFC3339)), hire.ID),
			Check: func(*terraform.State) error {
				passes := tenant.IssuedPasses()
				if len(passes) != 1 {
					return fmt.Errorf("want one pass, got %d", len(passes))
				}
				ctl, ctx := acctest.Control(), context.Background()
				signIn := func(at time.Time) (control.SignInResult, error) {
					if _, err := ctl.SetClock(ctx, tenant.TenantID, at); err != nil {
						return control.SignInResult{}, err
					}
					return ctl.SignIn(ctx, tenant.TenantID, hire.ID, passes[0])
				}
				for _, probe := range []struct {
					at   time.Time
					want bool
				}{
					{start.Add(-time.Minute), false},
					{start.Add(time.Minute), true},
					{start.Add(8*time.Hour + time.Minute), false},
				} {
					res, err := signIn(probe.at)
					if err != nil {
						return err
					}
					if res.Success != probe.want {
						return fmt.Errorf("sign-in at %s: success = %v (%s), want %v", probe.at.Format(time.RFC3339), res.Success, res.Reason, probe.want)
					}
				}
				_, err := ctl.RealClock(ctx, tenant.TenantID)
				return err
			},
		}},
	})
}
