package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestConfigValidateNamesTheSettingAndVariable(t *testing.T) {
	tests := []struct {
		cfg          Config
		setting, env string
	}{
		{Config{ClientID: "c", ClientSecret: "s"}, "tenant_id", "ARM_TENANT_ID"},
		{Config{TenantID: "t", ClientSecret: "s"}, "client_id", "ARM_CLIENT_ID"},
		{Config{TenantID: "t", ClientID: "c", UseOIDC: true}, "oidc_token", "ARM_OIDC_TOKEN"},
		{Config{TenantID: "t", ClientID: "c", UseOIDC: true, OIDCToken: "x", ADOPipelineServiceConnectionID: "sc"}, "oidc_request_token", "SYSTEM_ACCESSTOKEN"},
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
}

func TestCredentialSourcesInOrder(t *testing.T) {
	cred, err := NewCredential(Config{TenantID: "t", ClientID: "c", ClientSecret: "s", UseOIDC: true, OIDCToken: "x", UseCLI: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cred.SourceNames(), ", "); got != "client secret, OIDC federated credential, Azure CLI" {
		t.Errorf("sources = %s", got)
	}
}

func TestOIDCAssertionFromCISystems(t *testing.T) {
	var seen []string
	ci := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.RawQuery+" "+r.Header.Get("Authorization"))
		switch {
		case r.Header.Get("Authorization") != "Bearer request-token":
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"bad token request-token-echo"}`))
		case r.Method == http.MethodPost:
			_, _ = w.Write([]byte(`{"oidcToken":"ado-id-token"}`))
		default:
			_, _ = w.Write([]byte(`{"value":"github-id-token"}`))
		}
	}))
	defer ci.Close()

	github := Config{OIDCRequestToken: "request-token", OIDCRequestURL: ci.URL + "/token?api-version=2.0"}
	if tok, err := github.oidcAssertion(context.Background()); err != nil || tok != "github-id-token" {
		t.Errorf("GitHub: %q, %v", tok, err)
	}
	ado := Config{OIDCRequestToken: "request-token", OIDCRequestURL: ci.URL + "/oidc", ADOPipelineServiceConnectionID: "sc-1"}
	if tok, err := ado.oidcAssertion(context.Background()); err != nil || tok != "ado-id-token" {
		t.Errorf("Azure Pipelines: %q, %v", tok, err)
	}
	if !strings.Contains(seen[0], "audience=api%3A%2F%2FAzureADTokenExchange") || !strings.Contains(seen[1], "serviceConnectionId=sc-1") {
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
