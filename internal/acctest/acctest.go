// Package acctest runs acceptance tests against the local emulated tenant: it starts the emulator once per
// test binary, points the provider at it the way a sovereign cloud is configured (endpoint and authority
// settings plus a trusted CA), and gives every test a tenant of its own so tests run in parallel.
package acctest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// ProviderSource is the provider's full registry address. OpenTofu expands a short source to its own
// registry, so configurations that must work on both CLIs name the provider in full.
const ProviderSource = "registry.terraform.io/entra-tap/entra"

// ProviderNamespace is the registry namespace terraform-plugin-testing reattaches the provider under.
const ProviderNamespace = "entra-tap"

var shared struct {
	emu     *emulator.Emulator
	control *control.Client
}

// Main is TestMain for packages that talk to the emulator.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest: starting the emulator:", err)
		return 1
	}
	defer func() { _ = emu.Close() }()
	if err := configureEnvironment(emu); err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	client, err := control.NewHTTPClient(emu.CAFile())
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	shared.emu = emu
	shared.control = control.New(emu.URL(), client)

	if os.Getenv("TF_ACC") == "" || os.Getenv("ENTRA_LEAK_SCAN") == "0" {
		return m.Run()
	}
	return runWithLeakScan(m)
}

// configureEnvironment sets what an operator of a private cloud would set: the endpoints, the CA bundle
// and the app's credentials. The tenant id is left to each test's provider block, so tests stay isolated.
func configureEnvironment(emu *emulator.Emulator) error {
	for _, name := range os.Environ() {
		key, _, _ := strings.Cut(name, "=")
		if strings.HasPrefix(key, "ARM_") || strings.HasPrefix(key, "AZURE_") || strings.HasPrefix(key, "ACTIONS_ID_TOKEN_") ||
			key == "SYSTEM_ACCESSTOKEN" || key == "SYSTEM_OIDCREQUESTURI" || key == "IDENTITY_ENDPOINT" || key == "MSI_ENDPOINT" {
			if err := os.Unsetenv(key); err != nil {
				return err
			}
		}
	}
	def := emu.DefaultTenant()
	journal, err := os.MkdirTemp("", "entra-handover-journal-")
	if err != nil {
		return err
	}
	env := map[string]string{
		// The hand-over journal of the provider processes the tests start, away from the user's own.
		"ENTRA_HANDOVER_JOURNAL_DIR": journal,
		// The provider is served in-process, so the CA must be trusted by this process before any TLS use.
		"SSL_CERT_FILE":                  emu.CABundleFile(),
		"ARM_MSGRAPH_ENDPOINT":           emu.URL(),
		"ARM_AUTHORITY_HOST":             emu.URL() + "/",
		"ARM_DISABLE_INSTANCE_DISCOVERY": "true",
		"ARM_USE_CLI":                    "false",
		"ARM_CLIENT_ID":                  def.ClientID,
		"ARM_CLIENT_SECRET":              def.ClientSecret,
		"TF_ACC_PROVIDER_NAMESPACE":      ProviderNamespace,
		"CHECKPOINT_DISABLE":             "1",
	}
	if path := os.Getenv("TF_CLI_CONFIG_FILE"); path != "" {
		if _, err := os.Stat(path); err != nil {
			// A CLI config that does not exist only makes every command print a warning.
			if err := os.Unsetenv("TF_CLI_CONFIG_FILE"); err != nil {
				return err
			}
		}
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Emulator returns the running emulator (nil outside Main).
func Emulator() *emulator.Emulator { return shared.emu }

// Control returns the emulator's control API client.
func Control() *control.Client { return shared.control }

// Tenant is an emulated tenant owned by one test.
type Tenant struct {
	control.TenantCredentials
	t     testing.TB
	Graph *control.Graph
}

// TenantOption adjusts a tenant for one test.
type TenantOption func(*tenantOptions)

type tenantOptions struct {
	passesInState bool
}

// PassesInState declares that the test stores passes in the state on purpose (the managed
// entra_temporary_access_pass resource). The leak scan then accepts this tenant's passes in state files,
// saved plans and `show -json`, and still fails if they reach a log or the test output.
func PassesInState() TenantOption { return func(o *tenantOptions) { o.passesInState = true } }

// tenantsWithPassesInState holds the tenants created with PassesInState.
var tenantsWithPassesInState sync.Map

// NewTenant creates a fresh tenant (documented default policy, empty directory) and deletes it when the
// test ends.
func NewTenant(t testing.TB, opts ...TenantOption) *Tenant {
	t.Helper()
	var o tenantOptions
	for _, opt := range opts {
		opt(&o)
	}
	if shared.control == nil {
		t.Fatal("acctest: the emulator is not running; call acctest.Main from TestMain")
	}
	creds, err := shared.control.CreateTenant(context.Background(), "")
	if err != nil {
		t.Fatalf("acctest: creating a tenant: %v", err)
	}
	if o.passesInState {
		tenantsWithPassesInState.Store(creds.TenantID, true)
	}
	t.Cleanup(func() {
		_ = shared.control.DeleteTenant(context.Background(), creds.TenantID)
	})
	return &Tenant{TenantCredentials: creds, t: t, Graph: shared.control.Graph(creds)}
}

// ProviderBlock is the terraform and provider blocks for this tenant; everything else comes from the
// environment, as in a pipeline. withEcho also declares the echo provider (terraform-plugin-testing's
// ephemeral-value consumer) under the namespace the tests reattach it with.
func (tn *Tenant) ProviderBlock(withEcho ...bool) string {
	if len(withEcho) > 0 && withEcho[0] {
		return tn.ProviderBlockWith("echo")
	}
	return tn.ProviderBlockWith()
}

// ProviderBlockWith is ProviderBlock declaring other providers served by the tests too: "echo", and the
// write-only consumers "azurerm" and "vault" (package consumers).
func (tn *Tenant) ProviderBlockWith(others ...string) string {
	var extra strings.Builder
	for _, name := range others {
		fmt.Fprintf(&extra, "\n    %s = {\n      source = %q\n    }", name, "registry.terraform.io/"+ProviderNamespace+"/"+name)
	}
	return fmt.Sprintf(`
terraform {
  required_providers {
    entra = {
      source = %q
    }%s
  }
}

provider "entra" {
  tenant_id = %q
}
`, ProviderSource, extra.String(), tn.TenantID)
}

// Config prepends the provider block to a configuration body.
func (tn *Tenant) Config(body string) string { return tn.ProviderBlock() + body }

// ConfigWithEcho prepends the provider block, with the echo provider declared, to a configuration body.
func (tn *Tenant) ConfigWithEcho(body string) string { return tn.ProviderBlock(true) + body }

// ConfigWithConsumers prepends the provider block, with the azurerm and vault consumers declared.
func (tn *Tenant) ConfigWithConsumers(body string) string {
	return tn.ProviderBlockWith("azurerm", "vault") + body
}

// Counters returns the tenant's Graph request counters.
func (tn *Tenant) Counters() control.Counters {
	tn.t.Helper()
	c, err := shared.control.Counters(context.Background(), tn.TenantID)
	if err != nil {
		tn.t.Fatalf("acctest: reading counters: %v", err)
	}
	return c
}

// ClearRequests resets the tenant's request log and counters.
func (tn *Tenant) ClearRequests() {
	tn.t.Helper()
	if err := shared.control.ClearRequests(context.Background(), tn.TenantID); err != nil {
		tn.t.Fatalf("acctest: clearing requests: %v", err)
	}
}

// Context returns a context for setup calls.
func (tn *Tenant) Context() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	tn.t.Cleanup(cancel)
	return ctx
}

// HTTPClient trusts the emulator's CA.
func HTTPClient() *http.Client { return shared.control.HTTPClient() }

// IssuedPasses returns the values of every Temporary Access Pass the emulator issued in this tenant, in order.
func (tn *Tenant) IssuedPasses() []string {
	tn.t.Helper()
	secrets, err := shared.control.IssuedSecrets(context.Background(), tn.TenantID)
	if err != nil {
		tn.t.Fatalf("acctest: reading issued secrets: %v", err)
	}
	var passes []string
	for _, s := range secrets {
		if s.Kind == "temporaryAccessPass" && s.TenantID == tn.TenantID {
			passes = append(passes, s.Value)
		}
	}
	return passes
}

// EnableTAP turns the tenant's Temporary Access Pass policy on, for all users unless patch says otherwise.
func (tn *Tenant) EnableTAP(patch map[string]any) {
	tn.t.Helper()
	body := map[string]any{"state": "enabled"}
	for k, v := range patch {
		body[k] = v
	}
	if err := tn.Graph.PatchPolicy(context.Background(), body); err != nil {
		tn.t.Fatalf("acctest: enabling the policy: %v", err)
	}
}

// CreateUser creates a member user named <name>@<tenant domain>.
func (tn *Tenant) CreateUser(name string, opts ...control.UserOption) control.User {
	tn.t.Helper()
	u, err := tn.Graph.CreateUser(context.Background(), name, name+"@"+tn.Domain, opts...)
	if err != nil {
		tn.t.Fatalf("acctest: creating user %s: %v", name, err)
	}
	return u
}

// Route names used in request budget assertions.
const (
	RouteCreateTAP = "POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods"
	RouteListTAPs  = "GET /v1.0/users/{id}/authentication/temporaryAccessPassMethods"
	RouteGetPolicy = "GET /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}"
	RouteGetUser   = "GET /v1.0/users/{id}"
)

// SeedMethod registers an authentication method for a user through the control API, as if the user had
// registered it themselves.
func (tn *Tenant) SeedMethod(user string, m control.Method) string {
	tn.t.Helper()
	seeded, err := shared.control.SeedMethod(context.Background(), tn.TenantID, user, m)
	if err != nil {
		tn.t.Fatalf("acctest: seeding a %v method: %v", m["type"], err)
	}
	return seeded.ID()
}

// LostKeyUser creates a user who registered a FIDO2 key, Microsoft Authenticator (their default method)
// and an email address, as in the recovery story.
func (tn *Tenant) LostKeyUser(name string) control.User {
	tn.t.Helper()
	u := tn.CreateUser(name)
	tn.SeedMethod(u.ID, control.Method{"type": "fido2", "displayName": "YubiKey 5C NFC", "model": "YubiKey 5C NFC"})
	tn.SeedMethod(u.ID, control.Method{"type": "microsoftAuthenticator", "displayName": "Pixel 8", "deviceTag": "SoftwareTokenActivated", "isDefault": true})
	tn.SeedMethod(u.ID, control.Method{"type": "email", "emailAddress": name + "@example.org"})
	return u
}

// FailedRequests returns the Graph requests of the tenant that Graph answered with a 4xx or 5xx.
func (tn *Tenant) FailedRequests() []control.Request {
	tn.t.Helper()
	reqs, err := shared.control.Requests(context.Background(), tn.TenantID)
	if err != nil {
		tn.t.Fatalf("acctest: reading the request log: %v", err)
	}
	var failed []control.Request
	for _, r := range reqs {
		if r.Status >= 400 {
			failed = append(failed, r)
		}
	}
	return failed
}
