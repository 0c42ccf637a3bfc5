package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/acctest/consumers"
)

// vaultID names a test's Key Vault stand-in after its tenant, so that parallel tests never share a consumer.
func vaultID(tenant *acctest.Tenant) string { return "/vaults/kv-" + tenant.TenantID }

// handoverConfig is the documented delivery to another provider's write-only argument: the managed pass hands
// its pass to the ephemeral resource, opened only while applying, and the consumer's version follows the pass.
func handoverConfig(tenant *acctest.Tenant, user, passExtra, consumerVersion string) string {
	if consumerVersion == "" {
		consumerVersion = "entra_temporary_access_pass.hire.version"
	}
	return tenant.ConfigWithConsumers(fmt.Sprintf(`
resource "entra_temporary_access_pass" "hire" {
  user_id  = %q
  delivery = { ephemeral = true }
  %s
}

ephemeral "entra_temporary_access_pass" "hire" {
  pass_id   = entra_temporary_access_pass.hire.id
  applying  = terraform.applying
}

resource "azurerm_key_vault_secret" "tap" {
  name             = "tap-hire"
  key_vault_id     = %q
  value_wo         = ephemeral.entra_temporary_access_pass.hire.temporary_access_pass
  value_wo_version = %s
  content_type     = "Temporary Access Pass"
}
`, user, passExtra, vaultID(tenant), consumerVersion))
}

type checkFunc func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse)

func (f checkFunc) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f(ctx, req, resp)
}

// passesIssued asserts how many passes the tenant has issued at a point in the test.
func passesIssued(t *testing.T, tenant *acctest.Tenant, want int, when string) {
	t.Helper()
	if got := len(tenant.IssuedPasses()); got != want {
		t.Errorf("%s: %d passes issued, want %d", when, got, want)
	}
}

// heldExactly checks the invariant after an apply: the consumer received `deliveries` values in all, its latest
// is the user's live pass (it signs in), and the tenant minted `minted` passes.
func heldExactly(t *testing.T, tenant *acctest.Tenant, user, key string, minted, deliveries int) func(*terraform.State) error {
	return func(*terraform.State) error {
		t.Helper()
		l := tenant.Ledger(key, user)
		if l.Minted != minted || l.Delivered != deliveries {
			return fmt.Errorf("%s; want minted %d, delivered %d", l, minted, deliveries)
		}
		held := l.Held[key]
		if !tenant.IsIssued(held) {
			return fmt.Errorf("the consumer holds something the tenant never issued (%d characters)", len(held))
		}
		if l.Live[user] == "" {
			return fmt.Errorf("%s holds no live pass after the apply", user)
		}
		if !tenant.SignsIn(user, held) {
			return fmt.Errorf("the pass the consumer holds does not sign %s in", user)
		}
		return nil
	}
}

