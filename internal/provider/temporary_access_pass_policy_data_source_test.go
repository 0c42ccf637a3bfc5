package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
)

func TestAccTemporaryAccessPassPolicyDataSource_freshTenantDefaults(t *testing.T) {
	tenant := acctest.NewTenant(t)
	const addr = "data.entra_temporary_access_pass_policy.this"
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(`data "entra_temporary_access_pass_policy" "this" {}`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("TemporaryAccessPass")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("enabled"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("default_length"), knownvalue.Int64Exact(8)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("minimum_lifetime_in_minutes"), knownvalue.Int64Exact(60)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("default_lifetime_in_minutes"), knownvalue.Int64Exact(60)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("maximum_lifetime_in_minutes"), knownvalue.Int64Exact(480)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("is_usable_once"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("include_targets"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id": knownvalue.StringExact("all_users"), "target_type": knownvalue.StringExact("group"), "is_registration_required": knownvalue.Bool(false),
					}),
				})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("exclude_targets"), knownvalue.SetSizeExact(0)),
			},
		}},
	})
}

func TestAccTemporaryAccessPassPolicyDataSource_readsEveryField(t *testing.T) {
	tenant := acctest.NewTenant(t)
	ctx := tenant.Context()
	starters, err := tenant.Graph.CreateGroup(ctx, "New starters")
	if err != nil {
		t.Fatal(err)
	}
	breakGlass, err := tenant.Graph.CreateUser(ctx, "Break glass", "breakglass@"+tenant.Domain)
	if err != nil {
		t.Fatal(err)
	}
	err = tenant.Graph.PatchPolicy(ctx, map[string]any{
		"@odata.type":              "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
		"state":                    "enabled",
		"defaultLength":            12,
		"minimumLifetimeInMinutes": 10,
		"defaultLifetimeInMinutes": 480,
		"maximumLifetimeInMinutes": 600,
		"isUsableOnce":             true,
		"includeTargets":           []map[string]any{{"id": starters.ID, "targetType": "group", "isRegistrationRequired": true}},
		"excludeTargets":           []map[string]any{{"id": breakGlass.ID, "targetType": "user"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	const addr = "data.entra_temporary_access_pass_policy.this"
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(`data "entra_temporary_access_pass_policy" "this" {}`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("default_length"), knownvalue.Int64Exact(12)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("minimum_lifetime_in_minutes"), knownvalue.Int64Exact(10)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("default_lifetime_in_minutes"), knownvalue.Int64Exact(480)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("maximum_lifetime_in_minutes"), knownvalue.Int64Exact(600)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("is_usable_once"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("include_targets"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id": knownvalue.StringExact(starters.ID), "target_type": knownvalue.StringExact("group"), "is_registration_required": knownvalue.Bool(true),
					}),
				})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("exclude_targets"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id": knownvalue.StringExact(breakGlass.ID), "target_type": knownvalue.StringExact("user"),
					}),
				})),
			},
		}},
	})
	if writes := tenant.Counters().ByRoute["PATCH /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}"]; writes != 1 {
		t.Errorf("the data source must not write: %d PATCH requests (1 expected, from the test setup)", writes)
	}
}
