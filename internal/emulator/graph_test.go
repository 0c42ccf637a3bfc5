package emulator_test

import (
	"bytes"
	"compress/gzip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

func TestGraphAuthentication(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tokenFor := func(scope string) string {
		r := postToken(t, f.tid, url.Values{"grant_type": {"client_credentials"}, "client_id": {f.creds.ClientID},
			"client_secret": {f.creds.ClientSecret}, "scope": {scope}}, nil)
		expectStatus(t, r, 200)
		return asString(r.json(t)["access_token"])
	}
	good := f.token()
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	for _, tc := range []struct {
		name    string
		auth    string
		status  int
		message string
	}{
		{"no header", "", 401, "Access token is empty."},
		{"not a JWT", "Bearer abc", 401, "IDX14100"},
		{"bad signature", "Bearer " + tampered, 401, "Access token validation failure."},
		{"other audience", "Bearer " + tokenFor("api://other-resource/.default"), 401, "Invalid audience"},
		{"emulator audience", "Bearer " + good, 200, ""},
		{"graph.microsoft.com audience", "Bearer " + tokenFor("https://graph.microsoft.com/.default"), 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.auth != "" {
				h["Authorization"] = tc.auth
			}
			r := do(t, "GET", shared.URL()+"/v1.0/users", nil, h)
			expectStatus(t, r, tc.status)
			if tc.status == 401 {
				code, msg, _ := r.odataError(t)
				if code != "InvalidAuthenticationToken" || !strings.Contains(msg, tc.message) {
					t.Fatalf("got %s %q", code, msg)
				}
			}
		})
	}
}

func TestGraphPermissions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user("Perm")
	app, err := f.ctl.CreateApp(f.ctx, f.tid, control.App{Roles: []string{"UserAuthMethod-TAP.Read.All"}})
	if err != nil {
		t.Fatal(err)
	}
	limited := f.ctl.Graph(control.TenantCredentials{TenantID: f.tid, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"directory read", "GET", "/users", nil, 403, "Authorization_RequestDenied"},
		{"policy read", "GET", tapPolicyPath, nil, 403, "accessDenied"},
		{"policy write", "PATCH", tapPolicyPath, map[string]any{"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"}, 403, "accessDenied"},
		{"TAP create", "POST", tapPath(u.ID), map[string]any{}, 403, "accessDenied"},
		{"TAP list (granular read role)", "GET", tapPath(u.ID), nil, 200, ""},
		{"methods list", "GET", "/users/" + u.ID + "/authentication/methods", nil, 403, "accessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := limited.Do(f.ctx, tc.method, tc.path, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			r := response{status: resp.Status, header: resp.Header, body: resp.Body}
			expectStatus(t, r, tc.status)
			if tc.code != "" {
				if code, _, _ := r.odataError(t); code != tc.code {
					t.Fatalf("code %s, want %s", code, tc.code)
				}
			}
		})
	}
}

var innerDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`)

func TestODataErrorShape(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user("Shape")
	for _, tc := range []struct {
		name          string
		method, path  string
		body          any
		status        int
		code          string
		message       string
		repeatMessage bool
	}{
		{"directory 404", "GET", "/users/00000000-0000-0000-0000-0000000000aa", nil, 404, "Request_ResourceNotFound",
			"Resource '00000000-0000-0000-0000-0000000000aa' does not exist or one of its queried reference-property objects are not present.", false},
		{"auth methods 400", "POST", tapPath(u.ID), map[string]any{"lifetimeInMinutes": 5}, 400, "badRequest", "", true},
		{"unknown segment", "GET", "/nothingHere", nil, 400, "BadRequest", "Resource not found for the segment 'nothingHere'.", false},
		{"method not allowed", "PATCH", tapPath(u.ID), map[string]any{}, 405, "methodNotAllowed", "The method is not supported for this URL.", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.callWith(tc.method, tc.path, tc.body, map[string]string{"client-request-id": "5f0c0fe1-0000-4000-8000-000000000001"})
			expectStatus(t, r, tc.status)
			code, msg, inner := r.odataError(t)
			if code != tc.code || (tc.message != "" && msg != tc.message) {
				t.Fatalf("got %s %q", code, msg)
			}
			if d := asString(inner["date"]); !innerDate.MatchString(d) {
				t.Errorf("innerError.date %q must have no time zone", d)
			}
			if inner["request-id"] != r.header.Get("request-id") || inner["request-id"] == "" {
				t.Errorf("innerError.request-id %v vs header %q", inner["request-id"], r.header.Get("request-id"))
			}
			if inner["client-request-id"] != "5f0c0fe1-0000-4000-8000-000000000001" || r.header.Get("client-request-id") != "5f0c0fe1-0000-4000-8000-000000000001" {
				t.Errorf("client-request-id not echoed: %v / %q", inner["client-request-id"], r.header.Get("client-request-id"))
			}
			if _, has := inner["message"]; has != tc.repeatMessage {
				t.Errorf("innerError.message present=%v, want %v", has, tc.repeatMessage)
			}
		})
	}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRequestBodies(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	upn := "gz@" + f.creds.Domain
	r := f.callWith("POST", "/users", gzipped(t, userJSON("Gz", upn)), map[string]string{"Content-Encoding": "gzip"})
	expectStatus(t, r, 201)

	r = f.callWith("POST", "/users", []byte(`{"displayName":"X","userPrincipalName":"x@y"}`), map[string]string{"Content-Encoding": "br"})
	expectStatus(t, r, 415)

	r = f.callWith("POST", "/users", []byte(`not json at all`), map[string]string{"Content-Encoding": "gzip"})
	expectStatus(t, r, 400)

	r = f.call("POST", "/users", `{"displayName":`)
	expectStatus(t, r, 400)
}

func TestPathKeysAndUPNDecoding(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	member := f.user("Casey")
	guestUPN := "casey_example.com#EXT#@" + f.creds.Domain
	guest, err := f.graph.CreateUser(f.ctx, "Guest Casey", guestUPN, control.Guest())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, wantID string
	}{
		{"id", "/users/" + member.ID, member.ID},
		{"upn", "/users/" + member.UserPrincipalName, member.ID},
		{"upn with %40", "/users/" + strings.Replace(member.UserPrincipalName, "@", "%40", 1), member.ID},
		{"upn upper case", "/users/" + strings.ToUpper(member.UserPrincipalName), member.ID},
		{"#EXT# upn as %23EXT%23", "/users/" + url.PathEscape(guestUPN), guest.ID},
		{"#EXT# upn with %40 too", "/users/casey_example.com%23EXT%23%40" + f.creds.Domain, guest.ID},
		{"segment case", "/USERS/" + member.ID, member.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.call("GET", tc.path, nil)
			expectStatus(t, r, 200)
			if id := r.json(t)["id"]; id != tc.wantID {
				t.Fatalf("id %v, want %s", id, tc.wantID)
			}
		})
	}
	for _, p := range []string{
		"/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/temporaryAccessPass",
		"/POLICIES/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/TEMPORARYACCESSPASS",
	} {
		r := f.call("GET", p, nil)
		expectStatus(t, r, 200)
		if r.json(t)["id"] != "TemporaryAccessPass" {
			t.Errorf("%s: %s", p, r.body)
		}
	}
	// The pass endpoints take the encoded UPN too, with any segment case.
	r := f.call("POST", "/users/"+url.PathEscape(guestUPN)+"/Authentication/TemporaryAccessPassMethods", map[string]any{})
	expectStatus(t, r, 201)
}
