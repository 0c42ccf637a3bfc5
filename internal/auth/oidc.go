package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// The audience Entra expects in a federated token (workload identity federation).
const federatedTokenAudience = "api://AzureADTokenExchange"

// systemOIDCRequestURIEnv is where the Azure Pipelines agent puts System.OidcRequestUri, and where
// azidentity's AzurePipelinesCredential reads it from.
const systemOIDCRequestURIEnv = "SYSTEM_OIDCREQUESTURI"

func (cfg Config) oidcSettings() string {
	switch {
	case cfg.OIDCToken != "":
		return "oidc_token / ARM_OIDC_TOKEN"
	case cfg.OIDCTokenFilePath != "":
		return "oidc_token_file_path / ARM_OIDC_TOKEN_FILE_PATH"
	case cfg.ADOPipelineServiceConnectionID != "":
		return "Azure Pipelines service connection (ado_pipeline_service_connection_id, SYSTEM_ACCESSTOKEN, SYSTEM_OIDCREQUESTURI)"
	default:
		return "oidc_request_token + oidc_request_url (GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_TOKEN / ACTIONS_ID_TOKEN_REQUEST_URL)"
	}
}

// oidcCredential builds the federated credential. A token or token file is exchanged by azidentity's
// ClientAssertionCredential; an Azure Pipelines service connection uses azidentity's
// AzurePipelinesCredential, which requests the job's ID token itself.
func (cfg Config) oidcCredential(opts azcore.ClientOptions) (azcore.TokenCredential, error) {
	if cfg.OIDCToken == "" && cfg.OIDCTokenFilePath == "" && cfg.ADOPipelineServiceConnectionID != "" {
		return azidentity.NewAzurePipelinesCredential(cfg.TenantID, cfg.ClientID, cfg.ADOPipelineServiceConnectionID, cfg.OIDCRequestToken,
			&azidentity.AzurePipelinesCredentialOptions{
				ClientOptions:              opts,
				DisableInstanceDiscovery:   cfg.DisableInstanceDiscovery,
				AdditionallyAllowedTenants: cfg.AdditionallyAllowedTenants,
			})
	}
	return azidentity.NewClientAssertionCredential(cfg.TenantID, cfg.ClientID, cfg.oidcAssertion, &azidentity.ClientAssertionCredentialOptions{
		ClientOptions:              opts,
		DisableInstanceDiscovery:   cfg.DisableInstanceDiscovery,
		AdditionallyAllowedTenants: cfg.AdditionallyAllowedTenants,
	})
}

// oidcAssertion returns the federated token whenever azidentity needs a new access token: a token file is
// re-read each time, because its issuer may rewrite it (Kubernetes, HCP Terraform, Spacelift).
func (cfg Config) oidcAssertion(ctx context.Context) (string, error) {
	switch {
	case cfg.OIDCToken != "":
		return cfg.OIDCToken, nil
	case cfg.OIDCTokenFilePath != "":
		b, err := os.ReadFile(cfg.OIDCTokenFilePath)
		if err != nil {
			return "", fmt.Errorf("reading oidc_token_file_path: %w", err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", errors.New("oidc_token_file_path names an empty file")
		}
		return tok, nil
	default:
		return cfg.requestGitHubToken(ctx)
	}
}

// requestGitHubToken asks GitHub Actions for an ID token (GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=...).
//
// Hand-written because azidentity v1.15 has no credential for GitHub Actions' token request URL: its
// ClientAssertionCredential takes the token from this callback, and its AzurePipelinesCredential speaks
// only the Azure DevOps protocol. Errors never include the request token or the response body, which
// could hold a token.
func (cfg Config) requestGitHubToken(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, githubTokenURL(cfg.OIDCRequestURL), nil)
	if err != nil {
		return "", fmt.Errorf("building the OIDC token request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+cfg.OIDCRequestToken)
	req.Header.Set("Accept", "application/json")
	client := cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if verr := trustFailure(err); verr != nil {
			te := &TrustError{Host: req.URL.Host, Err: verr}
			if l := attemptLogFrom(ctx); l != nil {
				l.setTrust(te)
			}
			return "", fmt.Errorf("requesting an OIDC token from oidc_request_url: %w", te)
		}
		return "", fmt.Errorf("requesting an OIDC token from oidc_request_url: %w", redactURLError(err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("reading the OIDC token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("oidc_request_url answered HTTP %d; check that the job may request ID tokens (GitHub: permissions id-token: write) and that oidc_request_token is current", resp.StatusCode)
	}
	var parsed struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &parsed); err != nil {
		return "", errors.New("oidc_request_url did not answer with JSON")
	}
	if parsed.Value == "" {
		return "", errors.New(`oidc_request_url answered without a "value" field`)
	}
	return parsed.Value, nil
}

func githubTokenURL(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	q.Set("audience", federatedTokenAudience)
	u.RawQuery = q.Encode()
	return u.String()
}

// redactURLError drops the URL from a transport error: the query string of a CI token URL can carry secrets.
func redactURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return fmt.Errorf("%s: %w", uerr.Op, uerr.Err)
	}
	return err
}
