package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
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

func passInState(tenant *acctest.Tenant, userID, extra string) string {
	return tenant.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass" "this" {
  user_id = %q
  %s
}

output "pass" {
  value     = entra_temporary_access_pass.this.temporary_access_pass
  sensitive = true
}
`, userID, extra))
}

func TestAccTemporaryAccessPassResource_lifecycle(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(map[string]any{"minimumLifetimeInMinutes": 10, "defaultLifetimeInMinutes": 90, "maximumLifetimeInMinutes": 480})
	ada := tenant.CreateUser("ada")
	tenant.ClearRequests()
	config := passInState(tenant, ada.UserPrincipalName, "lifetime_in_minutes = 120")
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
					// The plan shows who gets which pass: the user the configuration resolves to, and the lifetime.
					plancheck.ExpectKnownValue(passAddr, tfjsonpath.New("lifetime_in_minutes"), knownvalue.Int64Exact(120)),
					plancheck.ExpectKnownValue(passAddr, tfjsonpath.New("user_object_id"), knownvalue.StringExact(ada.ID)),
					plancheck.ExpectKnownValue(passAddr, tfjsonpath.New("user_principal_name"), knownvalue.StringExact(ada.UserPrincipalName)),
					plancheck.ExpectSensitiveValue(passAddr, tfjsonpath.New("temporary_access_pass")),
					checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
						passesIssued(t, tenant, 0, "after plan")
					}),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("sign_in_url"), knownvalue.StringExact("https://aka.ms/mysecurityinfo")),
					statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("is_usable"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("removed_methods"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("user_id"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					value, id, _, err := statePass(s)
					if err != nil {
						return err
					}
					if issued := tenant.IssuedPasses(); len(issued) != 1 || issued[0] != value {
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
					if _, id, _, err := statePass(s); err != nil || id == firstID {
						return fmt.Errorf("a new pass must have been issued (%v)", err)
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
				// Graph never returns the pass again; user_id is write-only, timeouts are configuration only.
				ImportStateVerifyIgnore: []string{"temporary_access_pass", "user_id", "timeouts"},
			},
		},
	})
}

// Naming the same user another way changes nothing; only timeouts change in place, and every computed value
// stays known; another user replaces the pass (issue 12).
func TestAccTemporaryAccessPassResource_sameUserInAnyFormAndInPlaceUpdate(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	ada, grace := tenant.CreateUser("ada"), tenant.CreateUser("grace")
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: passInState(tenant, ada.UserPrincipalName, "")},
			{
				Config:           passInState(tenant, ada.ID, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           passInState(tenant, strings.ToUpper(ada.UserPrincipalName), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: passInState(tenant, ada.ID, `timeouts = { create = "20m" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(passAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(passAddr, tfjsonpath.New("is_usable"), knownvalue.Bool(true)),
				}},
				Check: func(*terraform.State) error { passesIssued(t, tenant, 1, "after an in-place update"); return nil },
			},
			{
				// A start written with another offset is the same instant: in place, no new pass.
				Config: passInState(tenant, ada.ID, `timeouts = { create = "20m" }`+"\n  start_date_time = \"2099-01-01T09:00:00+01:00\""),
				Check:  func(*terraform.State) error { passesIssued(t, tenant, 2, "after adding a start"); return nil },
			},
			{
				Config: passInState(tenant, ada.ID, `timeouts = { create = "20m" }`+"\n  start_date_time = \"2099-01-01T08:00:00Z\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(passAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					passesIssued(t, tenant, 2, "after rewriting the start's offset")
					return nil
				},
			},
			{
				Config: passInState(tenant, grace.UserPrincipalName, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(passAddr, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("user_object_id"), knownvalue.StringExact(grace.ID)),
				},
			},
		},
	})
}

