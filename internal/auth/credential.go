// Package auth turns the provider's authentication settings into one azidentity credential chain.
package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Config holds resolved settings: provider block values with their environment fallbacks already applied.
type Config struct {
	TenantID string
	ClientID string

	ClientSecret string

	// ClientCertificate is a base64-encoded PKCS#12 bundle or PEM; ClientCertificatePath names a file with the same.
	ClientCertificate         string
	ClientCertificatePath     string
	ClientCertificatePassword string

	UseOIDC                        bool
	OIDCToken                      string
	OIDCTokenFilePath              string
	OIDCRequestToken               string
	OIDCRequestURL                 string
	ADOPipelineServiceConnectionID string
	UseAKSWorkloadIdentity         bool
	AKSFederatedTokenFilePath      string
	UseMSI                         bool
	UseCLI                         bool
	AuthorityHost                  string
	DisableInstanceDiscovery       bool
	AdditionallyAllowedTenants     []string
	HTTPClient                     *http.Client

	// HCPDynamicCredentials is true when HCP Terraform's Azure dynamic credentials are switched on for the
	// run (TFC_AZURE_PROVIDER_AUTH=true). It changes nothing about signing in, only what errors suggest.
	HCPDynamicCredentials bool
}

// Source is one way of signing in that the chain will try, with the settings that enabled it.
type Source struct {
	Name     string
	Settings string
	cred     azcore.TokenCredential
	inChain  bool // cred is a ChainedTokenCredential of one (the managed identity)
}

// message is the source's error without the framing of a chain of one.
func (s Source) message(err error) string {
	msg := err.Error()
	if !s.inChain {
		return msg
	}
	const frame = "ChainedTokenCredential: failed to acquire a token.\nAttempted credentials:\n\t"
	if rest, ok := strings.CutPrefix(msg, frame); ok {
		return strings.ReplaceAll(rest, "\n\t", "\n")
	}
	return msg
}

// Credential is the provider's token source: the chain and a description of what it holds.
type Credential struct {
	chain         *azidentity.ChainedTokenCredential
	Sources       []Source
	authorityHost string
}

// SourceNames returns the sources in the order they are tried.
func (c *Credential) SourceNames() []string {
	names := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		names[i] = s.Name
	}
	return names
}

// GetToken implements azcore.TokenCredential. Failures are rewritten into an error that says, per method,
// whether it failed or was not tried, and what to fix, because azidentity's own message names Go types
// rather than provider settings.
func (c *Credential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	log := &attemptLog{}
	tok, err := c.chain.GetToken(context.WithValue(ctx, attemptLogKey{}, log), opts)
	if err != nil {
		attempts, trust := log.snapshot()
		return tok, &Error{Sources: c.Sources, Attempts: attempts, Trust: trust, AuthorityHost: c.authorityHost, Cause: err}
	}
	return tok, nil
}

// Attempt is what one sign-in method did during a failed sign-in.
type Attempt struct {
	Source int   // index into Error.Sources
	Err    error // nil when the method returned a token
}

// attemptLog collects, for one GetToken call, what each method of the chain did. It travels in the
// context, which azidentity passes to every source and down to every HTTP request.
type attemptLog struct {
	mu       sync.Mutex
	attempts []Attempt
	trust    *TrustError
}

type attemptLogKey struct{}

func attemptLogFrom(ctx context.Context) *attemptLog {
	l, _ := ctx.Value(attemptLogKey{}).(*attemptLog)
	return l
}

func (l *attemptLog) add(source int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts = append(l.attempts, Attempt{Source: source, Err: err})
}

func (l *attemptLog) setTrust(te *TrustError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.trust == nil {
		l.trust = te
	}
}

func (l *attemptLog) snapshot() ([]Attempt, *TrustError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Attempt(nil), l.attempts...), l.trust
}

// tracked records the outcome of one source in the attempt log of the call.
type tracked struct {
	index int
	cred  azcore.TokenCredential
}

func (t tracked) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := t.cred.GetToken(ctx, opts)
	if l := attemptLogFrom(ctx); l != nil {
		l.add(t.index, err)
	}
	return tok, err
}

