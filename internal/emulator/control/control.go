// Package control is a small client for the emulator's control API (/_emulator/...) plus Graph, a helper
// that signs in with a tenant's client secret and makes ordinary Graph calls. Acceptance tests and
// `make demo` use it to build tenants through the same HTTP surface the provider sees.
package control

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
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

// Client talks to one emulator's control API.
type Client struct {
	baseURL string
	http    *http.Client
}

// New returns a client for the emulator at baseURL ("https://127.0.0.1:PORT"). httpClient must trust the
// emulator's CA (see NewHTTPClient); nil means http.DefaultClient, which works when SSL_CERT_FILE names
// the emulator's ca-bundle.pem.
func New(baseURL string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), http: httpClient}
}

// BaseURL is the emulator URL the client was made for.
func (c *Client) BaseURL() string { return c.baseURL }

// HTTPClient is the client's HTTP client, for callers that want to make raw requests.
func (c *Client) HTTPClient() *http.Client { return c.http }

// NewHTTPClient returns an HTTP/2-capable client that trusts the CA in caFile (the emulator's ca.pem).
func NewHTTPClient(caFile string) (*http.Client, error) {
	pemData, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		base = &http.Transport{}
	}
	tr := base.Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr.ForceAttemptHTTP2 = true
	tr.MaxIdleConnsPerHost = 100
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}, nil
}

// Error is a non-2xx answer from the control API.
type Error struct {
	Method  string
	Path    string
	Status  int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("emulator control %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Message)
}

// do sends a JSON request and decodes a JSON answer into out (when non-nil).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer closeBody(resp)
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return &Error{Method: method, Path: path, Status: resp.StatusCode, Message: msg}
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, out)
}

