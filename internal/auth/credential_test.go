package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

var graphScope = policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}}

func TestConfigValidateNamesTheSettingAndVariable(t *testing.T) {
	t.Setenv("SYSTEM_OIDCREQUESTURI", "https://dev.azure.com/org/_apis/oidc")
	tests := []struct {
		cfg          Config
		setting, env string
	}{
		{Config{ClientID: "c", ClientSecret: "s"}, "tenant_id", "ARM_TENANT_ID"},
		{Config{TenantID: "t", ClientSecret: "s"}, "client_id", "ARM_CLIENT_ID"},
		{Config{TenantID: "t", ClientID: "c", UseOIDC: true}, "oidc_token", "ARM_OIDC_TOKEN"},
		{Config{TenantID: "t", ClientID: "c", UseOIDC: true, OIDCToken: "x", ADOPipelineServiceConnectionID: "sc"}, "oidc_request_token", "SYSTEM_ACCESSTOKEN"},
		// AzurePipelinesCredential reads the URL from SYSTEM_OIDCREQUESTURI; a different configured URL would be ignored.
		{Config{TenantID: "t", ClientID: "c", UseOIDC: true, OIDCRequestToken: "r", OIDCRequestURL: "https://elsewhere.example/oidc", ADOPipelineServiceConnectionID: "sc"},
			"oidc_request_url", "SYSTEM_OIDCREQUESTURI"},
	}
	for _, tt := range tests {
		_, err := NewCredential(tt.cfg)
		var se *SettingError
		if !errors.As(err, &se) || se.Setting != tt.setting || !strings.Contains(err.Error(), tt.env) {
			t.Errorf("%+v: got %v, want an error naming %s and %s", tt.cfg, err, tt.setting, tt.env)
		}
	}
	if _, err := NewCredential(Config{}); !errors.Is(err, ErrNoSource) {
		t.Errorf("no method at all: got %v, want ErrNoSource", err)
	}
	ado := Config{TenantID: "t", ClientID: "c", UseOIDC: true, OIDCRequestToken: "r", OIDCRequestURL: "https://dev.azure.com/org/_apis/oidc", ADOPipelineServiceConnectionID: "sc"}
	if _, err := NewCredential(ado); err != nil {
		t.Errorf("Azure Pipelines with the agent's URL: %v", err)
	}
}

// With HCP Terraform's dynamic credentials on, a missing token or client id points at what HCP Terraform
// provides for default and aliased provider configurations.
func TestConfigValidateHCPTerraformHint(t *testing.T) {
	for _, cfg := range []Config{
		{TenantID: "t", ClientID: "c", UseOIDC: true, HCPDynamicCredentials: true},
		{TenantID: "t", UseOIDC: true, OIDCTokenFilePath: "/x", HCPDynamicCredentials: true},
	} {
		_, err := NewCredential(cfg)
		if err == nil || !strings.Contains(err.Error(), "TFC_AZURE_PROVIDER_AUTH") || !strings.Contains(err.Error(), "tfc_azure_dynamic_credentials.aliases") {
			t.Errorf("%+v: got %v", cfg, err)
		}
	}
	if _, err := NewCredential(Config{TenantID: "t", ClientID: "c", UseOIDC: true}); err == nil || strings.Contains(err.Error(), "TFC_") {
		t.Errorf("without HCP Terraform the hint must not appear: %v", err)
	}
}

