package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// One emulator serves every test; each test works in its own tenant, so tests run in parallel and the
// suite doubles as a multi-tenant isolation check. Its Logf output is kept and scanned for secrets at the end.
var (
	shared     *emulator.Emulator
	sharedHTTP *http.Client
	sharedCtl  *control.Client
	sharedLog  logCapture
)

type logCapture struct {
	mu    sync.Mutex
	lines []string
}

func (l *logCapture) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *logCapture) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func TestMain(m *testing.M) {
	if os.Getenv("EMULATOR_TEST_HELPER") != "" {
		os.Exit(m.Run()) // a child process of TestSSLCertFileTrust
	}
	var err error
	shared, err = emulator.Start(emulator.Options{Logf: sharedLog.logf})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start emulator:", err)
		os.Exit(1)
	}
	sharedHTTP, err = control.NewHTTPClient(shared.CAFile())
	if err != nil {
		fmt.Fprintln(os.Stderr, "http client:", err)
		os.Exit(1)
	}
	sharedCtl = control.New(shared.URL(), sharedHTTP)
	code := m.Run()
	if code == 0 {
		code = scanSharedLogForSecrets()
	}
	_ = shared.Close()
	os.Exit(code)
}

// scanSharedLogForSecrets fails the run when any secret the emulator issued shows up in Logf output.
func scanSharedLogForSecrets() int {
	secrets, err := sharedCtl.AllIssuedSecrets(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "issued-secrets:", err)
		return 1
	}
	logText := sharedLog.text()
	for _, s := range secrets {
		if strings.Contains(logText, s.Value) {
			fmt.Fprintf(os.Stderr, "FAIL: a %s issued by the emulator appears in Logf output\n", s.Kind)
			return 1
		}
	}
	return 0
}

// fixture is one fresh tenant of the shared emulator.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	ctl   *control.Client
	creds control.TenantCredentials
	graph *control.Graph
	tid   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	creds, err := sharedCtl.CreateTenant(ctx, "")
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	t.Cleanup(func() { _ = sharedCtl.DeleteTenant(context.Background(), creds.TenantID) })
	return &fixture{t: t, ctx: ctx, ctl: sharedCtl, creds: creds, graph: sharedCtl.Graph(creds), tid: creds.TenantID}
}

func (f *fixture) user(name string, opts ...control.UserOption) control.User {
	f.t.Helper()
	u, err := f.graph.CreateUser(f.ctx, name, strings.ToLower(name)+"@"+f.creds.Domain, opts...)
	if err != nil {
		f.t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

func (f *fixture) group(name string) control.Group {
	f.t.Helper()
	g, err := f.graph.CreateGroup(f.ctx, name)
	if err != nil {
		f.t.Fatalf("create group %s: %v", name, err)
	}
	return g
}

func (f *fixture) addMember(groupID, memberID string) {
	f.t.Helper()
	if err := f.graph.AddMember(f.ctx, groupID, memberID); err != nil {
		f.t.Fatalf("add member: %v", err)
	}
}

func (f *fixture) patchPolicy(patch map[string]any) {
	f.t.Helper()
	if err := f.graph.PatchPolicy(f.ctx, patch); err != nil {
		f.t.Fatalf("patch policy: %v", err)
	}
}

func (f *fixture) enableTAP() { f.patchPolicy(map[string]any{"state": "enabled"}) }

func (f *fixture) settings(patch control.Settings) {
	f.t.Helper()
	if _, err := f.ctl.PatchSettings(f.ctx, f.tid, patch); err != nil {
		f.t.Fatalf("patch settings: %v", err)
	}
}

func (f *fixture) token() string {
	f.t.Helper()
	tok, err := f.graph.Token(f.ctx)
	if err != nil {
		f.t.Fatalf("token: %v", err)
	}
	return tok
}

// response is a decoded HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// odataError returns error.code and error.message of an OData error body.
func (r response) odataError(t *testing.T) (code, message string, inner map[string]any) {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	if e == nil {
		t.Fatalf("no error envelope in %d: %s", r.status, r.body)
	}
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	inner, _ = e["innerError"].(map[string]any)
	return code, message, inner
}

// do sends a request to the shared emulator; body may be nil, []byte, string or a JSON value.
func do(t *testing.T, method, url string, body any, header map[string]string) response {
	t.Helper()
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
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := sharedHTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// call is do on /v1.0 with the tenant's token.
func (f *fixture) call(method, path string, body any) response {
	f.t.Helper()
	return f.callWith(method, path, body, nil)
}

func (f *fixture) callWith(method, path string, body any, header map[string]string) response {
	f.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + f.token()}
	for k, v := range header {
		h[k] = v
	}
	return do(f.t, method, shared.URL()+"/v1.0"+path, body, h)
}

func expectStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
}

const tapPolicyPath = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"

func tapPath(user string) string {
	return "/users/" + user + "/authentication/temporaryAccessPassMethods"
}

// createTAP posts a pass and returns the 201 body, failing the test on any other status.
func (f *fixture) createTAP(user string, body map[string]any) map[string]any {
	f.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := f.call("POST", tapPath(user), body)
	expectStatus(f.t, r, http.StatusCreated)
	return r.json(f.t)
}

// userBody is a POST /users body with every property Graph requires.
func userBody(displayName, upn string) map[string]any {
	nick, _, _ := strings.Cut(upn, "@")
	return map[string]any{"accountEnabled": true, "displayName": displayName, "userPrincipalName": upn,
		"mailNickname": nick, "passwordProfile": map[string]any{"password": "Emu-Passw0rd!"}}
}

// userJSON is userBody as JSON text.
func userJSON(displayName, upn string) string {
	b, _ := json.Marshal(userBody(displayName, upn))
	return string(b)
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Checked conversions of decoded JSON: a wrong shape yields the zero value, which the assertions then catch.
func asString(v any) string      { s, _ := v.(string); return s }
func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asSlice(v any) []any        { s, _ := v.([]any); return s }