// Error explains a failed sign-in in terms of provider settings.
type Error struct {
	Sources       []Source
	Attempts      []Attempt
	Trust         *TrustError // set when a TLS certificate was not trusted
	AuthorityHost string
	Cause         error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("could not get an access token for Microsoft Graph.\n\nSign-in methods, in the order they are tried:\n")
	outcome := map[int]error{}
	unavailable := map[int]bool{}
	for i, a := range e.Attempts {
		outcome[a.Source] = a.Err
		// The chain moves on only from a method that reported itself unavailable, so every attempt but the
		// last was one. The last was one too when the chain gave up with an "unavailable" error of its own
		// rather than an authentication failure (azidentity does not export the unavailable error type).
		unavailable[a.Source] = i < len(e.Attempts)-1 || !isAuthenticationFailure(e.Cause)
	}
	// A method that signed in earlier in the run is the only one the chain asks again.
	pinned := len(e.Attempts) == 1 && e.Attempts[0].Source > 0
	var failed error
	failedName := ""
	for i, s := range e.Sources {
		fmt.Fprintf(&b, "  %d. %s (%s): ", i+1, s.Name, s.Settings)
		err, tried := outcome[i]
		switch {
		case !tried && len(e.Attempts) == 0:
			b.WriteString("failed\n")
		case !tried && pinned:
			b.WriteString("not tried: the provider keeps to the method that signed in first\n")
		case !tried:
			b.WriteString("not tried: a method that is configured but fails ends the sign-in; only a method that is unavailable passes on to the next\n")
		case err == nil:
			b.WriteString("signed in\n")
		case unavailable[i] && i < len(e.Sources)-1:
			b.WriteString("unavailable, passed on to the next method\n")
			writeIndented(&b, s.message(err))
		case unavailable[i]:
			b.WriteString("unavailable\n")
			writeIndented(&b, s.message(err))
		default:
			b.WriteString("failed\n")
			writeIndented(&b, s.message(err))
			failed, failedName = err, s.Name
		}
	}
	if len(e.Attempts) == 0 {
		// No record per method (the chain asked the method that signed in earlier in the run): show the cause.
		writeIndented(&b, e.Cause.Error())
		failed = e.Cause
	}
	b.WriteString("\n")
	b.WriteString(e.advice(failed, failedName))
	return b.String()
}

func (e *Error) Unwrap() error { return e.Cause }

func writeIndented(b *strings.Builder, msg string) {
	for _, line := range strings.Split(strings.TrimSpace(msg), "\n") {
		b.WriteString("       ")
		b.WriteString(line)
		b.WriteString("\n")
	}
}

func isAuthenticationFailure(err error) bool {
	var af *azidentity.AuthenticationFailedError
	return errors.As(err, &af)
}

// advice says what to check for the failure that ended the sign-in.
func (e *Error) advice(failed error, method string) string {
	trust := e.Trust
	if trust == nil && failed != nil && looksLikeTrustFailure(failed.Error()) {
		trust = &TrustError{}
	}
	if trust != nil {
		return trust.advice(e.AuthorityHost)
	}
	msg := ""
	if failed != nil {
		msg = failed.Error()
	}
	switch {
	case strings.Contains(msg, "AADSTS7000215"), strings.Contains(msg, "AADSTS7000222"):
		return "The client secret is wrong or expired. Use the secret's Value (not its Secret ID) from the app registration's " +
			"Certificates & secrets page, in client_secret, client_secret_file_path or ARM_CLIENT_SECRET."
	case strings.Contains(msg, "AADSTS700016"):
		return "client_id (ARM_CLIENT_ID) names no app registration in tenant_id (ARM_TENANT_ID). Check both, and that the app has a service principal in that tenant."
	case strings.Contains(msg, "AADSTS90002"), strings.Contains(msg, "AADSTS900023"):
		return "tenant_id (ARM_TENANT_ID) is not a tenant of this cloud. Check the tenant id, and environment or authority_host for a national cloud."
	case strings.Contains(msg, "AADSTS700027"), strings.Contains(msg, "AADSTS700024") && method == "client certificate":
		return "The certificate is not one registered on the app registration (Certificates & secrets), or has expired."
	case strings.Contains(msg, "AADSTS70021"), strings.Contains(msg, "AADSTS700211"), strings.Contains(msg, "AADSTS700212"),
		strings.Contains(msg, "AADSTS700213"), strings.Contains(msg, "AADSTS700024"):
		return "The OIDC token does not match a federated credential of the app: its issuer, subject and audience must equal one " +
			"federated credential exactly (HCP Terraform: one credential per run phase, run_phase:plan and run_phase:apply), and the token must not have expired."
	case method == "Azure CLI":
		return "Run `az login` (with --tenant for the tenant you mean), or turn the Azure CLI off with use_cli = false and configure another method."
	case method == "managed identity":
		return "Check that this host has a managed identity (for a user-assigned one, set client_id to its client id) and, on App Service or " +
			"Azure Functions, that IDENTITY_ENDPOINT and IDENTITY_HEADER are the platform's. Turn it off with use_msi = false on hosts without one."
	case method == "OIDC federated credential" || method == "AKS workload identity":
		return "Check where the OIDC token comes from (the settings named above): the file exists and holds a current token, or the CI job may " +
			"request ID tokens; and that client_id and tenant_id (ARM_CLIENT_ID, ARM_TENANT_ID) are the app the federated credential is on."
	}
	return "Check tenant_id and client_id (ARM_TENANT_ID, ARM_CLIENT_ID) and the credential itself: " +
		"an expired or wrong client secret (ARM_CLIENT_SECRET), a certificate not uploaded to the app registration, " +
		"a federated credential whose subject does not match the pipeline, or `az login` for the Azure CLI. " +
		"For a national or private cloud set environment, msgraph_endpoint and authority_host."
}