// Import by identity (Terraform 1.12+), then a configuration naming the user by user principal name: no change.
func TestAccTemporaryAccessPassResource_importByIdentity(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	ada := tenant.CreateUser("ada")
	acctest.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: passInState(tenant, ada.UserPrincipalName, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(passAddr, map[string]knownvalue.Check{"user_object_id": knownvalue.StringExact(ada.ID), "id": knownvalue.NotNull()}),
				},
			},
			{
				Config:          passInState(tenant, ada.UserPrincipalName, ""),
				ResourceName:    passAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// An in-place update keeps the identity (Terraform 1.11 failed with "Missing Resource Identity After Update").
				Config: passInState(tenant, ada.UserPrincipalName, `timeouts = { read = "2m" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(passAddr, map[string]knownvalue.Check{"user_object_id": knownvalue.StringExact(ada.ID), "id": knownvalue.NotNull()}),
				},
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
			Config: passInState(tenant, linus.UserPrincipalName, "lifetime_in_minutes = 10\n  is_usable_once = true\n  remove_methods = [\"fido2\", \"microsoftAuthenticator\"]"),
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
				if failed := tenant.FailedRequests(); len(failed) != 0 {
					return fmt.Errorf("requests refused by Graph: %+v", failed)
				}
				// Removal came after the pass: the creation precedes every method deletion in the log.
				return removalsAfterCreation(tenant)
			},
		}},
	})
}

// removalsAfterCreation checks the order of the tenant's writes: no method deleted before a pass was created.
func removalsAfterCreation(tenant *acctest.Tenant) error {
	reqs, err := acctest.Control().Requests(context.Background(), tenant.TenantID)
	if err != nil {
		return err
	}
	created := false
	for _, r := range reqs {
		switch {
		case r.Route == acctest.RouteCreateTAP && r.Status == 201:
			created = true
		case r.Method == "DELETE" && !strings.Contains(r.Route, "temporaryAccessPassMethods") && !created:
			return fmt.Errorf("%s was deleted before any pass existed", r.Route)
		}
	}
	return nil
}

// When Graph refuses the pass, no method is removed (issue 10): the user left the policy's group between the
// plan and the apply, or Graph answered a one-off 400.
func TestAccTemporaryAccessPassResource_refusedPassRemovesNothing(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	group, err := tenant.Graph.CreateGroup(context.Background(), "New starters")
	if err != nil {
		t.Fatal(err)
	}
	tenant.EnableTAP(map[string]any{"includeTargets": []map[string]any{{"id": group.ID, "targetType": "group", "isRegistrationRequired": false}}})
	linus, mona := tenant.LostKeyUser("linus"), tenant.LostKeyUser("mona")
	for _, u := range []control.User{linus, mona} {
		if err := tenant.Graph.AddMember(context.Background(), group.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	methodsOf := func(u control.User) int {
		ms, err := tenant.Graph.ListMethods(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}
	before := methodsOf(linus)
	recovery := func(u control.User) string {
		return passInState(tenant, u.UserPrincipalName, `remove_methods = ["fido2", "microsoftAuthenticator"]`)
	}
	t.Run("user left the group after the plan", func(t *testing.T) {
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: recovery(linus),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
					if err := tenant.Graph.RemoveMember(context.Background(), group.ID, linus.ID); err != nil {
						t.Fatal(err)
					}
				})}},
				ExpectError: regexp.MustCompile(`(?s)(User not in the Temporary Access Pass policy's scope|Could not issue).*`),
			}},
		})
		if got := methodsOf(linus); got != before {
			t.Errorf("linus had %d methods and has %d after a refused pass", before, got)
		}
	})
	t.Run("one-off 400 on the creation", func(t *testing.T) {
		addFault(t, tenant, control.Fault{Method: "POST", Path: "/users/" + mona.ID + "/authentication/temporaryAccessPassMethods$", Status: 400,
			ErrorCode: "badRequest", Message: "Invalid request.", Count: 1})
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      recovery(mona),
				ExpectError: errorMatching("Could not issue the Temporary Access Pass", "No pass was created, and no method was removed"),
			}},
		})
		if got := methodsOf(mona); got != before {
			t.Errorf("mona had %d methods and has %d after a refused pass", before, got)
		}
	})
}

