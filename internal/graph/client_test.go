package graph

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// scopeRecorder is a credential that records the scopes it is asked for.
type scopeRecorder struct {
	mu     sync.Mutex
	scopes []string
}

func (s *scopeRecorder) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = append(s.scopes, opts.Scopes...)
	return azcore.AccessToken{Token: "test-token"}, nil
}

// policyAnswer answers every request with the TAP policy and records the URL and Authorization header.
type policyAnswer struct {
	urls, auth []string
}

func (p *policyAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	p.urls = append(p.urls, req.URL.String())
	p.auth = append(p.auth, req.Header.Get("Authorization"))
	body := `{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration","id":"TemporaryAccessPass","state":"enabled",` +
		`"defaultLifetimeInMinutes":60,"defaultLength":8,"minimumLifetimeInMinutes":60,"maximumLifetimeInMinutes":480,"isUsableOnce":false,` +
		`"includeTargets":[{"targetType":"group","id":"all_users","isRegistrationRequired":false}],"excludeTargets":[]}`
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(body)),
		Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// Each national cloud gets its own Graph host, and tokens are requested for that host's scope.
func TestClientTalksToTheCloudsGraph(t *testing.T) {
	for _, endpoint := range []string{"https://graph.microsoft.com", "https://graph.microsoft.us", "https://dod-graph.microsoft.us",
		"https://microsoftgraph.chinacloudapi.cn", "https://127.0.0.1:8443"} {
		cred, transport := &scopeRecorder{}, &policyAnswer{}
		client, err := New(Options{Endpoint: endpoint + "/", Credential: cred, UserAgent: "terraform-provider-entra/test", Transport: transport})
		if err != nil {
			t.Fatal(err)
		}
		p, err := client.GetTAPPolicy(context.Background())
		if err != nil || !p.Enabled {
			t.Fatalf("%s: %v %+v", endpoint, err, p)
		}
		if want := endpoint + "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"; transport.urls[0] != want {
			t.Errorf("url = %s, want %s", transport.urls[0], want)
		}
		if len(cred.scopes) != 1 || cred.scopes[0] != endpoint+"/.default" || transport.auth[0] != "Bearer test-token" {
			t.Errorf("%s: scopes %v, authorization %q", endpoint, cred.scopes, transport.auth[0])
		}
	}
	if _, err := New(Options{Endpoint: "http://graph.microsoft.com", Credential: &scopeRecorder{}}); err == nil {
		t.Error("a plain-http endpoint must be refused")
	}
}