// ErrNoSource is returned when the settings enable no way of signing in at all.
var ErrNoSource = errors.New("no authentication method is enabled")

// NewCredential builds the chain from every source the settings enable, in the order
// client secret, client certificate, OIDC, AKS workload identity, managed identity, Azure CLI.
//
// The chain is azidentity's ChainedTokenCredential with its default options: it tries the sources in that
// order and goes on to the next one only when a source reports that it is unavailable; any other failure
// (a wrong secret, a token the federated credential does not accept, an unreachable or untrusted sign-in
// host) ends the sign-in with that error. The first source that returns a token is used for every later
// token of the provider's run.
func NewCredential(cfg Config) (*Credential, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	clientOpts := azcore.ClientOptions{
		Cloud:            cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.AuthorityHost},
		PerRetryPolicies: []policy.Policy{trustPolicy{}},
	}
	if cfg.HTTPClient != nil {
		clientOpts.Transport = cfg.HTTPClient
	}
	var sources []Source
	add := func(name, settings string, cred azcore.TokenCredential, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		sources = append(sources, Source{Name: name, Settings: settings, cred: cred})
		return nil
	}

	if cfg.ClientSecret != "" {
		cred, err := azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions:              clientOpts,
			DisableInstanceDiscovery:   cfg.DisableInstanceDiscovery,
			AdditionallyAllowedTenants: cfg.AdditionallyAllowedTenants,
		})
		if err := add("client secret", "client_secret / ARM_CLIENT_SECRET", cred, err); err != nil {
			return nil, err
		}
	}
	if cfg.ClientCertificate != "" || cfg.ClientCertificatePath != "" {
		cred, err := cfg.certificateCredential(clientOpts)
		if err := add("client certificate", "client_certificate / client_certificate_path", cred, err); err != nil {
			return nil, err
		}
	}
	if cfg.UseOIDC {
		cred, err := cfg.oidcCredential(clientOpts)
		if err := add("OIDC federated credential", cfg.oidcSettings(), cred, err); err != nil {
			return nil, err
		}
	}
	if cfg.UseAKSWorkloadIdentity {
		cred, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions:              clientOpts,
			ClientID:                   cfg.ClientID,
			TenantID:                   cfg.TenantID,
			TokenFilePath:              cfg.AKSFederatedTokenFilePath,
			DisableInstanceDiscovery:   cfg.DisableInstanceDiscovery,
			AdditionallyAllowedTenants: cfg.AdditionallyAllowedTenants,
		})
		if err := add("AKS workload identity", "use_aks_workload_identity, AZURE_FEDERATED_TOKEN_FILE", cred, err); err != nil {
			return nil, err
		}
	}
	if cfg.UseMSI {
		msiOpts := clientOpts
		msiOpts.Cloud = cloud.Configuration{}
		opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: msiOpts}
		if cfg.ClientID != "" {
			opts.ID = azidentity.ClientID(cfg.ClientID)
		}
		cred, err := azidentity.NewManagedIdentityCredential(opts)
		if err == nil {
			// The managed identity goes into a chain of its own first: ChainedTokenCredential marks the
			// managed identity credentials it holds as chained, which makes an instance metadata endpoint that
			// is not really one count as unavailable. Wrapping it (to record its outcome) would hide it from
			// the outer chain, so the inner chain keeps that behaviour.
			var inner *azidentity.ChainedTokenCredential
			inner, err = azidentity.NewChainedTokenCredential([]azcore.TokenCredential{cred}, nil)
			if err := add("managed identity", "use_msi / ARM_USE_MSI", inner, err); err != nil {
				return nil, err
			}
			sources[len(sources)-1].inChain = true
		} else if err := add("managed identity", "use_msi / ARM_USE_MSI", nil, err); err != nil {
			return nil, err
		}
	}
	if cfg.UseCLI {
		cred, err := azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{
			TenantID:                   cfg.TenantID,
			AdditionallyAllowedTenants: cfg.AdditionallyAllowedTenants,
		})
		if err := add("Azure CLI", "use_cli / ARM_USE_CLI (az login)", cred, err); err != nil {
			return nil, err
		}
	}
	if len(sources) == 0 {
		return nil, ErrNoSource
	}
	return newChain(sources, cfg.AuthorityHost)
}