// A saved plan applied after the policy changed: what the plan promised still holds, or the apply says the
// policy changed (issue 12).
func TestAccTemporaryAccessPassResource_savedPlanAfterPolicyChange(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(map[string]any{"defaultLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480})
	ada, grace := tenant.CreateUser("ada"), tenant.CreateUser("grace")
	policyChangesAfterThePlan := func(patch map[string]any) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
			if err := tenant.Graph.PatchPolicy(context.Background(), patch); err != nil {
				t.Fatal(err)
			}
		})}}
	}
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The lifetime was left to the policy: the pass gets the default in force when it is issued.
				Config:           passInState(tenant, ada.ID, ""),
				ConfigPlanChecks: policyChangesAfterThePlan(map[string]any{"defaultLifetimeInMinutes": 90}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("lifetime_in_minutes"), knownvalue.Int64Exact(90)),
				},
			},
			{
				// A planned lifetime the new policy forbids fails the apply with the reason and what to do.
				Config:           passInState(tenant, grace.ID, "lifetime_in_minutes = 240"),
				ConfigPlanChecks: policyChangesAfterThePlan(map[string]any{"maximumLifetimeInMinutes": 120}),
				ExpectError:      errorMatching("Lifetime outside the tenant policy's range", "policy changed after the plan: plan again"),
			},
		},
	})
}

// Graph's clock 10 minutes ahead of this machine: a start 3 minutes ahead by this machine is in the past for
// Graph. The plan says so, naming the skew, instead of the apply failing with Graph's "in the past" (issue 12).
func TestAccTemporaryAccessPassResource_clockSkewIsJudgedByGraph(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	ada := tenant.CreateUser("ada")
	if _, err := acctest.Control().AdvanceClock(context.Background(), tenant.TenantID, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(3 * time.Minute).UTC().Format(time.RFC3339)
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      passInState(tenant, ada.ID, fmt.Sprintf("start_date_time = %q", start)),
			ExpectError: errorMatching("Start time in the past", "by Graph's clock", "Graph's clock is 10m", "ahead of this machine"),
		}},
	})
	passesIssued(t, tenant, 0, "after a plan refused for clock skew")
}

// Identity import checks the identity's values as string-id import does (issue 12).
func TestTemporaryAccessPassResource_importIdentityIsChecked(t *testing.T) {
	if !acctestEnabled() {
		t.Skip("needs TF_ACC")
	}
	t.Parallel()
	tenant := acctest.NewTenant(t)
	server := newProtocolServer(t, tenant)
	identitySchema := server.identitySchema(t, "entra_temporary_access_pass")
	for name, identity := range map[string]map[string]tftypes.Value{
		"user principal name for the object id": {"user_object_id": tftypes.NewValue(tftypes.String, "ada@contoso.com"), "id": tftypes.NewValue(tftypes.String, "6f1967b7-15e8-4935-ac26-d50770ed07a7")},
		"pass id that is not a GUID":            {"user_object_id": tftypes.NewValue(tftypes.String, "7a3c1f2e-0000-0000-0000-000000000000"), "id": tftypes.NewValue(tftypes.String, "pass-1")},
	} {
		raw := objectValue(t, identitySchema, identity)
		resp, err := server.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{
			TypeName: "entra_temporary_access_pass", Identity: &tfprotov6.ResourceIdentityData{IdentityData: &raw},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary != "Invalid import id" || !strings.Contains(resp.Diagnostics[0].Detail, "both GUIDs") {
			t.Errorf("%s: want the import refused as a string id would be, got %+v", name, resp.Diagnostics)
		}
	}
}

// A user deleted between the plan and the apply fails the apply within a bounded time, with the user named.
func TestAccTemporaryAccessPassResource_userDeletedBetweenPlanAndApply(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	ada := tenant.CreateUser("ada")
	var deletedAt time.Time
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: passInState(tenant, ada.ID, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
				if err := tenant.Graph.DeleteUser(context.Background(), ada.ID); err != nil {
					t.Fatal(err)
				}
				deletedAt = time.Now()
			})}},
			ExpectError: errorMatching("User not found", ada.ID),
		}},
	})
	took := time.Since(deletedAt).Round(100 * time.Millisecond)
	t.Logf("a user deleted between plan and apply: the apply failed %s later", took)
	acctest.Report(fmt.Sprintf("deleted user (%s): the apply failed %s after the user was deleted", acctest.CLIName(), took))
	passesIssued(t, tenant, 0, "for a deleted user")
}
