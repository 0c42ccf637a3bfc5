package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
)

// The order of the sign-in methods and when the provider goes on to the next one, end to end: these tests
// back the "How the provider chooses a method" section of docs/index.md.

// outputMatching matches phrases in order in the CLI's output, where a long line of a diagnostic may be
// wrapped and framed ("│ ") between any two words.
func outputMatching(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `[\s│]+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// workingAzureCLI puts an `az` on PATH that signs in to the tenant, and returns a function that reports
// whether it was run.
func workingAzureCLI(t *testing.T, tenant *acctest.Tenant) (ran func() bool) {
	t.Helper()
	tok, err := acctest.Control().CLIToken(context.Background(), tenant.TenantID, acctest.Emulator().URL())
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	marker := filepath.Join(bin, "az-was-run")
	script := fmt.Sprintf("#!/bin/sh\ntouch %q\ncat <<'EOF'\n%s\nEOF\n", marker, out)
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() bool {
		_, err := os.Stat(marker)
		return err == nil
	}
}

// readsPolicyWith is a configuration whose only provider block has the given settings (and the tenant),
// reading the policy; secrets come from the environment.
func readsPolicyWith(tenant *acctest.Tenant, settings string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    entra = {
      source = %q
    }
  }
}

provider "entra" {
  tenant_id = %q
%s
}

data "entra_temporary_access_pass_policy" "this" {}
`, acctest.ProviderSource, tenant.TenantID, settings)
}

var readsThePolicy = []statecheck.StateCheck{
	statecheck.ExpectKnownValue("data.entra_temporary_access_pass_policy.this", tfjsonpath.New("id"), knownvalue.StringExact("TemporaryAccessPass")),
}

// A client secret that is configured but wrong ends the sign-in with Entra's AADSTS error: the provider
// does not fall back to the Azure CLI, whose account may be a different, more privileged identity.
func TestAccAuth_wrongSecretDoesNotFallBackToTheCLI(t *testing.T) {
	tenant := acctest.NewTenant(t)
	cliRan := workingAzureCLI(t, tenant)
	t.Setenv("ARM_CLIENT_SECRET", "not-the-secret-of-this-app")
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: readsPolicyWith(tenant, "use_cli = true"),
			ExpectError: outputMatching("Could not sign in to Microsoft Entra ID",
				"1. client secret", "failed", "AADSTS7000215",
				"2. Azure CLI", "not tried",
				"client secret is wrong or expired"),
		}},
	})
	if cliRan() {
		t.Error("the Azure CLI was run although the client secret had failed")
	}
}

// A method that is not configured is not in the chain: with no client secret at all, the Azure CLI signs in.
func TestAccAuth_noSecretUsesTheCLI(t *testing.T) {
	tenant := acctest.NewTenant(t)
	cliRan := workingAzureCLI(t, tenant)
	t.Setenv("ARM_CLIENT_SECRET", "")
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps:                    []resource.TestStep{{Config: readsPolicyWith(tenant, "use_cli = true"), ConfigStateChecks: readsThePolicy}},
	})
	if !cliRan() {
		t.Error("the Azure CLI was not run")
	}
}

// An OIDC token that no federated credential of the app accepts ends the sign-in too (AADSTS70021), before
// the Azure CLI.
func TestAccAuth_rejectedOIDCTokenDoesNotFallBackToTheCLI(t *testing.T) {
	tenant := acctest.NewTenant(t)
	cliRan := workingAzureCLI(t, tenant)
	t.Setenv("ARM_CLIENT_SECRET", "")
	token, err := acctest.Control().FederatedToken(context.Background(), "repo:someone-else/elsewhere:ref:refs/heads/main", "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ARM_OIDC_TOKEN", token)
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: readsPolicyWith(tenant, "use_oidc = true\nuse_cli = true"),
			ExpectError: outputMatching("Could not sign in to Microsoft Entra ID",
				"OIDC federated credential", "failed", "AADSTS70021", "Azure CLI", "not tried", "federated credential"),
		}},
	})
	if cliRan() {
		t.Error("the Azure CLI was run although the OIDC token had been rejected")
	}
}

// A managed identity endpoint that answers with an error ends the sign-in: only an instance metadata
// endpoint that reports no identity counts as unavailable (internal/auth TestManagedIdentityAbsentPassesOnToTheCLI).
func TestAccAuth_refusingManagedIdentityDoesNotFallBackToTheCLI(t *testing.T) {
	tenant := acctest.NewTenant(t)
	cliRan := workingAzureCLI(t, tenant)
	t.Setenv("ARM_CLIENT_SECRET", "")
	t.Setenv("IDENTITY_ENDPOINT", acctest.Emulator().URL()+"/_emulator/tenants/"+tenant.TenantID+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "not-the-identity-header")
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      readsPolicyWith(tenant, "use_msi = true\nuse_cli = true"),
			ExpectError: outputMatching("Could not sign in to Microsoft Entra ID", "managed identity", "failed", "Azure CLI", "not tried"),
		}},
	})
	if cliRan() {
		t.Error("the Azure CLI was run although the managed identity had failed")
	}
}

// A sign-in host whose certificate authority is not trusted: the error names the trust settings
// (authority_host, SSL_CERT_FILE, SSL_CERT_DIR) and gives no advice about secrets or tenant ids.
func TestAccAuth_untrustedSignInHostNamesTheTrustSettings(t *testing.T) {
	tenant := acctest.NewTenant(t)
	// httptest's certificate authority is not in SSL_CERT_FILE (the emulator's bundle), so this host is untrusted.
	untrusted := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("a sign-in request went through an untrusted TLS connection")
	}))
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0)
	untrusted.StartTLS()
	defer untrusted.Close()
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: readsPolicyWith(tenant, fmt.Sprintf("authority_host = %q", untrusted.URL)),
			// That the advice about secrets and tenant ids is absent is checked in internal/auth TestUntrustedSignInHostNamesTheTrustSettings.
			ExpectError: outputMatching("Could not reach the Microsoft Entra token endpoint", "client secret",
				"certificate signed by unknown authority", "not trusted", "authority_host", "SSL_CERT_FILE", "SSL_CERT_DIR"),
		}},
	})
}
