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
}

// Source is one way of signing in that the chain will try, with the settings that enabled it.
type Source struct {
	Name     string
	Settings string
	cred     azcore.TokenCredential
}

// Credential is the provider's token source: the chain and a description of what it holds.
type Credential struct {
	chain   *azidentity.ChainedTokenCredential
	Sources []Source
}

// SourceNames returns the sources in the order they are tried.
func (c *Credential) SourceNames() []string {
	names := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		names[i] = s.Name
	}
	return names
}

// GetToken implements azcore.TokenCredential. Failures are rewritten into an error that lists what was tried
// and how to fix it, because azidentity's own message names Go types rather than provider settings.
func (c *Credential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.chain.GetToken(ctx, opts)
	if err != nil {
		return tok, &Error{Sources: c.Sources, Cause: err}
	}
	return tok, nil
}

// Error explains a failed sign-in in terms of provider settings.
type Error struct {
	Sources []Source
	Cause   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("could not get an access token for Microsoft Graph. Tried, in order:\n")
	for _, s := range e.Sources {
		fmt.Fprintf(&b, "  - %s (%s)\n", s.Name, s.Settings)
	}
	b.WriteString("\n")
	b.WriteString(strings.TrimSpace(e.Cause.Error()))
	b.WriteString("\n\nCheck tenant_id and client_id (ARM_TENANT_ID, ARM_CLIENT_ID) and the credential itself: ")
	b.WriteString("an expired or wrong client secret (ARM_CLIENT_SECRET), a certificate not uploaded to the app registration, ")
	b.WriteString("a federated credential whose subject does not match the pipeline, or `az login` for the Azure CLI. ")
	b.WriteString("For a national or private cloud set environment, msgraph_endpoint and authority_host.")
	return b.String()
}

func (e *Error) Unwrap() error { return e.Cause }

// ErrNoSource is returned when the settings enable no way of signing in at all.
var ErrNoSource = errors.New("no authentication method is enabled")

// NewCredential builds the chain from every source the settings enable, in the order
// client secret, client certificate, OIDC, AKS workload identity, managed identity, Azure CLI.
func NewCredential(cfg Config) (*Credential, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	clientOpts := azcore.ClientOptions{
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.AuthorityHost},
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
		cred, err := azidentity.NewClientAssertionCredential(cfg.TenantID, cfg.ClientID, cfg.oidcAssertion, &azidentity.ClientAssertionCredentialOptions{
			ClientOptions:              clientOpts,
			DisableInstanceDiscovery:   cfg.DisableInstanceDiscovery,
			AdditionallyAllowedTenants: cfg.AdditionallyAllowedTenants,
		})
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
		opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: clientOpts.Transport}}
		if cfg.ClientID != "" {
			opts.ID = azidentity.ClientID(cfg.ClientID)
		}
		cred, err := azidentity.NewManagedIdentityCredential(opts)
		if err := add("managed identity", "use_msi / ARM_USE_MSI", cred, err); err != nil {
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
	creds := make([]azcore.TokenCredential, len(sources))
	for i, s := range sources {
		creds[i] = s.cred
	}
	chain, err := azidentity.NewChainedTokenCredential(creds, nil)
	if err != nil {
		return nil, err
	}
	return &Credential{chain: chain, Sources: sources}, nil
}

// validate reports settings that cannot work, naming the setting and its environment variable.
func (cfg Config) validate() error {
	needsApp := cfg.ClientSecret != "" || cfg.ClientCertificate != "" || cfg.ClientCertificatePath != "" || cfg.UseOIDC
	if needsApp && cfg.TenantID == "" {
		return &SettingError{Setting: "tenant_id", EnvVar: "ARM_TENANT_ID", Reason: "is required to sign in with a client secret, certificate or OIDC token"}
	}
	if needsApp && cfg.ClientID == "" {
		return &SettingError{Setting: "client_id", EnvVar: "ARM_CLIENT_ID", Reason: "is required to sign in with a client secret, certificate or OIDC token"}
	}
	if cfg.UseOIDC && cfg.OIDCToken == "" && cfg.OIDCTokenFilePath == "" && (cfg.OIDCRequestToken == "" || cfg.OIDCRequestURL == "") {
		return &SettingError{Setting: "oidc_token", EnvVar: "ARM_OIDC_TOKEN",
			Reason: "or oidc_token_file_path, or both oidc_request_token and oidc_request_url (set automatically in GitHub Actions and Azure Pipelines), is required when use_oidc is true"}
	}
	if cfg.ADOPipelineServiceConnectionID != "" && (cfg.OIDCRequestToken == "" || cfg.OIDCRequestURL == "") {
		return &SettingError{Setting: "oidc_request_token", EnvVar: "SYSTEM_ACCESSTOKEN",
			Reason: "and oidc_request_url (SYSTEM_OIDCREQUESTURI) are required with ado_pipeline_service_connection_id; map System.AccessToken into the task's environment"}
	}
	return nil
}

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