func TestAccTemporaryAccessPassHandover_keyVaultLifecycle(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false, "defaultLifetimeInMinutes": 480, "maximumLifetimeInMinutes": 480})
	ada := tenant.CreateUser("ada")
	key := vaultID(tenant) + "/tap-hire"

	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		CheckDestroy: func(*terraform.State) error {
			if l := tenant.Ledger(key, ada.ID); len(l.Live) != 0 {
				return fmt.Errorf("destroy left a live pass: %s", l)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: handoverConfig(tenant, ada.UserPrincipalName, "", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("azurerm_key_vault_secret.tap", plancheck.ResourceActionCreate),
					checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
						passesIssued(t, tenant, 0, "after the plan")
					}),
				}},
				Check: heldExactly(t, tenant, ada.ID, key, 1, 1),
			},
			{
				// A re-apply plans nothing and hands nothing over.
				Config:           handoverConfig(tenant, ada.UserPrincipalName, "", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            heldExactly(t, tenant, ada.ID, key, 1, 1),
			},
			{
				// apply -refresh-only opens the ephemeral resource while applying, and mints nothing.
				RefreshState: true,
				Check:        heldExactly(t, tenant, ada.ID, key, 1, 1),
			},
			{
				// Naming the user by object id instead of user principal name is no change at all.
				Config:           handoverConfig(tenant, ada.ID, "", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            heldExactly(t, tenant, ada.ID, key, 1, 1),
			},
			{
				// Rotation on purpose: a new pass, delivered once; the old one stops working.
				Config: handoverConfig(tenant, ada.ID, `triggers = { rotation = "2" }`, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("entra_temporary_access_pass.hire", plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction("azurerm_key_vault_secret.tap", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(heldExactly(t, tenant, ada.ID, key, 2, 2), func(*terraform.State) error {
					if first := consumers.Deliveries(key)[0].Value; tenant.SignsIn(ada.ID, first) {
						return fmt.Errorf("the rotated-out pass still signs in")
					}
					return nil
				}),
			},
			{
				// -replace does the same.
				Config: handoverConfig(tenant, ada.ID, `triggers = { rotation = "2" }`, ""),
				Taint:  []string{"entra_temporary_access_pass.hire"},
				Check:  heldExactly(t, tenant, ada.ID, key, 3, 3),
			},
			{
				// A consumer whose version changes when no pass is issued receives nothing: it fails with its own
				// validation, and the pass it holds keeps working.
				Config:      handoverConfig(tenant, ada.ID, `triggers = { rotation = "2" }`, "entra_temporary_access_pass.hire.version + 1"),
				ExpectError: regexp.MustCompile(`(?s)value_wo`),
			},
			{
				Config: handoverConfig(tenant, ada.ID, `triggers = { rotation = "2" }`, ""),
				Check:  heldExactly(t, tenant, ada.ID, key, 3, 3),
			},
		},
	})
}

func vaultConfig(tenant *acctest.Tenant, user, passExtra string) string {
	return tenant.ConfigWithConsumers(fmt.Sprintf(`
resource "entra_temporary_access_pass" "hire" {
  user_id             = %q
  lifetime_in_minutes = 60
  delivery            = { ephemeral = true }
  %s
}

ephemeral "entra_temporary_access_pass" "hire" {
  pass_id   = entra_temporary_access_pass.hire.id
  applying  = terraform.applying
}

resource "vault_kv_secret_v2" "tap" {
  mount = %q
  name  = "onboarding/hire"
  data_json_wo = jsonencode({
    temporary_access_pass = ephemeral.entra_temporary_access_pass.hire.temporary_access_pass
    sign_in_url           = ephemeral.entra_temporary_access_pass.hire.sign_in_url
    expires               = ephemeral.entra_temporary_access_pass.hire.expiration_date_time
  })
  data_json_wo_version = entra_temporary_access_pass.hire.version
}
`, user, passExtra, "kv-"+tenant.TenantID))
}

func TestAccTemporaryAccessPassHandover_vault(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false})
	grace := tenant.CreateUser("grace")
	key := "kv-" + tenant.TenantID + "/onboarding/hire"
	// The vault consumer received JSON; the pass inside it is what must sign in.
	passIn := func(want int) func(*terraform.State) error {
		return func(*terraform.State) error {
			d := consumers.Deliveries(key)
			if len(d) != want || len(tenant.IssuedPasses()) != want {
				return fmt.Errorf("%d deliveries and %d passes issued, want %d of each", len(d), len(tenant.IssuedPasses()), want)
			}
			var secret struct {
				Pass string `json:"temporary_access_pass"`
				URL  string `json:"sign_in_url"`
			}
			if err := json.Unmarshal([]byte(d[len(d)-1].Value), &secret); err != nil {
				return err
			}
			if secret.URL != "https://aka.ms/mysecurityinfo" || !tenant.SignsIn(grace.ID, secret.Pass) {
				return fmt.Errorf("the vault secret does not hold a working pass and the sign-in link")
			}
			return nil
		}
	}
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps: []resource.TestStep{
			{Config: vaultConfig(tenant, grace.UserPrincipalName, ""), Check: passIn(1)},
			{Config: vaultConfig(tenant, grace.UserPrincipalName, ""), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}, Check: passIn(1)},
			{RefreshState: true, Check: passIn(1)},
			{Config: vaultConfig(tenant, grace.UserPrincipalName, `triggers = { rotation = "next" }`), Check: passIn(2)},
		},
	})
}
