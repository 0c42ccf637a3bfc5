package provider

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/entra-tap/terraform-provider-entra/internal/auth"
	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// Unit tests of the advice error translation gives when an endpoint gives no answer, or something other
// than Graph answers.

func graphDiagnostic(t *testing.T, err error) (string, string) {
	t.Helper()
	var diags diag.Diagnostics
	addGraphError(&diags, "Could not read the Temporary Access Pass policy", err)
	if len(diags) != 1 {
		t.Fatalf("want one diagnostic, got %v", diags)
	}
	return diags[0].Summary(), diags[0].Detail()
}

func TestTLSFailuresSayWhichTrustSettingToCheck(t *testing.T) {
	tlsCause := errors.New(`Post "https://login.contoso.example/tenant/oauth2/v2.0/token": tls: failed to verify certificate: x509: certificate signed by unknown authority`)
	for _, tt := range []struct {
		name    string
		err     error
		summary string
		setting string
	}{
		{"Graph endpoint", &graph.UnreachableError{Endpoint: "https://graph.contoso.example", Host: "graph.contoso.example:443", Kind: graph.FailureTLS, Untrusted: true, Cause: tlsCause},
			"Microsoft Graph is unreachable", "msgraph_endpoint"},
		{"token endpoint", &auth.Error{Sources: []auth.Source{{Name: "client secret", Settings: "client_secret"}}, Cause: tlsCause},
			"Could not reach the Microsoft Entra token endpoint", "authority_host"},
	} {
		summary, detail := graphDiagnostic(t, tt.err)
		if summary != tt.summary {
			t.Errorf("%s: summary %q, want %q", tt.name, summary, tt.summary)
		}
		for _, want := range []string{"not trusted", tt.setting, "SSL_CERT_FILE", "SSL_CERT_DIR", "corporate proxy", "x509: certificate signed by unknown authority"} {
			if !strings.Contains(detail, want) {
				t.Errorf("%s: the advice must mention %q:\n%s", tt.name, want, detail)
			}
		}
		for _, wrong := range []string{"wrong client secret", "Check tenant_id", "az login", "federated credential whose subject"} {
			if strings.Contains(detail, wrong) {
				t.Errorf("%s: a TLS failure is not about %q:\n%s", tt.name, wrong, detail)
			}
		}
	}
}

func TestUnreachableAdviceNamesTheCause(t *testing.T) {
	for kind, want := range map[graph.FailureKind]string{
		graph.FailureDNS:     "does not resolve",
		graph.FailureRefused: "Nothing accepts connections",
		graph.FailureTimeout: "did not answer in time",
		graph.FailureNoRoute: "no network route",
	} {
		_, detail := graphDiagnostic(t, &graph.UnreachableError{Endpoint: "https://graph.microsoft.com", Host: "graph.microsoft.com:443", Kind: kind, Cause: errors.New("x")})
		if !strings.Contains(detail, want) || !strings.Contains(detail, "msgraph_endpoint") {
			t.Errorf("%s: %s", kind, detail)
		}
	}
	_, detail := graphDiagnostic(t, &graph.UnreachableError{Endpoint: "https://graph.microsoft.com", Kind: graph.FailureRefused, Proxy: true, Cause: errors.New("x")})
	if !strings.Contains(detail, "HTTPS_PROXY") {
		t.Errorf("a proxy failure names the proxy setting: %s", detail)
	}
	// With a managed identity in the chain, the failure may be its endpoint's.
	summary, detail := graphDiagnostic(t, &auth.Error{Sources: []auth.Source{{Name: "managed identity", Settings: "use_msi"}},
		Cause: errors.New(`ManagedIdentityCredential: Get "http://169.254.169.254/metadata/identity/oauth2/token": dial tcp 169.254.169.254:80: connect: connection refused`)})
	if summary != "Could not sign in to Microsoft Entra ID" || !strings.Contains(detail, "IDENTITY_ENDPOINT") || strings.Contains(detail, "wrong client secret") {
		t.Errorf("%s: %s", summary, detail)
	}
	// A sign-in refused by the token endpoint keeps the credential advice.
	summary, detail = graphDiagnostic(t, &auth.Error{Cause: errors.New("AADSTS7000215: Invalid client secret provided.")})
	if summary != "Could not sign in to Microsoft Entra ID" || !strings.Contains(detail, "client secret") {
		t.Errorf("%s: %s", summary, detail)
	}
}

// Through a real client: a proxy's HTML page and Graph's refusals are explained.
func TestGraphAnswersAreExplained(t *testing.T) {
	for _, tt := range []struct {
		name        string
		status      int
		contentType string
		body        string
		call        func(*graph.Client) error
		want        []string
	}{
		{"a proxy's 502 page", http.StatusBadGateway, "text/html", "<html><title>502 Bad Gateway</title><body>nginx</body></html>",
			func(c *graph.Client) error { _, err := c.GetTAPPolicy(context.Background()); return err },
			[]string{"HTTP 502", "text/html", `"502 Bad Gateway nginx"`, "something in front of it", "HTTPS_PROXY"}},
		{"checkMemberGroups refused", http.StatusForbidden, "application/json", `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`,
			func(c *graph.Client) error {
				_, err := c.CheckMemberGroups(context.Background(), "u", []string{"g"})
				return err
			},
			[]string{"Grant it both User.Read.All and GroupMember.Read.All (or Directory.Read.All alone)"}},
		{"issuing refused, on the held-pass lookup", http.StatusForbidden, "application/json", `{"error":{"code":"accessDenied","message":"Request Authorization failed"}}`,
			func(c *graph.Client) error {
				_, err := c.ListTAPs(graph.ForIssuing(context.Background()), "u")
				return err
			},
			[]string{"Grant it UserAuthMethod-TAP.ReadWrite.All (or UserAuthenticationMethod.ReadWrite.All)"}},
	} {
		f := roundTrip(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {tt.contentType}, "Request-Id": {"r-1"}},
				ContentLength: int64(len(tt.body)), Body: readCloser(tt.body), Request: req}, nil
		})
		_, detail := graphDiagnostic(t, tt.call(fakeClient(t, f, graph.Reachability{})))
		for _, want := range tt.want {
			if !strings.Contains(detail, want) {
				t.Errorf("%s: want %q in:\n%s", tt.name, want, detail)
			}
		}
		if strings.Contains(detail, "Read.All;") && strings.Contains(tt.name, "issuing") {
			t.Errorf("%s: issuing names no read permission:\n%s", tt.name, detail)
		}
	}
}

// A start in the past by Graph's clock names the skew and the clock advice.
func TestStartInThePastNamesTheSkew(t *testing.T) {
	f := roundTrip(func(req *http.Request) (*http.Response, error) {
		body := `{"error":{"code":"badRequest","message":"Invalid StartDateTime specified. It can not be a time in the past."}}`
		return &http.Response{StatusCode: http.StatusBadRequest, ContentLength: int64(len(body)), Body: readCloser(body), Request: req,
			Header: http.Header{"Content-Type": {"application/json"}, "Date": {time.Now().Add(10 * time.Minute).UTC().Format(http.TimeFormat)}}}, nil
	})
	start := time.Now().Add(3 * time.Minute)
	_, err := fakeClient(t, f, graph.Reachability{}).CreateTAP(context.Background(), "u", graph.NewTAP{StartDateTime: &start})
	_, detail := graphDiagnostic(t, err)
	for _, want := range []string{"Graph's clock is 10m0s ahead of this machine", "correct this machine's clock"} {
		if !strings.Contains(detail, want) {
			t.Errorf("want %q in:\n%s", want, detail)
		}
	}
}
