package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
)

// groupWithPasses builds a group of three (one through a nested group) where two hold a pass.
func groupWithPasses(t *testing.T, tenant *acctest.Tenant) (groupID string, holders []string) {
	t.Helper()
	ctx := tenant.Context()
	tenant.EnableTAP(nil)
	team, err := tenant.Graph.CreateGroup(ctx, "Onboarding cohort")
	if err != nil {
		t.Fatal(err)
	}
	nested, err := tenant.Graph.CreateGroup(ctx, "Contractors")
	if err != nil {
		t.Fatal(err)
	}
	ada, grace, linus := tenant.CreateUser("ada"), tenant.CreateUser("grace"), tenant.CreateUser("linus")
	for _, m := range [][2]string{{team.ID, ada.ID}, {team.ID, grace.ID}, {team.ID, nested.ID}, {nested.ID, linus.ID}} {
		if err := tenant.Graph.AddMember(ctx, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{ada.ID, linus.ID} {
		if _, err := tenant.Graph.CreateTAP(ctx, u, nil); err != nil {
			t.Fatal(err)
		}
	}
	holders = []string{ada.ID, linus.ID}
	sort.Strings(holders)
	return team.ID, holders
}

func listPasses(t *testing.T, server protocolServer, groupID string, includeResource bool, limit int64) []tfprotov6.ListResourceResult {
	t.Helper()
	schema := server.schemas.ListResourceSchemas["entra_temporary_access_pass"]
	if schema == nil {
		t.Fatal("no list resource schema")
	}
	config := objectValue(t, schema.ValueType(), map[string]tftypes.Value{"group_id": tftypes.NewValue(tftypes.String, groupID)})
	// An interface of our own: the one terraform-plugin-go names is deprecated while its methods move.
	lister, ok := server.ProviderServer.(interface {
		ListResource(context.Context, *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error)
	})
	if !ok {
		t.Fatal("the provider server does not serve list resources")
	}
	stream, err := lister.ListResource(context.Background(), &tfprotov6.ListResourceRequest{
		TypeName: "entra_temporary_access_pass", Config: &config, IncludeResource: includeResource, Limit: limit,
	})
	if err != nil {
		t.Fatal(err)
	}
	var results []tfprotov6.ListResourceResult
	for r := range stream.Results {
		failOnDiagnostics(t, "list", r.Diagnostics)
		results = append(results, r)
	}
	return results
}

func TestTemporaryAccessPassListResource_protocol(t *testing.T) {
	if !acctestEnabled() {
		t.Skip("needs TF_ACC")
	}
	t.Parallel()
	tenant := acctest.NewTenant(t)
	groupID, holders := groupWithPasses(t, tenant)
	tenant.ClearRequests()
	server := newProtocolServer(t, tenant)

	results := listPasses(t, server, groupID, true, 0)
	if len(results) != 2 {
		t.Fatalf("want the 2 members holding a pass (one through a nested group), got %d", len(results))
	}
	var found []string
	for _, r := range results {
		if r.Identity == nil || r.Resource == nil {
			t.Fatalf("result without identity or resource: %+v", r)
		}
		if !strings.Contains(r.DisplayName, "until") {
			t.Errorf("display name %q should say until when the pass works", r.DisplayName)
		}
		identity, err := r.Identity.IdentityData.Unmarshal(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"user_object_id": tftypes.String, "id": tftypes.String}})
		if err != nil {
			t.Fatal(err)
		}
		var attrs map[string]tftypes.Value
		if err := identity.As(&attrs); err != nil {
			t.Fatal(err)
		}
		var user string
		if err := attrs["user_object_id"].As(&user); err != nil {
			t.Fatal(err)
		}
		found = append(found, user)
	}
	sort.Strings(found)
	if fmt.Sprint(found) != fmt.Sprint(holders) {
		t.Errorf("listed %v, want %v", found, holders)
	}
	if limited := listPasses(t, server, groupID, false, 1); len(limited) != 1 || limited[0].Resource != nil {
		t.Errorf("limit 1 without resources: got %d results", len(limited))
	}
	if c := tenant.Counters(); c.Writes != 0 {
		t.Errorf("listing must not write: %v", c.ByRoute)
	}
}

// The same through `terraform query`, for Terraform 1.14 and later.
func TestAccTemporaryAccessPassListResource_query(t *testing.T) {
	if acctest.IsOpenTofu() {
		t.Skip("list resources are a Terraform 1.14 feature")
	}
	tenant := acctest.NewTenant(t)
	groupID, holders := groupWithPasses(t, tenant)
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{{
			// A .tfquery.hcl file may not hold a terraform block: terraform query takes the provider's source and
			// configuration from the .tf file that this step leaves beside it.
			Config: tenant.ProviderBlock(),
		}, {
			Query: true,
			Config: fmt.Sprintf(`
list "entra_temporary_access_pass" "cohort" {
  provider = entra
  config {
    group_id = %q
  }
}
`, groupID),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectIdentity("entra_temporary_access_pass.cohort", map[string]knownvalue.Check{
					"user_object_id": knownvalue.StringExact(holders[0]), "id": knownvalue.NotNull(),
				}),
				querycheck.ExpectLength("entra_temporary_access_pass.cohort", 2),
			},
		}},
	})
}
