package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

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
)

const policyAddr = "entra_temporary_access_pass_policy.this"

// policyTenant is a tenant with a "new starters" group, a second group and a break-glass account.
type policyTenant struct {
	*acctest.Tenant
	starters, contractors, breakGlass string
}

func newPolicyTenant(t *testing.T) policyTenant {
	t.Helper()
	tenant := acctest.NewTenant(t)
	ctx := tenant.Context()
	starters, err := tenant.Graph.CreateGroup(ctx, "New starters")
	if err != nil {
		t.Fatal(err)
	}
	contractors, err := tenant.Graph.CreateGroup(ctx, "Contractors")
	if err != nil {
		t.Fatal(err)
	}
	breakGlass, err := tenant.Graph.CreateUser(ctx, "Break glass 1", "breakglass1@"+tenant.Domain)
	if err != nil {
		t.Fatal(err)
	}
	// Counters start after the setup, so tests count only what the provider does.
	tenant.ClearRequests()
	return policyTenant{Tenant: tenant, starters: starters.ID, contractors: contractors.ID, breakGlass: breakGlass.ID}
}

func (pt policyTenant) livePolicy(t *testing.T) map[string]any {
	t.Helper()
	p, err := pt.Graph.GetPolicy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAccTemporaryAccessPassPolicyResource_lifecycle(t *testing.T) {
	pt := newPolicyTenant(t)
	onboarding := pt.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass_policy" "this" {
  enabled                     = true
  minimum_lifetime_in_minutes = 10
  default_lifetime_in_minutes = 480
  maximum_lifetime_in_minutes = 480

  include_targets = [{ id = %q, target_type = "group" }]
  exclude_targets = [{ id = %q, target_type = "user" }]
}
`, pt.starters, pt.breakGlass))
	updated := pt.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass_policy" "this" {
  enabled                     = true
  minimum_lifetime_in_minutes = 10
  default_lifetime_in_minutes = 60
  maximum_lifetime_in_minutes = 480
  is_usable_once              = true

  include_targets = [
    { id = %q, target_type = "group", is_registration_required = true },
    { id = %q, target_type = "group" },
  ]
  exclude_targets = [{ id = %q, target_type = "user" }]
}
`, pt.starters, pt.contractors, pt.breakGlass))

	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			p := pt.livePolicy(t)
			if p["state"] != "disabled" || p["defaultLifetimeInMinutes"] != float64(60) || p["maximumLifetimeInMinutes"] != float64(480) {
				return fmt.Errorf("destroy must reset the policy to Microsoft's defaults, got %v", p)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// Create adopts the singleton. Omitted settings show the tenant's real values in the plan.
				Config: onboarding,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("default_length"), knownvalue.Int64Exact(8)),
					plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("is_usable_once"), knownvalue.Bool(false)),
					plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("id"), knownvalue.StringExact("TemporaryAccessPass")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("default_lifetime_in_minutes"), knownvalue.Int64Exact(480)),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("include_targets"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id": knownvalue.StringExact(pt.starters), "target_type": knownvalue.StringExact("group"), "is_registration_required": knownvalue.Bool(false),
						}),
					})),
				},
				Check: func(*terraform.State) error {
					p := pt.livePolicy(t)
					if p["state"] != "enabled" || p["minimumLifetimeInMinutes"] != float64(10) {
						return fmt.Errorf("the tenant policy was not written: %v", p)
					}
					return nil
				},
			},
			{
				// Re-planning the same configuration changes nothing.
				Config:           onboarding,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("is_usable_once"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("include_targets"), knownvalue.SetSizeExact(2)),
				},
			},
			{
				ResourceName:      policyAddr,
				ImportState:       true,
				ImportStateKind:   resource.ImportCommandWithID,
				ImportStateId:     "TemporaryAccessPass",
				ImportStateVerify: true,
			},
			{
				Config:          updated,
				ResourceName:    policyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "TemporaryAccessPass",
			},
			{
				// A change made outside Terraform shows up as a diff in the next plan.
				PreConfig: func() {
					err := pt.Graph.PatchPolicy(context.Background(), map[string]any{
						"@odata.type":              "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
						"defaultLifetimeInMinutes": 120,
						"excludeTargets":           []any{},
					})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("default_lifetime_in_minutes"), knownvalue.Int64Exact(60)),
					plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("exclude_targets"), knownvalue.SetSizeExact(1)),
				}},
			},
		},
	})
}

func TestAccTemporaryAccessPassPolicyResource_omittedSettingsKeepTenantValues(t *testing.T) {
	pt := newPolicyTenant(t)
	// Only the state is managed: everything else stays as the tenant has it, and the plan says so.
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: pt.Config(`resource "entra_temporary_access_pass_policy" "this" { enabled = true }`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("default_lifetime_in_minutes"), knownvalue.Int64Exact(60)),
				plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("maximum_lifetime_in_minutes"), knownvalue.Int64Exact(480)),
				plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("include_targets"), knownvalue.SetSizeExact(1)),
				plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("exclude_targets"), knownvalue.SetSizeExact(0)),
			}},
		}},
	})
}

func TestAccTemporaryAccessPassPolicyResource_importByIdentity(t *testing.T) {
	if acctest.IsOpenTofu() {
		t.Skip("import blocks with a resource identity are a Terraform 1.12 feature")
	}
	pt := newPolicyTenant(t)
	config := pt.Config(`resource "entra_temporary_access_pass_policy" "this" { enabled = true }`)
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		Steps: []resource.TestStep{
			{Config: config},
			{Config: config, ResourceName: policyAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
		},
	})
}

// The CLI here is older than 1.12, so identity import is also proven at the protocol level.
func TestTemporaryAccessPassPolicyResource_importByIdentityProtocol(t *testing.T) {
	server, err := protoV6ProviderFactories["entra"]()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	identityType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String}}
	identity, err := tfprotov6.NewDynamicValue(identityType, tftypes.NewValue(identityType, map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, "TemporaryAccessPass"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := schemas.IdentitySchemas["entra_temporary_access_pass_policy"]; !ok {
		t.Fatalf("no identity schema for the policy resource: %v", schemas.Diagnostics)
	}
	resp, err := server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
		TypeName: "entra_temporary_access_pass_policy",
		Identity: &tfprotov6.ResourceIdentityData{IdentityData: &identity},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("import diagnostic: %s: %s", d.Summary, d.Detail)
	}
	if len(resp.ImportedResources) != 1 || resp.ImportedResources[0].Identity == nil {
		t.Fatalf("want one imported resource with an identity, got %+v", resp.ImportedResources)
	}

	bad, err := tfprotov6.NewDynamicValue(identityType, tftypes.NewValue(identityType, map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, "Fido2"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
		TypeName: "entra_temporary_access_pass_policy",
		Identity: &tfprotov6.ResourceIdentityData{IdentityData: &bad},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Diagnostics) == 0 || !regexp.MustCompile(`import it with the id "TemporaryAccessPass"`).MatchString(resp.Diagnostics[0].Detail) {
		t.Fatalf("importing another configuration must be refused clearly, got %+v", resp.Diagnostics)
	}
}