func tenantPath(tid string, rest ...string) string {
	p := "/_emulator/tenants/" + url.PathEscape(tid)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// ----- types -----

// TenantCredentials signs in to one tenant with the default app.
type TenantCredentials struct {
	TenantID     string `json:"tenantId"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	Domain       string `json:"domain"`
}

// Info is GET /_emulator/info.
type Info struct {
	URL                      string            `json:"url"`
	CAFile                   string            `json:"caFile"`
	CABundleFile             string            `json:"caBundleFile"`
	DefaultTenant            TenantCredentials `json:"defaultTenant"`
	FederationIssuer         string            `json:"federationIssuer"`
	GitHubRequestToken       string            `json:"githubRequestToken"`
	MSIHeader                string            `json:"msiHeader"`
	GitHubTokenURL           string            `json:"githubTokenUrl"`
	ADOTokenURL              string            `json:"adoTokenUrl"`
	DefaultFederatedSubjects []string          `json:"defaultFederatedSubjects"`
	FederatedAudience        string            `json:"federatedAudience"`
}

// TenantSummary is one row of GET /_emulator/tenants (no secrets).
type TenantSummary struct {
	TenantID string `json:"tenantId"`
	ClientID string `json:"clientId"`
	Domain   string `json:"domain"`
	Default  bool   `json:"default"`
}

// App registers an app: a client secret is generated when ClientSecret is empty.
type App struct {
	ClientID          string   `json:"clientId,omitempty"`
	ClientSecret      string   `json:"clientSecret,omitempty"`
	CertificatePEM    string   `json:"certificatePem,omitempty"`
	Roles             []string `json:"roles"`
	FederatedSubjects []string `json:"federatedSubjects,omitempty"`
}

// AppCredentials is what POST /apps answers.
type AppCredentials struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// AppInfo is one app of GET /apps (no secrets).
type AppInfo struct {
	ClientID               string   `json:"clientId"`
	ObjectID               string   `json:"objectId"`
	Roles                  []string `json:"roles"`
	FederatedSubjects      []string `json:"federatedSubjects"`
	CertificateThumbprints []string `json:"certificateThumbprints"`
}

// Request is one entry of a tenant's request log.
type Request struct {
	Seq             int64   `json:"seq"`
	Time            string  `json:"time"`
	Kind            string  `json:"kind"`
	Method          string  `json:"method"`
	Path            string  `json:"path"`
	Route           string  `json:"route"`
	Status          int     `json:"status"`
	TenantID        string  `json:"tenantId"`
	ClientRequestID string  `json:"clientRequestId"`
	RequestID       string  `json:"requestId"`
	Fault           string  `json:"fault"`
	Dropped         bool    `json:"dropped"`
	BatchRequestID  string  `json:"batchRequestId"`
	DurationMs      float64 `json:"durationMs"`
}

// Counters summarises a tenant's Graph traffic.
type Counters struct {
	Total  int64 `json:"total"`
	Reads  int64 `json:"reads"`
	Writes int64 `json:"writes"`
	// Batched counts the requests among Total that arrived inside a $batch; Total - Batched is the number
	// of HTTP requests (round trips) to Graph.
	Batched       int64            `json:"batched"`
	TokenRequests int64            `json:"tokenRequests"`
	KeyVault      int64            `json:"keyVaultRequests"`
	ByRoute       map[string]int64 `json:"byRoute"`
	ByStatus      map[string]int64 `json:"byStatus"`
}

// Fault is an injected failure. Status 0 with LatencyMs only slows requests down.
type Fault struct {
	ID          string  `json:"id,omitempty"`
	Method      string  `json:"method,omitempty"`
	Path        string  `json:"path,omitempty"`
	Status      int     `json:"status,omitempty"`
	ErrorCode   string  `json:"errorCode,omitempty"`
	Message     string  `json:"message,omitempty"`
	RetryAfter  *string `json:"retryAfter,omitempty"`
	Count       int     `json:"count,omitempty"`
	Skip        int     `json:"skip,omitempty"`
	Probability float64 `json:"probability,omitempty"`
	LatencyMs   int     `json:"latencyMs,omitempty"`
	Drop        string  `json:"drop,omitempty"`
	// FailAfter lets the request be processed (a pass is created, say) and then answers Status (default
	// 500) instead of the real answer.
	FailAfter bool `json:"failAfter,omitempty"`
	// Body is sent verbatim instead of the JSON error, as ContentType (default text/html); ContentType alone
	// sends a gateway's generic HTML page for Status.
	Body        string `json:"body,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	// OmitRequestID sends no request-id / client-request-id headers (token side: no x-ms-request-id).
	OmitRequestID bool `json:"omitRequestId,omitempty"`
	Hits          int  `json:"hits,omitempty"`
	Seen          int  `json:"seen,omitempty"`
}

// HTMLFault is a fault that answers status with a proxy's HTML page, optionally without request-id.
func HTMLFault(method, path string, status int, withRequestID bool) Fault {
	return Fault{Method: method, Path: path, Status: status, ContentType: "text/html", OmitRequestID: !withRequestID}
}

// RetryAfter is a helper for Fault.RetryAfter.
func RetryAfter(v string) *string { return &v }

// Clock is a tenant clock.
type Clock struct {
	Now           time.Time `json:"now"`
	OffsetSeconds float64   `json:"offsetSeconds"`
	Real          bool      `json:"real"`
}

// Settings are a tenant's switches (camelCase keys, see the emulator README).
type Settings map[string]any

// Method is an authentication method: for seeding, {"type": "fido2", "displayName": ..., "isDefault": true}.
type Method map[string]any

// ID returns the method's id.
func (m Method) ID() string { s, _ := m["id"].(string); return s }

// SignInResult says what a sign-in with a pass would do now.
type SignInResult struct {
	Success bool   `json:"success"`
	Reason  string `json:"reason"`
	// ErrorCode is the AADSTS code Entra shows (AADSTS50057 for a disabled account), where one is documented.
	ErrorCode string `json:"errorCode,omitempty"`
	// Message is the documented sign-in message, where there is one.
	Message         string   `json:"message,omitempty"`
	PromptedMethods []string `json:"promptedMethods"`
}

// IssuedSecret is a secret the emulator handed out; leak scanners grep for Value.
type IssuedSecret struct {
	Kind     string    `json:"kind"`
	TenantID string    `json:"tenantId"`
	Value    string    `json:"value"`
	IssuedAt time.Time `json:"issuedAt"`
}

// MSIToken is the App Service managed identity answer.
type MSIToken struct {
	AccessToken string `json:"access_token"`
	ExpiresOn   string `json:"expires_on"`
	Resource    string `json:"resource"`
	TokenType   string `json:"token_type"`
	ClientID    string `json:"client_id"`
}

// CLIToken is what `az account get-access-token -o json` prints.
type CLIToken struct {
	AccessToken   string `json:"accessToken"`
	ExpiresOn     string `json:"expiresOn"`
	ExpiresOnUnix int64  `json:"expires_on"`
	Subscription  string `json:"subscription"`
	Tenant        string `json:"tenant"`
	TokenType     string `json:"tokenType"`
}

// ----- emulator-wide endpoints -----

// Health returns nil when the emulator answers.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/_emulator/health", nil, nil)
}

// Info returns the emulator's URL, CA files, default tenant and federation helpers.
func (c *Client) Info(ctx context.Context) (Info, error) {
	var out Info
	err := c.do(ctx, http.MethodGet, "/_emulator/info", nil, &out)
	return out, err
}

// AllIssuedSecrets returns every secret the emulator issued, in every tenant.
func (c *Client) AllIssuedSecrets(ctx context.Context) ([]IssuedSecret, error) {
	var out struct {
		Secrets []IssuedSecret `json:"secrets"`
	}
	err := c.do(ctx, http.MethodGet, "/_emulator/issued-secrets", nil, &out)
	return out.Secrets, err
}

