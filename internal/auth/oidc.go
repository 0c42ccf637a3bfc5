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
)

// The audience Entra expects in a federated token (workload identity federation).
const federatedTokenAudience = "api://AzureADTokenExchange"

// The Azure DevOps OIDC token API version, as used by azidentity's AzurePipelinesCredential.
const adoOIDCAPIVersion = "7.1"

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

// oidcAssertion returns a fresh federated token each time it is called: CI tokens are short-lived, and a
// token file is rewritten by its issuer (Kubernetes, Terraform Cloud), so nothing is cached here.
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
	case cfg.ADOPipelineServiceConnectionID != "":
		return cfg.requestFederatedToken(ctx, http.MethodPost, adoTokenURL(cfg.OIDCRequestURL, cfg.ADOPipelineServiceConnectionID), "oidcToken")
	default:
		return cfg.requestFederatedToken(ctx, http.MethodGet, githubTokenURL(cfg.OIDCRequestURL), "value")
	}
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

func adoTokenURL(base, connectionID string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	q.Set("api-version", adoOIDCAPIVersion)
	q.Set("serviceConnectionId", connectionID)
	u.RawQuery = q.Encode()
	return u.String()
}

// requestFederatedToken asks the CI system for an ID token. Errors never include the request token or
// the response body, which could hold a token.
func (cfg Config) requestFederatedToken(ctx context.Context, method, tokenURL, field string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, tokenURL, nil)
	if err != nil {
		return "", fmt.Errorf("building the OIDC token request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+cfg.OIDCRequestToken)
	req.Header.Set("Accept", "application/json")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	client := cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
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
	var parsed map[string]any
	if err := json.Unmarshal(body, &parsed); err != nil {
		return "", errors.New("oidc_request_url did not answer with JSON")
	}
	tok, _ := parsed[field].(string)
	if tok == "" {
		return "", fmt.Errorf("oidc_request_url answered without a %q field", field)
	}
	return tok, nil
}

// redactURLError drops the URL from a transport error: the query string of a CI token URL can carry secrets.
func redactURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return fmt.Errorf("%s: %w", uerr.Op, uerr.Err)
	}
	return err
}