func TestCredentialSourcesInOrder(t *testing.T) {
	cred, err := NewCredential(Config{TenantID: "t", ClientID: "c", ClientSecret: "s", UseOIDC: true, OIDCToken: "x", UseMSI: true, UseCLI: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cred.SourceNames(), ", "); got != "client secret, OIDC federated credential, managed identity, Azure CLI" {
		t.Errorf("sources = %s", got)
	}
}

// fakeSource answers with err (nil: a token) and counts its calls.
type fakeSource struct {
	err   error
	calls atomic.Int32
}

func (f *fakeSource) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.calls.Add(1)
	if f.err != nil {
		return azcore.AccessToken{}, f.err
	}
	return azcore.AccessToken{Token: "t", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func chainOf(t *testing.T, fakes ...*fakeSource) *Credential {
	t.Helper()
	names := []string{"client secret", "managed identity", "Azure CLI"}
	if len(fakes) == 2 {
		names = []string{"client secret", "Azure CLI"}
	}
	var sources []Source
	for i, f := range fakes {
		sources = append(sources, Source{Name: names[i], Settings: "s" + fmt.Sprint(i), cred: f})
	}
	c, err := newChain(sources, "https://login.example/")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The semantics the documentation states, on azidentity's ChainedTokenCredential itself.
func TestChainStopsAtTheFirstFailureAndPassesOnOnlyWhenUnavailable(t *testing.T) {
	t.Run("failure ends the sign-in", func(t *testing.T) {
		secret := &fakeSource{err: errors.New("AADSTS7000215: Invalid client secret provided.")}
		cli := &fakeSource{}
		_, err := chainOf(t, secret, cli).GetToken(context.Background(), graphScope)
		if err == nil {
			t.Fatal("the chain fell back to the Azure CLI after a failing client secret")
		}
		if cli.calls.Load() != 0 {
			t.Error("the Azure CLI was asked after the client secret failed")
		}
		msg := err.Error()
		for _, want := range []string{"1. client secret (s0): failed", "AADSTS7000215", "2. Azure CLI (s1): not tried", "client secret is wrong or expired"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
	})
	t.Run("unavailable passes on", func(t *testing.T) {
		msi := &fakeSource{err: azidentity.NewCredentialUnavailableError("no managed identity endpoint")}
		cli := &fakeSource{}
		c := chainOf(t, &fakeSource{err: azidentity.NewCredentialUnavailableError("x")}, msi, cli)
		if _, err := c.GetToken(context.Background(), graphScope); err != nil {
			t.Fatal(err)
		}
		if cli.calls.Load() != 1 {
			t.Errorf("Azure CLI calls = %d, want 1", cli.calls.Load())
		}
	})
	t.Run("all unavailable", func(t *testing.T) {
		c := chainOf(t, &fakeSource{err: azidentity.NewCredentialUnavailableError("no endpoint")}, &fakeSource{err: azidentity.NewCredentialUnavailableError("az: not found")})
		_, err := c.GetToken(context.Background(), graphScope)
		if err == nil || !strings.Contains(err.Error(), "1. client secret (s0): unavailable, passed on to the next method") ||
			!strings.Contains(err.Error(), "2. Azure CLI (s1): unavailable\n") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("the method that signed in is kept", func(t *testing.T) {
		first := &fakeSource{err: azidentity.NewCredentialUnavailableError("not yet")}
		second := &fakeSource{}
		c := chainOf(t, first, second)
		if _, err := c.GetToken(context.Background(), graphScope); err != nil {
			t.Fatal(err)
		}
		first.err = nil // would work now, but the chain keeps to the method that signed in
		second.err = errors.New("refresh failed")
		_, err := c.GetToken(context.Background(), graphScope)
		if first.calls.Load() != 1 || err == nil {
			t.Fatalf("first calls = %d, err = %v", first.calls.Load(), err)
		}
		if !strings.Contains(err.Error(), "keeps to the method that signed in first") {
			t.Errorf("got %v", err)
		}
	})
}

// A managed identity that the instance metadata endpoint reports as absent is "unavailable": the chain
// goes on to the Azure CLI. This is the one way a configured method passes on to the next.
func TestManagedIdentityAbsentPassesOnToTheCLI(t *testing.T) {
	for _, v := range []string{"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT", "IDENTITY_SERVER_THUMBPRINT"} {
		t.Setenv(v, "")
		_ = os.Unsetenv(v)
	}
	var imdsCalls atomic.Int32
	imds := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host != "169.254.169.254" {
			return nil, fmt.Errorf("unexpected request to %s", r.URL.Host)
		}
		imdsCalls.Add(1)
		// What IMDS answers on a VM without a system-assigned identity.
		return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
			Body: io.NopCloser(strings.NewReader(`{"error":"invalid_request","error_description":"Identity not found"}`))}, nil
	})
	fakeAz(t, `{"accessToken":"cli-token","expires_on":`+fmt.Sprint(time.Now().Add(time.Hour).Unix())+`,"tokenType":"Bearer"}`, "")

	cred, err := NewCredential(Config{UseMSI: true, UseCLI: true, HTTPClient: &http.Client{Transport: imds}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), graphScope)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token != "cli-token" || imdsCalls.Load() == 0 {
		t.Errorf("token %q after %d IMDS calls; want the CLI's after asking IMDS", tok.Token, imdsCalls.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fakeAz puts an `az` on PATH that prints out (and exits 0) or prints errOut to stderr (and exits 1).
func fakeAz(t *testing.T, out, errOut string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\ncat <<'EOF'\n" + out + "\nEOF\n"
	if errOut != "" {
		script = "#!/bin/sh\necho \"" + errOut + "\" >&2\nexit 1\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// A sign-in host whose certificate is not trusted: the error is about trust (authority_host,
// SSL_CERT_FILE, SSL_CERT_DIR), not about secrets or tenant ids, and it is not retried.
func TestUntrustedSignInHostNamesTheTrustSettings(t *testing.T) {
	var handshakes atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("a request got through an untrusted TLS connection")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			handshakes.Add(1)
		}
	}
	srv.StartTLS() // its certificate authority is httptest's own, which this process does not trust
	defer srv.Close()

	cred, err := NewCredential(Config{TenantID: "00000000-0000-0000-0000-000000000001", ClientID: "c", ClientSecret: "not-the-secret-xyz",
		AuthorityHost: srv.URL + "/", DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = cred.GetToken(context.Background(), graphScope)
	if err == nil {
		t.Fatal("signed in through an untrusted certificate")
	}
	var ae *Error
	if !errors.As(err, &ae) || ae.Trust == nil {
		t.Fatalf("want an *Error with the trust failure, got %T: %v", err, err)
	}
	msg := err.Error()
	for _, want := range []string{"TLS trust problem", "authority_host", "SSL_CERT_FILE", "SSL_CERT_DIR", "certificate signed by unknown authority"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, unwanted := range []string{"Check tenant_id", "client secret is wrong", "not-the-secret-xyz"} {
		if strings.Contains(msg, unwanted) {
			t.Errorf("error contains %q:\n%s", unwanted, msg)
		}
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second || handshakes.Load() > 1 {
		t.Errorf("the untrusted certificate was retried: %d connections in %s", handshakes.Load(), elapsed)
	}
}

func TestGitHubActionsTokenRequest(t *testing.T) {
	var seen []string
	ci := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.RawQuery)
		if r.Header.Get("Authorization") != "Bearer request-token" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"bad token request-token-echo"}`))
			return
		}
		_, _ = w.Write([]byte(`{"count":1,"value":"github-id-token"}`))
	}))
	defer ci.Close()

	github := Config{OIDCRequestToken: "request-token", OIDCRequestURL: ci.URL + "/token?api-version=2.0"}
	if tok, err := github.oidcAssertion(context.Background()); err != nil || tok != "github-id-token" {
		t.Errorf("GitHub: %q, %v", tok, err)
	}
	if len(seen) != 1 || !strings.HasPrefix(seen[0], "GET ") || !strings.Contains(seen[0], "audience=api%3A%2F%2FAzureADTokenExchange") {
		t.Errorf("requests = %q", seen)
	}

	wrong := Config{OIDCRequestToken: "stale", OIDCRequestURL: ci.URL}
	_, err := wrong.oidcAssertion(context.Background())
	if err == nil || !strings.Contains(err.Error(), "id-token: write") {
		t.Fatalf("a refused request must say what to check, got %v", err)
	}
	if strings.Contains(err.Error(), "stale") || strings.Contains(err.Error(), "request-token") {
		t.Errorf("the error must not repeat the request token or the answer: %v", err)
	}
}

// An Azure CLI that is not installed is unavailable; as the last method, its report ends the sign-in.
func TestAzureCLINotInstalledIsUnavailable(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	cred, err := NewCredential(Config{UseCLI: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.GetToken(context.Background(), graphScope)
	if err == nil || !strings.Contains(err.Error(), "1. Azure CLI (use_cli / ARM_USE_CLI (az login)): unavailable\n") ||
		!strings.Contains(err.Error(), "executable not found on path") {
		t.Errorf("got %v", err)
	}
}
