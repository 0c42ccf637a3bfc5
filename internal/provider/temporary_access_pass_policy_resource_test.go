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

// Every bad input fails the plan with the attribute and what to do, and nothing is written to Graph.
func TestAccTemporaryAccessPassPolicyResource_badInputFailsPlanWithoutWrites(t *testing.T) {
	pt := newPolicyTenant(t)
	const missingGroup = "99999999-9999-4999-8999-999999999999"
	cases := []struct {
		name, body string
		want       string
	}{
		{"length too short", `default_length = 7`, `(?s)default_length.*between 8 and 48`},
		{"length too long", `default_length = 49`, `(?s)default_length.*between 8 and 48`},
		{"minimum below 10", `minimum_lifetime_in_minutes = 9`, `(?s)minimum_lifetime_in_minutes.*between 10 and 43200`},
		{"maximum above 30 days", `maximum_lifetime_in_minutes = 43201`, `(?s)maximum_lifetime_in_minutes.*between 10 and 43200`},
		{"minimum above maximum", "minimum_lifetime_in_minutes = 100\nmaximum_lifetime_in_minutes = 50", `(?s)Minimum lifetime exceeds maximum lifetime.*lower the minimum`},
		{"default above configured maximum", "default_lifetime_in_minutes = 500\nminimum_lifetime_in_minutes = 10\nmaximum_lifetime_in_minutes = 480", `(?s)Default lifetime outside the allowed range.*default_lifetime_in_minutes = 500`},
		{"maximum below the tenant's minimum", `maximum_lifetime_in_minutes = 30`, `(?s)Minimum lifetime exceeds maximum lifetime.*minimum_lifetime_in_minutes is 60 \(the tenant's current value`},
		{"maximum below the tenant's default", "minimum_lifetime_in_minutes = 10\nmaximum_lifetime_in_minutes = 30", `(?s)Default lifetime outside the allowed range.*default_lifetime_in_minutes is 60 \(the tenant's current value`},
		{"malformed target id", `include_targets = [{ id = "new-starters", target_type = "group" }]`, `(?s)include_targets.*"new-starters" is not an object id`},
		{"all_users as a user", `include_targets = [{ id = "all_users", target_type = "user" }]`, `(?s)all_users is a group target`},
		{"all_users excluded", `exclude_targets = [{ id = "all_users", target_type = "group" }]`, `(?s)all_users cannot be excluded`},
		{"unknown target type", fmt.Sprintf(`include_targets = [{ id = %q, target_type = "device" }]`, pt.starters), `(?s)Invalid Attribute Value Match.*target_type\s+value must be one of`},
		{"included and excluded", fmt.Sprintf("include_targets = [{ id = %[1]q, target_type = \"group\" }]\nexclude_targets = [{ id = %[1]q, target_type = \"group\" }]", pt.starters), `(?s)Target both included and excluded`},
		{"group that does not exist", fmt.Sprintf(`include_targets = [{ id = %q, target_type = "group" }]`, missingGroup), `(?s)Target not found in the tenant.*` + missingGroup},
		{"user declared as a group", fmt.Sprintf(`exclude_targets = [{ id = %q, target_type = "group" }]`, pt.breakGlass), `(?s)Target type does not match.*target_type = "user"`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      pt.Config("resource \"entra_temporary_access_pass_policy\" \"this\" {\n" + c.body + "\n}\n"),
			ExpectError: regexp.MustCompile(c.want),
		})
	}
	acctest.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: steps})
	counters := pt.Counters()
	if counters.Writes != 0 {
		t.Fatalf("%d bad inputs caused %d writes to Graph (%v); want 0", len(cases), counters.Writes, counters.ByRoute)
	}
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