// FederatedToken issues an OIDC token from the emulator's federation issuer.
func (c *Client) FederatedToken(ctx context.Context, subject, audience string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	err := c.do(ctx, http.MethodPost, "/_emulator/federation/token", map[string]string{"subject": subject, "audience": audience}, &out)
	return out.Token, err
}

// GitHubToken calls the GitHub Actions-shaped endpoint with the request token from Info.
func (c *Client) GitHubToken(ctx context.Context, requestToken, audience string) (string, error) {
	var out struct {
		Value string `json:"value"`
	}
	err := c.bearer(ctx, http.MethodGet, "/_emulator/federation/github?audience="+url.QueryEscape(audience), requestToken, &out)
	return out.Value, err
}

// ADOToken calls the Azure Pipelines-shaped endpoint with the request token from Info.
func (c *Client) ADOToken(ctx context.Context, requestToken, serviceConnectionID string) (string, error) {
	var out struct {
		OIDCToken string `json:"oidcToken"`
	}
	err := c.bearer(ctx, http.MethodPost, "/_emulator/federation/ado?api-version=7.1&serviceConnectionId="+url.QueryEscape(serviceConnectionID), requestToken, &out)
	return out.OIDCToken, err
}

func (c *Client) bearer(ctx context.Context, method, path, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer closeBody(resp)
	if resp.StatusCode != http.StatusOK {
		return &Error{Method: method, Path: path, Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// ----- tenants -----

// CreateTenant creates a fresh tenant; tenantID may be empty for a random GUID.
func (c *Client) CreateTenant(ctx context.Context, tenantID string) (TenantCredentials, error) {
	var out TenantCredentials
	in := map[string]string{}
	if tenantID != "" {
		in["tenantId"] = tenantID
	}
	err := c.do(ctx, http.MethodPost, "/_emulator/tenants", in, &out)
	return out, err
}

// Tenants lists the tenants.
func (c *Client) Tenants(ctx context.Context) ([]TenantSummary, error) {
	var out struct {
		Tenants []TenantSummary `json:"tenants"`
	}
	err := c.do(ctx, http.MethodGet, "/_emulator/tenants", nil, &out)
	return out.Tenants, err
}

// Tenant returns one tenant's credentials.
func (c *Client) Tenant(ctx context.Context, tid string) (TenantCredentials, error) {
	var out TenantCredentials
	err := c.do(ctx, http.MethodGet, tenantPath(tid), nil, &out)
	return out, err
}

// DeleteTenant removes a tenant.
func (c *Client) DeleteTenant(ctx context.Context, tid string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tid), nil, nil)
}

// ResetTenant puts a tenant back to its fresh state.
func (c *Client) ResetTenant(ctx context.Context, tid string) (TenantCredentials, error) {
	var out TenantCredentials
	err := c.do(ctx, http.MethodPost, tenantPath(tid, "reset"), nil, &out)
	return out, err
}

// CreateApp registers an app in a tenant.
func (c *Client) CreateApp(ctx context.Context, tid string, app App) (AppCredentials, error) {
	var out AppCredentials
	err := c.do(ctx, http.MethodPost, tenantPath(tid, "apps"), app, &out)
	return out, err
}

// Apps lists a tenant's apps.
func (c *Client) Apps(ctx context.Context, tid string) ([]AppInfo, error) {
	var out struct {
		Apps []AppInfo `json:"apps"`
	}
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "apps"), nil, &out)
	return out.Apps, err
}

// ----- request log -----

// Requests returns a tenant's request log.
func (c *Client) Requests(ctx context.Context, tid string) ([]Request, error) {
	var out struct {
		Requests []Request `json:"requests"`
	}
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "requests"), nil, &out)
	return out.Requests, err
}

// ClearRequests empties the request log and the counters.
func (c *Client) ClearRequests(ctx context.Context, tid string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tid, "requests"), nil, nil)
}

// Counters returns a tenant's counters.
func (c *Client) Counters(ctx context.Context, tid string) (Counters, error) {
	var out Counters
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "counters"), nil, &out)
	return out, err
}

// ----- faults -----

// AddFault installs a fault and returns it with its id.
func (c *Client) AddFault(ctx context.Context, tid string, f Fault) (Fault, error) {
	var out Fault
	err := c.do(ctx, http.MethodPost, tenantPath(tid, "faults"), f, &out)
	return out, err
}

// Faults lists a tenant's faults with their hit counts.
func (c *Client) Faults(ctx context.Context, tid string) ([]Fault, error) {
	var out struct {
		Faults []Fault `json:"faults"`
	}
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "faults"), nil, &out)
	return out.Faults, err
}

// ClearFaults removes every fault of a tenant.
func (c *Client) ClearFaults(ctx context.Context, tid string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tid, "faults"), nil, nil)
}

