package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/acctest/consumers"
)

// The examples the docs show, applied as they are written: only the names of a real tenant (users, mailboxes,
// vault) are replaced by the emulated tenant's, and the other providers' sources by the test consumers'.

func example(t *testing.T, path string, replace ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", path))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(text, replace[i]) {
			t.Fatalf("%s no longer contains %q: update the test with the example", path, replace[i])
		}
		text = strings.ReplaceAll(text, replace[i], replace[i+1])
	}
	return text
}

func TestAccExamples_onboardingAsDocumented(t *testing.T) {
	ot := newOnboardingTenant(t)
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour).Format(time.RFC3339)
	config := ot.Config(example(t, "resources/entra_temporary_access_pass/resource.tf",
		"ada.lovelace@contoso.com", ot.hire.UserPrincipalName, "onboarding@contoso.com", ot.sender.UserPrincipalName,
		"https://contoso-onboarding.vault.azure.net/", ot.vault.VaultURI, "2026-12-07T08:00:00+01:00", start))
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					secret, err := acctest.Control().VaultSecret(context.Background(), ot.TenantID, ot.vault.Name, "tap-ada-lovelace")
					if err != nil {
						return err
					}
					msgs := ot.mailed(t)
					if len(ot.IssuedPasses()) != 1 || len(msgs) != 1 || len(secret.Versions) != 1 || secret.Current.Value != passIn(msgs[0]) {
						return fmt.Errorf("want one pass, mailed to the manager once and vaulted once: %d passes, %d messages, %d versions",
							len(ot.IssuedPasses()), len(msgs), len(secret.Versions))
					}
					return nil
				},
			},
			{
				PreConfig:        func() { ot.ClearRequests() },
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					if c := ot.Counters(); c.Writes != 0 || len(ot.mailed(t)) != 1 {
						return fmt.Errorf("a re-apply wrote or mailed: %v", c.ByRoute)
					}
					return nil
				},
			},
		},
	})
}

func TestAccExamples_keyVaultHandoverAsDocumented(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false, "maximumLifetimeInMinutes": 480})
	ada := tenant.CreateUser("ada")
	vaultID := "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/identity/providers/Microsoft.KeyVault/vaults/contoso-onboarding"
	config := tenant.ConfigWithConsumers(example(t, "ephemeral-resources/entra_temporary_access_pass/ephemeral-resource.tf",
		"ada.lovelace@contoso.com", ada.UserPrincipalName, "2026-12-07T08:00:00+01:00", time.Now().Add(time.Hour).UTC().Truncate(time.Minute).Format(time.RFC3339),
		vaultID, vaultID+"-"+tenant.TenantID))
	key := vaultID + "-" + tenant.TenantID + "/tap-ada-lovelace"
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps: []resource.TestStep{
			{Config: config, Check: handedOverOnce(t, tenant, ada.ID, key, 1)},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}, Check: handedOverOnce(t, tenant, ada.ID, key, 1)},
			{RefreshState: true, Check: handedOverOnce(t, tenant, ada.ID, key, 1)},
			{Config: config, Taint: []string{"entra_temporary_access_pass.onboarding"}, Check: handedOverOnce(t, tenant, ada.ID, key, 2)},
		},
	})
}

// handedOverOnce: n passes issued, n values delivered, the latest one the user's live pass. The start lies in
// the future, so the pass is checked by what the tenant holds rather than by signing in.
func handedOverOnce(t *testing.T, tenant *acctest.Tenant, userID, key string, n int) func(*terraform.State) error {
	return func(*terraform.State) error {
		l := tenant.Ledger(key, userID)
		d := consumers.Deliveries(key)
		if len(d) == 0 {
			return fmt.Errorf("%s: nothing delivered", l)
		}
		held := d[len(d)-1].Value
		var secret struct {
			Pass string `json:"temporary_access_pass"`
		}
		if json.Unmarshal([]byte(held), &secret) == nil && secret.Pass != "" {
			held = secret.Pass // the Vault example keeps JSON
		}
		if l.Minted != n || len(d) != n || len(l.Live) != 1 || held != tenant.IssuedPasses()[n-1] {
			return fmt.Errorf("%s; want %d issued and delivered, the latest live", l, n)
		}
		return nil
	}
}

func TestAccExamples_vaultHandoverAsDocumented(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false, "maximumLifetimeInMinutes": 480})
	ada := tenant.CreateUser("ada")
	config := tenant.ConfigWithConsumers(example(t, "ephemeral-resources/entra_temporary_access_pass/vault/main.tf",
		"ada.lovelace@contoso.com", ada.UserPrincipalName, `mount = "onboarding"`, `mount = "onboarding-`+tenant.TenantID+`"`))
	key := "onboarding-" + tenant.TenantID + "/tap/ada.lovelace"
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps: []resource.TestStep{
			{Config: config, Check: handedOverOnce(t, tenant, ada.ID, key, 1)},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}, Check: handedOverOnce(t, tenant, ada.ID, key, 1)},
			{Config: config, Taint: []string{"entra_temporary_access_pass.onboarding"}, Check: handedOverOnce(t, tenant, ada.ID, key, 2)},
		},
	})
}
