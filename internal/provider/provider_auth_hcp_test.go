package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// HCP Terraform's Azure dynamic provider credentials, with the environment HCP Terraform documents
// (developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/azure-configuration):
//
//   - workspace variables: TFC_AZURE_PROVIDER_AUTH=true, TFC_AZURE_RUN_CLIENT_ID or TFC_AZURE_PLAN_CLIENT_ID and
//     TFC_AZURE_APPLY_CLIENT_ID, and ARM_TENANT_ID;
//   - what HCP Terraform then sets for the default provider configuration, per run phase: ARM_CLIENT_ID (the
//     phase's client id), ARM_USE_OIDC=true and ARM_OIDC_TOKEN (the phase's workload identity token, audience
//     api://AzureADTokenExchange, subject organization:<org>:project:<project>:workspace:<ws>:run_phase:<phase>);
//     the page tells users not to set these three themselves;
//   - for other configurations, the Terraform variable tfc_azure_dynamic_credentials with a client id file
//     and a token file for the default configuration and for each tagged alias.
//
// HCP Terraform sets no client secret and has no Azure CLI, so neither is set here.

const hcpWorkspaceSubject = "organization:entra-tap:project:Default Project:workspace:entra-passes:run_phase:"

func hcpTerraformToken(t *testing.T, phase string) string {
	t.Helper()
	tok, err := acctest.Control().FederatedToken(context.Background(), hcpWorkspaceSubject+phase, "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// hcpTerraformRun clears what the test environment sets that an HCP Terraform run would not have.
func hcpTerraformRun(t *testing.T) {
	t.Setenv("ARM_CLIENT_SECRET", "")
	t.Setenv("ARM_USE_CLI", "")
	t.Setenv("TFC_AZURE_PROVIDER_AUTH", "true")
}

// A plan phase with a read-only identity and an apply phase with the writing one, each signing in with the
// token HCP Terraform injects: the provider block names only what the workspace would.
func TestAccAuth_hcpTerraformDynamicCredentials(t *testing.T) {
	tenant := acctest.NewTenant(t)
	ctx := context.Background()
	planApp, err := acctest.Control().CreateApp(ctx, tenant.TenantID, control.App{
		Roles: []string{"Policy.Read.AuthenticationMethod"}, FederatedSubjects: []string{hcpWorkspaceSubject + "plan"},
	})
	if err != nil {
		t.Fatal(err)
	}
	applyApp, err := acctest.Control().CreateApp(ctx, tenant.TenantID, control.App{
		Roles: []string{"Policy.ReadWrite.AuthenticationMethod"}, FederatedSubjects: []string{hcpWorkspaceSubject + "apply"},
	})
	if err != nil {
		t.Fatal(err)
	}
	hcpTerraformRun(t)
	t.Setenv("TFC_AZURE_PLAN_CLIENT_ID", planApp.ClientID)
	t.Setenv("TFC_AZURE_APPLY_CLIENT_ID", applyApp.ClientID)
	t.Setenv("ARM_TENANT_ID", tenant.TenantID)
	t.Setenv("ARM_USE_OIDC", "true")
	phase := func(name, clientID string) func() {
		return func() {
			t.Setenv("ARM_CLIENT_ID", clientID)
			t.Setenv("ARM_OIDC_TOKEN", hcpTerraformToken(t, name))
		}
	}

	config := fmt.Sprintf(`
terraform {
  required_providers {
    entra = {
      source = %q
    }
  }
}

provider "entra" {}

resource "entra_temporary_access_pass_policy" "this" {
  enabled         = true
  include_targets = [{ id = "all_users", target_type = "group" }]
}

data "entra_temporary_access_pass_policy" "current" {}
`, acctest.ProviderSource)
	const policy = "entra_temporary_access_pass_policy.this"
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{ // plan phase: the read-only identity plans the change
				PreConfig: phase("plan", planApp.ClientID), Config: config, PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(policy, plancheck.ResourceActionCreate),
					noRefusedOrWriteRequests{tenant},
				}},
			},
			{ // apply phase: the writing identity applies it
				PreConfig: phase("apply", applyApp.ClientID), Config: config,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(policy, tfjsonpath.New("enabled"), knownvalue.Bool(true))},
			},
			{ // the next plan phase: the read-only identity refreshes and finds nothing to change
				PreConfig: phase("plan", planApp.ClientID), Config: config, PlanOnly: true,
			},
			{ // an apply phase again, so that the test's closing destroy runs as the writing identity
				PreConfig: phase("apply", applyApp.ClientID), Config: config,
			},
		},
	})
	if failed := tenant.FailedRequests(); len(failed) > 0 {
		t.Errorf("requests refused: %+v", failed)
	}
}