// DeleteFault removes one fault.
func (c *Client) DeleteFault(ctx context.Context, tid, id string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tid, "faults", url.PathEscape(id)), nil, nil)
}

// ----- clock and settings -----

// Clock reads a tenant clock.
func (c *Client) Clock(ctx context.Context, tid string) (Clock, error) {
	var out Clock
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "clock"), nil, &out)
	return out, err
}

// SetClock sets a tenant clock to now.
func (c *Client) SetClock(ctx context.Context, tid string, now time.Time) (Clock, error) {
	var out Clock
	err := c.do(ctx, http.MethodPost, tenantPath(tid, "clock"), map[string]string{"now": now.Format(time.RFC3339Nano)}, &out)
	return out, err
}

// AdvanceClock moves a tenant clock by d (negative goes back).
func (c *Client) AdvanceClock(ctx context.Context, tid string, d time.Duration) (Clock, error) {
	var out Clock
	err := c.do(ctx, http.MethodPost, tenantPath(tid, "clock"), map[string]string{"advance": d.String()}, &out)
	return out, err
}

// RealClock puts a tenant clock back on real time.
func (c *Client) RealClock(ctx context.Context, tid string) (Clock, error) {
	var out Clock
	err := c.do(ctx, http.MethodPost, tenantPath(tid, "clock"), map[string]bool{"real": true}, &out)
	return out, err
}

// Settings reads a tenant's switches.
func (c *Client) Settings(ctx context.Context, tid string) (Settings, error) {
	var out Settings
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "settings"), nil, &out)
	return out, err
}

// PatchSettings changes some switches and returns all of them.
func (c *Client) PatchSettings(ctx context.Context, tid string, patch Settings) (Settings, error) {
	var out Settings
	err := c.do(ctx, http.MethodPatch, tenantPath(tid, "settings"), patch, &out)
	return out, err
}

// ----- methods, sign-in, secrets, identity helpers -----

// SeedMethod registers an authentication method for a user (id or UPN) and returns it with its id.
func (c *Client) SeedMethod(ctx context.Context, tid, user string, m Method) (Method, error) {
	var out Method
	err := c.do(ctx, http.MethodPost, tenantPath(tid, "users", url.PathEscape(user), "methods"), m, &out)
	return out, err
}

// SeededMethods lists a user's methods (other than password and pass) with the isDefault flag.
func (c *Client) SeededMethods(ctx context.Context, tid, user string) ([]Method, error) {
	var out struct {
		Methods []Method `json:"methods"`
	}
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "users", url.PathEscape(user), "methods"), nil, &out)
	return out.Methods, err
}

// SignIn simulates a sign-in with a pass by the tenant clock; a one-time pass is used up on success.
func (c *Client) SignIn(ctx context.Context, tid, user, pass string) (SignInResult, error) {
	var out SignInResult
	err := c.do(ctx, http.MethodPost, tenantPath(tid, "signin"), map[string]string{"user": user, "temporaryAccessPass": pass}, &out)
	return out, err
}

// IssuedSecrets returns the secrets issued in one tenant.
func (c *Client) IssuedSecrets(ctx context.Context, tid string) ([]IssuedSecret, error) {
	var out struct {
		Secrets []IssuedSecret `json:"secrets"`
	}
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "issued-secrets"), nil, &out)
	return out.Secrets, err
}

// MSIToken calls the App Service managed identity stand-in; clientID may be empty for the default app.
func (c *Client) MSIToken(ctx context.Context, tid, identityHeader, resource, clientID string) (MSIToken, error) {
	q := url.Values{"api-version": {"2019-08-01"}, "resource": {resource}}
	if clientID != "" {
		q.Set("client_id", clientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+tenantPath(tid, "msi", "token")+"?"+q.Encode(), nil)
	if err != nil {
		return MSIToken{}, err
	}
	req.Header.Set("X-IDENTITY-HEADER", identityHeader)
	resp, err := c.http.Do(req)
	if err != nil {
		return MSIToken{}, err
	}
	defer closeBody(resp)
	if resp.StatusCode != http.StatusOK {
		return MSIToken{}, &Error{Method: http.MethodGet, Path: tenantPath(tid, "msi", "token"), Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
	}
	var out MSIToken
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out, err
}

// CLIToken calls the Azure CLI stand-in.
func (c *Client) CLIToken(ctx context.Context, tid, resource string) (CLIToken, error) {
	var out CLIToken
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "cli", "token")+"?resource="+url.QueryEscape(resource), nil, &out)
	return out, err
}

// IsStatus reports whether err is a control or Graph error with the given HTTP status.
func IsStatus(err error, status int) bool {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Status == status
	}
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge.Status == status
	}
	return false
}

// closeBody closes a response body whose content has been read; a close error changes nothing then.
func closeBody(resp *http.Response) { _ = resp.Body.Close() }
