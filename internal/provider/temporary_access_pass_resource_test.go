package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
)

const passAddr = "entra_temporary_access_pass.this"

// statePass returns the pass value and id stored in state.
func statePass(s *terraform.State) (value, id, userID string, err error) {
	rs, ok := s.RootModule().Resources[passAddr]
	if !ok {
		return "", "", "", fmt.Errorf("%s not in state", passAddr)
	}
	return rs.Primary.Attributes["temporary_access_pass"], rs.Primary.ID, rs.Primary.Attributes["user_object_id"], nil
}

func TestAccTemporaryAccessPassResource_lifecycle(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(map[string]any{"minimumLifetimeInMinutes": 10, "defaultLifetimeInMinutes": 90, "maximumLifetimeInMinutes": 480})
	ada := tenant.CreateUser("ada")
	tenant.ClearRequests()
	config := tenant.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass" "this" {
  user_id = %q
}

output "pass" {
  value     = entra_temporary_access_pass.this.temporary_access_pass
  sensitive = true
}
`, ada.UserPrincipalName))
	var firstID string

	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			passes, err := tenant.Graph.ListTAPs(context.Background(), ada.ID)
			if err != nil || len(passes) != 0 {
				return fmt.Errorf("destroy must revoke the pass: %v %v", passes, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(passAddr, plancheck.ResourceActionCreate),
					// The plan shows what the pass will be: the policy's default lifetime and the resolved user.
					plancheck.ExpectKnownValue(passAddr, tfjsonpath.New("lifetime_in_minutes"), knownvalue.Int64Exact(90)),
					plancheck.ExpectKnownValue(passAddr, tfjsonpath.New("user_object_id"), knownvalue.StringExact(ada.ID)),
					plancheck.ExpectSensitiveValue(passAddr, tfjsonpath.New("temporary_access_pass")),
					checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
						passesIssued(t, tenant, 0, "after plan")
					}),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("sign_in_url"), knownvalue.StringExact("https://aka.ms/mysecurityinfo")),
					statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("is_usable"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("removed_methods"), knownvalue.ListSizeExact(0)),
				},
				Check: func(s *terraform.State) error {
					value, id, _, err := statePass(s)
					if err != nil {
						return err
					}
					issued := tenant.IssuedPasses()
					if len(issued) != 1 || issued[0] != value {
						return fmt.Errorf("the state must hold the one pass the tenant issued")
					}
					firstID = id
					return nil
				},
			},
			{
				// A pass replaced outside Terraform disappears from state, and the next apply issues a new one.
				PreConfig: func() {
					if _, err := tenant.Graph.CreateTAP(context.Background(), ada.ID, nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(passAddr, plancheck.ResourceActionCreate),
				}},
				Check: func(s *terraform.State) error {
					_, id, _, err := statePass(s)
					if err != nil {
						return err
					}
					if id == firstID {
						return fmt.Errorf("a new pass must have been issued")
					}
					passesIssued(t, tenant, 3, "after the re-issue (one pass issued out of band)")
					return nil
				},
			},
			{
				ResourceName:      passAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					_, id, userID, err := statePass(s)
					return userID + "/" + id, err
				},
				// Graph never returns the pass again; user_id is imported as the object id.
				ImportStateVerifyIgnore: []string{"temporary_access_pass", "user_id", "timeouts"},
			},
		},
	})
}

func TestAccTemporaryAccessPassResource_lostSecurityKey(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(map[string]any{"minimumLifetimeInMinutes": 10, "isUsableOnce": true})
	linus := tenant.LostKeyUser("linus")
	tenant.ClearRequests()

	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass" "this" {
  user_id             = %q
  lifetime_in_minutes = 10
  is_usable_once      = true
  remove_methods      = ["fido2", "microsoftAuthenticator"]
}
`, linus.UserPrincipalName)),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
					if c := tenant.Counters(); c.Writes != 0 {
						t.Errorf("planning must not remove methods or issue a pass: %v", c.ByRoute)
					}
				}),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("removed_methods"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"type": knownvalue.StringExact("fido2"), "display_name": knownvalue.StringExact("YubiKey 5C NFC")}),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"type": knownvalue.StringExact("microsoftAuthenticator")}),
				})),
			},
			Check: func(s *terraform.State) error {
				value, _, _, err := statePass(s)
				if err != nil {
					return err
				}
				// Linus signs in with the pass and is no longer prompted for the lost key or the old phone.
				res, err := acctest.Control().SignIn(context.Background(), tenant.TenantID, linus.ID, value)
				if err != nil {
					return err
				}
				if !res.Success {
					return fmt.Errorf("sign-in with the recovery pass failed: %s", res.Reason)
				}
				for _, m := range res.PromptedMethods {
					if m == "fido2" || m == "microsoftAuthenticator" {
						return fmt.Errorf("after recovery the user is still prompted for %s", m)
					}
				}
				// Graph's ordering rules were followed: no removal was refused.
				if failed := tenant.FailedRequests(); len(failed) != 0 {
					return fmt.Errorf("requests refused by Graph: %+v", failed)
				}
				return nil
			},
		}},
	})
}

func TestAccTemporaryAccessPassEphemeral_lostSecurityKey(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"minimumLifetimeInMinutes": 10})
	linus := tenant.LostKeyUser("linus")
	tenant.ClearRequests()
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{{
			Config: strings.Replace(deliveredConfig(tenant, "lifetime_in_minutes = 10\nis_usable_once = true\nremove_methods = [\"fido2\", \"microsoftAuthenticator\"]", linus.ID),
				"url    = pass.sign_in_url", "removed = [for m in pass.removed_methods : m.type]", 1),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
					if c := tenant.Counters(); c.Writes != 0 {
						t.Errorf("planning must not remove methods or issue a pass: %v", c.ByRoute)
					}
				}),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.delivered", tfjsonpath.New("data").AtMapKey(linus.ID).AtMapKey("removed"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("fido2"), knownvalue.StringExact("microsoftAuthenticator")})),
			},
			Check: func(*terraform.State) error {
				methods, err := tenant.Graph.ListMethods(context.Background(), linus.ID)
				if err != nil {
					return err
				}
				for _, m := range methods {
					if t := fmt.Sprint(m["@odata.type"]); strings.Contains(t, "fido2") || strings.Contains(t, "microsoftAuthenticator") {
						return fmt.Errorf("%s was not removed", t)
					}
				}
				return nil
			},
		}},
	})
}