// The same with one identity for both phases (TFC_AZURE_RUN_CLIENT_ID).
func TestAccAuth_hcpTerraformRunClientID(t *testing.T) {
	tenant := acctest.NewTenant(t)
	app, err := acctest.Control().CreateApp(context.Background(), tenant.TenantID, control.App{
		Roles: []string{"Policy.Read.AuthenticationMethod"}, FederatedSubjects: []string{hcpWorkspaceSubject + "plan", hcpWorkspaceSubject + "apply"},
	})
	if err != nil {
		t.Fatal(err)
	}
	hcpTerraformRun(t)
	t.Setenv("TFC_AZURE_RUN_CLIENT_ID", app.ClientID)
	t.Setenv("ARM_TENANT_ID", tenant.TenantID)
	t.Setenv("ARM_CLIENT_ID", app.ClientID)
	t.Setenv("ARM_USE_OIDC", "true")
	t.Setenv("ARM_OIDC_TOKEN", hcpTerraformToken(t, "apply"))
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
terraform {
  required_providers {
    entra = {
      source = %q
    }
  }
}

provider "entra" {}

data "entra_temporary_access_pass_policy" "this" {}
`, acctest.ProviderSource),
			ConfigStateChecks: readsThePolicy,
		}},
	})
}

// Several provider configurations: HCP Terraform writes a client id file and a token file per
// configuration and passes their paths in var.tfc_azure_dynamic_credentials; each provider block names its
// own, as the HCP Terraform page shows for azurerm and azuread. The alias signs in to another tenant as
// another app, so it can only succeed with its own files, even with the default configuration's
// ARM_CLIENT_ID and ARM_OIDC_TOKEN in the environment.
func TestAccAuth_hcpTerraformAliasedConfigurations(t *testing.T) {
	ctx := context.Background()
	defaultTenant, aliasTenant := acctest.NewTenant(t), acctest.NewTenant(t)
	aliasTenant.EnableTAP(nil) // so the two data sources differ
	defaultApp, err := acctest.Control().CreateApp(ctx, defaultTenant.TenantID, control.App{
		Roles: []string{"Policy.Read.AuthenticationMethod"}, FederatedSubjects: []string{hcpWorkspaceSubject + "apply"},
	})
	if err != nil {
		t.Fatal(err)
	}
	aliasApp, err := acctest.Control().CreateApp(ctx, aliasTenant.TenantID, control.App{
		Roles: []string{"Policy.Read.AuthenticationMethod"}, FederatedSubjects: []string{hcpWorkspaceSubject + "apply"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Each configuration gets a token of its own, for the same workspace and run phase.
	defaultToken, aliasToken := hcpTerraformToken(t, "apply"), hcpTerraformToken(t, "apply")

	hcpTerraformRun(t)
	t.Setenv("TFC_AZURE_RUN_CLIENT_ID", defaultApp.ClientID)
	t.Setenv("TFC_AZURE_PROVIDER_AUTH_ALIAS1", "true")
	t.Setenv("TFC_AZURE_RUN_CLIENT_ID_ALIAS1", aliasApp.ClientID)
	t.Setenv("ARM_CLIENT_ID", defaultApp.ClientID)
	t.Setenv("ARM_USE_OIDC", "true")
	t.Setenv("ARM_OIDC_TOKEN", defaultToken)
	t.Setenv("TF_VAR_tfc_azure_dynamic_credentials", fmt.Sprintf(`{
  default = { client_id_file_path = %q, oidc_token_file_path = %q }
  aliases = { ALIAS1 = { client_id_file_path = %q, oidc_token_file_path = %q } }
}`, writeFile(t, "client-id", defaultApp.ClientID), writeFile(t, "token", defaultToken),
		writeFile(t, "alias1-client-id", aliasApp.ClientID), writeFile(t, "alias1-token", aliasToken)))

	// Both provider blocks are in every configuration, as in the workspace. Each step reads through one of
	// them: an in-process provider (terraform-plugin-testing's reattach mode) is one plugin server for every
	// configuration of the provider, so two configurations used in one run would share the last one's
	// sign-in; Terraform skips a configuration that nothing uses.
	config := func(body string) string {
		return fmt.Sprintf(`
terraform {
  required_providers {
    entra = {
      source = %q
    }
  }
}

variable "tfc_azure_dynamic_credentials" {
  description = "Object containing Azure dynamic credentials configuration"
  type = object({
    default = object({
      client_id_file_path  = string
      oidc_token_file_path = string
    })
    aliases = map(object({
      client_id_file_path  = string
      oidc_token_file_path = string
    }))
  })
}

provider "entra" {
  use_cli              = false
  use_oidc             = true
  client_id_file_path  = var.tfc_azure_dynamic_credentials.default.client_id_file_path
  oidc_token_file_path = var.tfc_azure_dynamic_credentials.default.oidc_token_file_path
  tenant_id            = %q
}

provider "entra" {
  alias                = "ALIAS1"
  use_cli              = false
  use_oidc             = true
  client_id_file_path  = var.tfc_azure_dynamic_credentials.aliases["ALIAS1"].client_id_file_path
  oidc_token_file_path = var.tfc_azure_dynamic_credentials.aliases["ALIAS1"].oidc_token_file_path
  tenant_id            = %q
}
%s`, acctest.ProviderSource, defaultTenant.TenantID, aliasTenant.TenantID, body)
	}
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(`data "entra_temporary_access_pass_policy" "default" {}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.entra_temporary_access_pass_policy.default", tfjsonpath.New("enabled"), knownvalue.Bool(false)),
				},
			},
			{
				Config: config(`
data "entra_temporary_access_pass_policy" "alias" {
  provider = entra.ALIAS1
}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.entra_temporary_access_pass_policy.alias", tfjsonpath.New("enabled"), knownvalue.Bool(true)),
				},
			},
		},
	})
}

// The provider block beats the environment for a setting given as a value or a file: an
// oidc_token_file_path in the block is used even when ARM_OIDC_TOKEN holds another token (here one that
// no federated credential accepts).
func TestAccAuth_blockTokenFileBeatsEnvironmentToken(t *testing.T) {
	tenant := acctest.NewTenant(t)
	rejected, err := acctest.Control().FederatedToken(context.Background(), "repo:someone-else/elsewhere:ref:refs/heads/main", "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	accepted, err := acctest.Control().FederatedToken(context.Background(), "emulator:block-token-file", "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ARM_CLIENT_SECRET", "")
	t.Setenv("ARM_OIDC_TOKEN", rejected)
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            readsPolicyWith(tenant, fmt.Sprintf("use_oidc = true\noidc_token_file_path = %q", writeFile(t, "token", accepted))),
			ConfigStateChecks: readsThePolicy,
		}},
	})
}

// Spacelift: the run's token is in /mnt/workspace/spacelift.oidc (and SPACELIFT_OIDC_TOKEN); the stack sets
// ARM_USE_OIDC, ARM_TENANT_ID, ARM_CLIENT_ID and ARM_OIDC_TOKEN_FILE_PATH, and the provider block names nothing.
func TestAccAuth_spaceliftTokenFileFromTheEnvironment(t *testing.T) {
	tenant := acctest.NewTenant(t)
	const subject = "space:legacy:stack:entra-passes:run_type:TRACKED:scope:write"
	app, err := acctest.Control().CreateApp(context.Background(), tenant.TenantID, control.App{
		Roles: []string{"Policy.Read.AuthenticationMethod"}, FederatedSubjects: []string{subject},
	})
	if err != nil {
		t.Fatal(err)
	}
	token, err := acctest.Control().FederatedToken(context.Background(), subject, "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ARM_CLIENT_SECRET", "")
	t.Setenv("SPACELIFT_OIDC_TOKEN", token)
	t.Setenv("ARM_USE_OIDC", "true")
	t.Setenv("ARM_TENANT_ID", tenant.TenantID)
	t.Setenv("ARM_CLIENT_ID", app.ClientID)
	t.Setenv("ARM_OIDC_TOKEN_FILE_PATH", writeFile(t, "spacelift.oidc", token))
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
terraform {
  required_providers {
    entra = {
      source = %q
    }
  }
}

provider "entra" {}

data "entra_temporary_access_pass_policy" "this" {}
`, acctest.ProviderSource),
			ConfigStateChecks: readsThePolicy,
		}},
	})
}
