package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/acctest/consumers"
)

func TestMain(m *testing.M) { acctest.Main(m) }

// protoV6ProviderFactories serves the provider in-process to the CLI under test.
var protoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"entra": providerserver.NewProtocol6WithError(New("test")()),
}

// protoV6ProviderFactoriesWithConsumers adds the write-only consumers azurerm and vault (package consumers).
var protoV6ProviderFactoriesWithConsumers = func() map[string]func() (tfprotov6.ProviderServer, error) {
	f := consumers.Factories()
	f["entra"] = providerserver.NewProtocol6WithError(New("test")())
	return f
}()

// protoV6ProviderFactoriesWithEcho adds the echo provider, an ephemeral-value consumer.
var protoV6ProviderFactoriesWithEcho = map[string]func() (tfprotov6.ProviderServer, error){
	"entra": providerserver.NewProtocol6WithError(New("test")()),
	"echo":  echoprovider.NewProviderServer(),
}

func TestProviderSchemaIsValid(t *testing.T) {
	server, err := protoV6ProviderFactories["entra"]()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("schema diagnostic: %s: %s", d.Summary, d.Detail)
	}
}

func TestAccProvider_wrongClientSecretFailsPlanClearly(t *testing.T) {
	tenant := acctest.NewTenant(t)
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.ProviderBlock() + `
provider "entra" {
  alias         = "wrong"
  tenant_id     = "` + tenant.TenantID + `"
  client_secret = "not-the-secret"
}
data "entra_temporary_access_pass_policy" "this" {
  provider = entra.wrong
}
`,
			ExpectError: regexp.MustCompile(`(?s)Could not sign in to Microsoft Entra ID.*client secret.*AADSTS7000215`),
		}},
	})
}

func TestAccProvider_missingTenantIDNamesTheSetting(t *testing.T) {
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
terraform {
  required_providers {
    entra = { source = "` + acctest.ProviderSource + `" }
  }
}
provider "entra" {}
data "entra_temporary_access_pass_policy" "this" {}
`,
			ExpectError: regexp.MustCompile("(?s)`tenant_id` is required.*ARM_TENANT_ID"),
		}},
	})
}
