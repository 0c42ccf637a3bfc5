package control

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Graph makes ordinary Graph calls as a tenant's default app: it gets a token from the emulator's token
// endpoint with the client secret, then sends JSON to /v1.0. Safe for concurrent use.
type Graph struct {
	baseURL string
	http    *http.Client
	creds   TenantCredentials

	mu      sync.Mutex
	token   string
	expires time.Time
}

// Graph returns a Graph helper for the tenant that creds sign in to.
func (c *Client) Graph(creds TenantCredentials) *Graph {
	return NewGraph(c.baseURL, c.http, creds)
}

// NewGraph returns a Graph helper without a control client.
func NewGraph(baseURL string, httpClient *http.Client, creds TenantCredentials) *Graph {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Graph{baseURL: strings.TrimRight(baseURL, "/"), http: httpClient, creds: creds}
}

// GraphError is a non-2xx Graph answer.
type GraphError struct {
	Method    string
	Path      string
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *GraphError) Error() string {
	return fmt.Sprintf("graph %s %s: HTTP %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// Response is a raw Graph answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) error { return json.Unmarshal(r.Body, v) }

// Token returns a cached access token for <emulator>/.default, fetching a new one when needed.
func (g *Graph) Token(ctx context.Context) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.token != "" && time.Until(g.expires) > 5*time.Minute {
		return g.token, nil
	}
	tok, expires, err := clientCredentialsToken(ctx, g.http, g.baseURL+"/"+url.PathEscape(g.creds.TenantID), g.creds, g.baseURL+"/.default")
	if err != nil {
		return "", err
	}
	g.token, g.expires = tok, expires
	return g.token, nil
}

// Do sends one Graph request. path is relative to /v1.0 ("/users"); body is JSON-encoded unless it is
// nil, a []byte or a string. A non-2xx answer is not an error here.
func (g *Graph) Do(ctx context.Context, method, path string, body any) (*Response, error) {
	tok, err := g.Token(ctx)
	if err != nil {
		return nil, err
	}
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, g.baseURL+"/v1.0"+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// readRetries bounds how often call repeats a throttled read.
const readRetries = 30

// call is Do plus error mapping and decoding into out. A read that Graph throttles (429, or 503 with
// Retry-After) is repeated after the wait it asks for, as a polite client would: tests inspect the tenant
// while throttling faults are active, and their own reads must not fail the test.
func (g *Graph) call(ctx context.Context, method, path string, body, out any) error {
	resp, err := g.Do(ctx, method, path, body)
	for try := 0; err == nil && method == http.MethodGet && try < readRetries && throttled(resp); try++ {
		if err = sleepCtx(ctx, retryWait(resp.Header.Get("Retry-After"))); err == nil {
			resp, err = g.Do(ctx, method, path, body)
		}
	}
	if err != nil {
		return err
	}
	if resp.Status/100 != 2 {
		ge := &GraphError{Method: method, Path: path, Status: resp.Status, RequestID: resp.Header.Get("request-id")}
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(resp.Body, &env) == nil {
			ge.Code, ge.Message = env.Error.Code, env.Error.Message
		}
		return ge
	}
	if out == nil || len(resp.Body) == 0 {
		return nil
	}
	return json.Unmarshal(resp.Body, out)
}

// UserPath addresses a user by id or UPN; '#' in an external guest's UPN must be escaped. A UPN that
// begins with '$' cannot be addressed as /users/$x@y (Graph answers 400): it goes as /users('$x@y').
func UserPath(idOrUPN string, rest ...string) string {
	p := "/users/" + url.PathEscape(idOrUPN)
	if strings.HasPrefix(idOrUPN, "$") {
		p = "/users('" + url.PathEscape(strings.ReplaceAll(idOrUPN, "'", "''")) + "')"
	}
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// User is the part of a Graph user the tests look at.
type User struct {
	ID                string  `json:"id"`
	DisplayName       string  `json:"displayName"`
	UserPrincipalName string  `json:"userPrincipalName"`
	UserType          string  `json:"userType"`
	CreationType      *string `json:"creationType"`
	AccountEnabled    bool    `json:"accountEnabled"`
}

// UserOption adjusts the body of CreateUser.
type UserOption func(body map[string]any)

// Guest makes an internal guest (userType Guest, local account).
func Guest() UserOption { return func(b map[string]any) { b["userType"] = "Guest" } }

// External makes an external (B2B-invited) guest: userType Guest, creationType Invitation.
func External() UserOption {
	return func(b map[string]any) { b["userType"] = "Guest"; b["creationType"] = "Invitation" }
}

// Disabled creates the account disabled.
func Disabled() UserOption { return func(b map[string]any) { b["accountEnabled"] = false } }

const userSelect = "?$select=id,displayName,userPrincipalName,userType,creationType,accountEnabled"

// CreateUser creates a user with a throwaway password and reads it back with the fields of User.
func (g *Graph) CreateUser(ctx context.Context, displayName, upn string, opts ...UserOption) (User, error) {
	nick, _, _ := strings.Cut(upn, "@")
	body := map[string]any{
		"accountEnabled": true, "displayName": displayName, "userPrincipalName": upn, "mailNickname": nick,
		"passwordProfile": map[string]any{"forceChangePasswordNextSignIn": true, "password": "Emu-" + randomSuffix()},
	}
	for _, o := range opts {
		o(body)
	}
	var created User
	if err := g.call(ctx, http.MethodPost, "/users", body, &created); err != nil {
		return User{}, err
	}
	return g.GetUser(ctx, created.ID)
}

func randomSuffix() string { return fmt.Sprintf("%x", time.Now().UnixNano()) }

// GetUser reads a user by id or UPN.
func (g *Graph) GetUser(ctx context.Context, idOrUPN string) (User, error) {
	var u User
	err := g.call(ctx, http.MethodGet, UserPath(idOrUPN)+userSelect, nil, &u)
	return u, err
}

// UpdateUser PATCHes a user by id or UPN, for example {"accountEnabled": false} to disable the account.
func (g *Graph) UpdateUser(ctx context.Context, idOrUPN string, patch map[string]any) error {
	return g.call(ctx, http.MethodPatch, UserPath(idOrUPN), patch, nil)
}

// DeleteUser deletes a user by id or UPN.
func (g *Graph) DeleteUser(ctx context.Context, idOrUPN string) error {
	return g.call(ctx, http.MethodDelete, UserPath(idOrUPN), nil, nil)
}

// Group is the part of a Graph group the tests look at.
type Group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// CreateGroup creates a security group.
func (g *Graph) CreateGroup(ctx context.Context, displayName string) (Group, error) {
	var out Group
	err := g.call(ctx, http.MethodPost, "/groups", map[string]any{"displayName": displayName, "mailEnabled": false,
		"securityEnabled": true, "mailNickname": strings.ReplaceAll(displayName, " ", "")}, &out)
	return out, err
}

// DeleteGroup deletes a group.
func (g *Graph) DeleteGroup(ctx context.Context, id string) error {
	return g.call(ctx, http.MethodDelete, "/groups/"+url.PathEscape(id), nil, nil)
}

// AddMember adds a user or group to a group.
func (g *Graph) AddMember(ctx context.Context, groupID, memberID string) error {
	return g.call(ctx, http.MethodPost, "/groups/"+url.PathEscape(groupID)+"/members/$ref",
		map[string]string{"@odata.id": g.baseURL + "/v1.0/directoryObjects/" + memberID}, nil)
}

// RemoveMember removes a member from a group.
func (g *Graph) RemoveMember(ctx context.Context, groupID, memberID string) error {
	return g.call(ctx, http.MethodDelete, "/groups/"+url.PathEscape(groupID)+"/members/"+url.PathEscape(memberID)+"/$ref", nil, nil)
}

// CheckMemberGroups returns which of groupIDs the user belongs to, transitively (at most 20 ids).
func (g *Graph) CheckMemberGroups(ctx context.Context, userID string, groupIDs []string) ([]string, error) {
	var out struct {
		Value []string `json:"value"`
	}
	err := g.call(ctx, http.MethodPost, UserPath(userID, "checkMemberGroups"), map[string]any{"groupIds": groupIDs}, &out)
	return out.Value, err
}

const tapPolicyPath = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"

// GetPolicy reads the TAP policy.
func (g *Graph) GetPolicy(ctx context.Context) (map[string]any, error) {
	var out map[string]any
	err := g.call(ctx, http.MethodGet, tapPolicyPath, nil, &out)
	return out, err
}

// PatchPolicy changes the TAP policy out of band. The required @odata.type is added when missing.
func (g *Graph) PatchPolicy(ctx context.Context, patch map[string]any) error {
	body := map[string]any{"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"}
	for k, v := range patch {
		body[k] = v
	}
	return g.call(ctx, http.MethodPatch, tapPolicyPath, body, nil)
}

// ResetPolicy deletes (reverts) the TAP policy.
func (g *Graph) ResetPolicy(ctx context.Context) error {
	return g.call(ctx, http.MethodDelete, tapPolicyPath, nil, nil)
}

// CreateTAP creates a pass for a user and returns the raw 201 body (the only place the value appears).
func (g *Graph) CreateTAP(ctx context.Context, user string, body map[string]any) (json.RawMessage, error) {
	if body == nil {
		body = map[string]any{}
	}
	var out json.RawMessage
	err := g.call(ctx, http.MethodPost, UserPath(user, "authentication", "temporaryAccessPassMethods"), body, &out)
	return out, err
}

// ListTAPs lists a user's passes (0 or 1).
func (g *Graph) ListTAPs(ctx context.Context, user string) ([]map[string]any, error) {
	return g.list(ctx, UserPath(user, "authentication", "temporaryAccessPassMethods"))
}

// DeleteTAP deletes a user's pass.
func (g *Graph) DeleteTAP(ctx context.Context, user, id string) error {
	return g.call(ctx, http.MethodDelete, UserPath(user, "authentication", "temporaryAccessPassMethods", url.PathEscape(id)), nil, nil)
}

// ListMethods lists all of a user's authentication methods.
func (g *Graph) ListMethods(ctx context.Context, user string) ([]map[string]any, error) {
	return g.list(ctx, UserPath(user, "authentication", "methods"))
}

func (g *Graph) list(ctx context.Context, path string) ([]map[string]any, error) {
	var out struct {
		Value []map[string]any `json:"value"`
	}
	err := g.call(ctx, http.MethodGet, path, nil, &out)
	return out.Value, err
}

func throttled(resp *Response) bool {
	return resp.Status == http.StatusTooManyRequests ||
		resp.Status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != ""
}

// retryWait reads Retry-After in seconds; anything else waits 200 ms.
func retryWait(header string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(header)); err == nil && n >= 0 && n <= 60 {
		return time.Duration(n) * time.Second
	}
	return 200 * time.Millisecond
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// clientCredentialsToken gets an access token for scope from the token endpoint under authority, with the app's
// client secret (the client credentials grant).
func clientCredentialsToken(ctx context.Context, client *http.Client, authority string, creds TenantCredentials, scope string) (string, time.Time, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {creds.ClientID},
		"client_secret": {creds.ClientSecret},
		"scope":         {scope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(authority, "/")+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return "", time.Time{}, err
	}
	defer closeBody(resp)
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", time.Time{}, fmt.Errorf("token endpoint: HTTP %d", resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		return "", time.Time{}, fmt.Errorf("token endpoint: HTTP %d %s: %s", resp.StatusCode, out.Error, out.Description)
	}
	return out.AccessToken, time.Now().Add(time.Duration(out.ExpiresIn) * time.Second), nil
}