// newChain puts the sources, each recording its outcome, into one ChainedTokenCredential.
func newChain(sources []Source, authorityHost string) (*Credential, error) {
	creds := make([]azcore.TokenCredential, len(sources))
	for i, s := range sources {
		creds[i] = tracked{index: i, cred: s.cred}
	}
	chain, err := azidentity.NewChainedTokenCredential(creds, nil)
	if err != nil {
		return nil, err
	}
	return &Credential{chain: chain, Sources: sources, authorityHost: authorityHost}, nil
}

// validate reports settings that cannot work, naming the setting and its environment variable.
func (cfg Config) validate() error {
	needsApp := cfg.ClientSecret != "" || cfg.ClientCertificate != "" || cfg.ClientCertificatePath != "" || cfg.UseOIDC
	if needsApp && cfg.TenantID == "" {
		return &SettingError{Setting: "tenant_id", EnvVar: "ARM_TENANT_ID", Reason: "is required to sign in with a client secret, certificate or OIDC token"}
	}
	if needsApp && cfg.ClientID == "" {
		reason := "is required to sign in with a client secret, certificate or OIDC token"
		if cfg.UseOIDC && cfg.HCPDynamicCredentials {
			reason += hcpHint
		}
		return &SettingError{Setting: "client_id", EnvVar: "ARM_CLIENT_ID", Reason: reason}
	}
	if cfg.UseOIDC && cfg.OIDCToken == "" && cfg.OIDCTokenFilePath == "" && (cfg.OIDCRequestToken == "" || cfg.OIDCRequestURL == "") {
		reason := "or oidc_token_file_path, or both oidc_request_token and oidc_request_url (set automatically in GitHub Actions and Azure Pipelines), is required when use_oidc is true"
		if cfg.HCPDynamicCredentials {
			reason += hcpHint
		}
		return &SettingError{Setting: "oidc_token", EnvVar: "ARM_OIDC_TOKEN", Reason: reason}
	}
	if cfg.ADOPipelineServiceConnectionID != "" {
		if cfg.OIDCRequestToken == "" || cfg.OIDCRequestURL == "" {
			return &SettingError{Setting: "oidc_request_token", EnvVar: "SYSTEM_ACCESSTOKEN",
				Reason: "and oidc_request_url (SYSTEM_OIDCREQUESTURI) are required with ado_pipeline_service_connection_id; map System.AccessToken into the task's environment"}
		}
		if system := os.Getenv(systemOIDCRequestURIEnv); strings.TrimSpace(system) != cfg.OIDCRequestURL {
			return &SettingError{Setting: "oidc_request_url", EnvVar: systemOIDCRequestURIEnv,
				Reason: "must be the job's System.OidcRequestUri: with ado_pipeline_service_connection_id the token is requested by " +
					"Microsoft's AzurePipelinesCredential, which reads the URL from SYSTEM_OIDCREQUESTURI (set by the Azure Pipelines agent). " +
					"Leave oidc_request_url and ARM_OIDC_REQUEST_URL unset, or make them equal to SYSTEM_OIDCREQUESTURI"}
		}
	}
	return nil
}

const hcpHint = ". HCP Terraform dynamic credentials are on (TFC_AZURE_PROVIDER_AUTH): HCP Terraform sets ARM_CLIENT_ID, " +
	"ARM_USE_OIDC and ARM_OIDC_TOKEN for the default provider configuration only; for an aliased one, set " +
	"client_id_file_path and oidc_token_file_path from var.tfc_azure_dynamic_credentials.aliases[\"TAG\"]"

// SettingError names a provider setting that is missing or wrong.
type SettingError struct {
	Setting, EnvVar, Reason string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("`%s` %s. Set it in the provider block or through the %s environment variable.", e.Setting, e.Reason, e.EnvVar)
}

func (cfg Config) certificateCredential(opts azcore.ClientOptions) (azcore.TokenCredential, error) {
	var data []byte
	if cfg.ClientCertificate != "" {
		decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cfg.ClientCertificate))
		if err != nil {
			return nil, errors.New("client_certificate must be a base64-encoded PKCS#12 (.pfx) bundle or PEM file")
		}
		data = decoded
	} else {
		read, err := os.ReadFile(cfg.ClientCertificatePath)
		if err != nil {
			return nil, fmt.Errorf("reading client_certificate_path: %w", err)
		}
		data = read
	}
	certs, key, err := azidentity.ParseCertificates(data, []byte(cfg.ClientCertificatePassword))
	if err != nil {
		// The parser's message never contains the password; keep it, it says what is wrong with the bundle.
		return nil, fmt.Errorf("parsing the client certificate: %w", err)
	}
	return azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
		ClientOptions:              opts,
		DisableInstanceDiscovery:   cfg.DisableInstanceDiscovery,
		AdditionallyAllowedTenants: cfg.AdditionallyAllowedTenants,
	})
}
