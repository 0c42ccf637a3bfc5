package provider

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// Every way of signing in, end to end against the emulator's token side. Secrets go through files or
// the environment, as in a pipeline, never through the configuration.

// readsPolicyAs is a configuration that signs in with the given settings and reads the policy.
func readsPolicyAs(tenant *acctest.Tenant, settings string) resource.TestCase {
	return resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(fmt.Sprintf(`
provider "entra" {
  alias     = "under_test"
  tenant_id = %q
  # No client secret: only the method under test may sign in.
  client_secret_file_path = "/dev/null"
%s
}

data "entra_temporary_access_pass_policy" "this" {
  provider = entra.under_test
}
`, tenant.TenantID, settings)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.entra_temporary_access_pass_policy.this", tfjsonpath.New("id"), knownvalue.StringExact("TemporaryAccessPass")),
			},
		}},
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAccAuth_clientCertificate(t *testing.T) {
	tenant := acctest.NewTenant(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "terraform-provider-entra tests"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	app, err := acctest.Control().CreateApp(context.Background(), tenant.TenantID, control.App{
		CertificatePEM: string(certPEM), Roles: []string{"Policy.Read.AuthenticationMethod"},
	})
	if err != nil {
		t.Fatal(err)
	}
	bundle := writeFile(t, "app.pem", string(certPEM)+string(keyPEM))
	acctest.ParallelTest(t, readsPolicyAs(tenant, fmt.Sprintf("client_id = %q\nclient_certificate_path = %q", app.ClientID, bundle)))
}

func TestAccAuth_oidcTokenFile(t *testing.T) {
	tenant := acctest.NewTenant(t)
	token, err := acctest.Control().FederatedToken(context.Background(), "emulator:terraform-cloud-run", "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	acctest.ParallelTest(t, readsPolicyAs(tenant, fmt.Sprintf("use_oidc = true\noidc_token_file_path = %q", writeFile(t, "oidc-token", token))))
}

// The variables GitHub Actions sets for a job with `permissions: id-token: write`.
func TestAccAuth_githubActionsOIDC(t *testing.T) {
	tenant := acctest.NewTenant(t)
	info, err := acctest.Control().Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", info.GitHubRequestToken)
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", info.GitHubTokenURL)
	acctest.Test(t, readsPolicyAs(tenant, "use_oidc = true"))
}

// Azure Pipelines: a service connection id, with System.AccessToken mapped into SYSTEM_ACCESSTOKEN.
func TestAccAuth_azurePipelinesOIDC(t *testing.T) {
	tenant := acctest.NewTenant(t)
	info, err := acctest.Control().Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SYSTEM_ACCESSTOKEN", info.GitHubRequestToken)
	t.Setenv("SYSTEM_OIDCREQUESTURI", info.ADOTokenURL)
	acctest.Test(t, readsPolicyAs(tenant, `use_oidc = true
ado_pipeline_service_connection_id = "emulator"`))
}

// App Service style managed identity (IDENTITY_ENDPOINT and IDENTITY_HEADER).
func TestAccAuth_managedIdentity(t *testing.T) {
	tenant := acctest.NewTenant(t)
	info, err := acctest.Control().Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("IDENTITY_ENDPOINT", acctest.Emulator().URL()+"/_emulator/tenants/"+tenant.TenantID+"/msi/token")
	t.Setenv("IDENTITY_HEADER", info.MSIHeader)
	acctest.Test(t, readsPolicyAs(tenant, "use_msi = true"))
}

// The Azure CLI: a stand-in `az` on PATH prints what `az account get-access-token -o json` prints.
func TestAccAuth_azureCLI(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tok, err := acctest.Control().CLIToken(context.Background(), tenant.TenantID, acctest.Emulator().URL())
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	script := "#!/bin/sh\ncat <<'EOF'\n" + string(out) + "\nEOF\n"
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	acctest.Test(t, readsPolicyAs(tenant, "use_cli = true"))
}

// When nothing works, the error lists what was tried and what to check.
func TestAccAuth_nothingWorksListsWhatWasTried(t *testing.T) {
	tenant := acctest.NewTenant(t)
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	tc := readsPolicyAs(tenant, "use_cli = true")
	tc.Steps[0].ConfigStateChecks = nil
	tc.Steps[0].ExpectError = outputMatching("Could not sign in to Microsoft Entra ID", "Sign-in methods, in the order they are tried", "Azure CLI", "failed", "az login")
	acctest.Test(t, tc)
}

// AKS workload identity: the webhook injects the client id, tenant id and a projected token file.
func TestAccAuth_aksWorkloadIdentity(t *testing.T) {
	tenant := acctest.NewTenant(t)
	token, err := acctest.Control().FederatedToken(context.Background(), "system:serviceaccount:identity:terraform", "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", writeFile(t, "token", token))
	t.Setenv("AZURE_CLIENT_ID", os.Getenv("ARM_CLIENT_ID"))
	t.Setenv("AZURE_TENANT_ID", tenant.TenantID)
	acctest.Test(t, readsPolicyAs(tenant, "use_aks_workload_identity = true"))
}
