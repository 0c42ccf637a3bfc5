package emulator_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

func postToken(t *testing.T, tenant string, form url.Values, basic []string) response {
	t.Helper()
	req, err := http.NewRequest("POST", shared.URL()+"/"+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := sharedHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// jwtClaims decodes a JWT's payload without verifying it.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT")
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOpenIDConfiguration(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tenant := range []string{f.tid, strings.ToUpper(f.tid), f.creds.Domain} {
		r := do(t, "GET", shared.URL()+"/"+tenant+"/v2.0/.well-known/openid-configuration", nil, nil)
		expectStatus(t, r, 200)
		doc := r.json(t)
		if doc["issuer"] != shared.URL()+"/"+f.tid+"/v2.0" {
			t.Errorf("issuer %v", doc["issuer"])
		}
		for _, k := range []string{"token_endpoint", "authorization_endpoint", "jwks_uri"} {
			if s := asString(doc[k]); !strings.HasPrefix(s, shared.URL()+"/") {
				t.Errorf("%s = %v", k, doc[k])
			}
		}
	}
	r := do(t, "GET", shared.URL()+"/no-such-tenant/v2.0/.well-known/openid-configuration", nil, nil)
	expectStatus(t, r, 400)
	if r.json(t)["error"] != "invalid_tenant" {
		t.Errorf("unknown tenant: %s", r.body)
	}
	keys := do(t, "GET", shared.URL()+"/"+f.tid+"/discovery/v2.0/keys", nil, nil)
	expectStatus(t, keys, 200)
}

func TestTokenClientSecret(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	scope := shared.URL() + "/.default openid offline_access profile"
	claims := `{"access_token":{"xms_cc":{"values":["CP1"]}}}`
	for _, tc := range []struct {
		name        string
		tenant      string
		form        url.Values
		basic       []string
		wantStatus  int
		wantError   string
		wantAADSTS  string
		wantAudence string
	}{
		{name: "form secret with MSAL extras and claims", tenant: f.tid, wantStatus: 200, wantAudence: shared.URL(),
			form: url.Values{"grant_type": {"client_credentials"}, "client_id": {f.creds.ClientID}, "client_secret": {f.creds.ClientSecret}, "scope": {scope}, "claims": {claims}, "client_info": {"1"}}},
		{name: "basic auth, tenant by domain, graph audience", tenant: strings.ToUpper(f.creds.Domain), wantStatus: 200, wantAudence: "https://graph.microsoft.com",
			form:  url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}},
			basic: []string{f.creds.ClientID, f.creds.ClientSecret}},
		{name: "wrong secret", tenant: f.tid, wantStatus: 401, wantError: "invalid_client", wantAADSTS: "AADSTS7000215",
			form: url.Values{"grant_type": {"client_credentials"}, "client_id": {f.creds.ClientID}, "client_secret": {"not-the-secret"}, "scope": {scope}}},
		{name: "unknown client", tenant: f.tid, wantStatus: 400, wantError: "unauthorized_client", wantAADSTS: "AADSTS700016",
			form: url.Values{"grant_type": {"client_credentials"}, "client_id": {"00000000-0000-0000-0000-000000000001"}, "client_secret": {"x"}, "scope": {scope}}},
		{name: "unknown tenant", tenant: "11111111-1111-1111-1111-111111111111", wantStatus: 400, wantError: "invalid_tenant", wantAADSTS: "AADSTS90002",
			form: url.Values{"grant_type": {"client_credentials"}, "client_id": {f.creds.ClientID}, "client_secret": {f.creds.ClientSecret}, "scope": {scope}}},
		{name: "unsupported grant", tenant: f.tid, wantStatus: 400, wantError: "unsupported_grant_type", wantAADSTS: "AADSTS70003",
			form: url.Values{"grant_type": {"password"}, "client_id": {f.creds.ClientID}, "scope": {scope}}},
		{name: "scope without .default", tenant: f.tid, wantStatus: 400, wantError: "invalid_scope", wantAADSTS: "AADSTS1002012",
			form: url.Values{"grant_type": {"client_credentials"}, "client_id": {f.creds.ClientID}, "client_secret": {f.creds.ClientSecret}, "scope": {"User.Read"}}},
		{name: "no credential", tenant: f.tid, wantStatus: 401, wantError: "invalid_client", wantAADSTS: "AADSTS7000218",
			form: url.Values{"grant_type": {"client_credentials"}, "client_id": {f.creds.ClientID}, "scope": {scope}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postToken(t, tc.tenant, tc.form, tc.basic)
			expectStatus(t, r, tc.wantStatus)
			body := r.json(t)
			if tc.wantStatus == 200 {
				if body["token_type"] != "Bearer" || body["expires_in"] == nil {
					t.Fatalf("token response %s", r.body)
				}
				c := jwtClaims(t, asString(body["access_token"]))
				if c["aud"] != tc.wantAudence || c["tid"] != f.tid || c["appid"] != f.creds.ClientID || c["azp"] != f.creds.ClientID {
					t.Fatalf("claims %v", c)
				}
				for _, k := range []string{"oid", "roles", "iat", "nbf", "exp"} {
					if c[k] == nil {
						t.Errorf("claim %s missing", k)
					}
				}
				return
			}
			if body["error"] != tc.wantError || !strings.HasPrefix(asString(body["error_description"]), tc.wantAADSTS+":") {
				t.Fatalf("error body %s", r.body)
			}
			for _, k := range []string{"error_codes", "timestamp", "trace_id", "correlation_id"} {
				if body[k] == nil {
					t.Errorf("AADSTS body lacks %s", k)
				}
			}
			if strings.Contains(string(r.body), f.creds.ClientSecret) || strings.Contains(string(r.body), "not-the-secret") {
				t.Error("error body repeats a client secret")
			}
		})
	}
}

// testCert is an RSA certificate for client assertions, generated once: RSA key generation is slow.
var testCert = sync.OnceValues(func() (*rsa.PrivateKey, *x509.Certificate) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "emulator test app"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
})

func certPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// signAssertion builds a client assertion like MSAL: PS256 + x5t#S256, or RS256 + x5t (base64 std).
func signAssertion(t *testing.T, key *rsa.PrivateKey, cert *x509.Certificate, alg, thumbHeader string, claims map[string]any) string {
	t.Helper()
	var thumb []byte
	if thumbHeader == "x5t" {
		s := sha1.Sum(cert.Raw)
		thumb = s[:]
	} else {
		s := sha256.Sum256(cert.Raw)
		thumb = s[:]
	}
	header, _ := json.Marshal(map[string]any{"alg": alg, "typ": "JWT", thumbHeader: base64.StdEncoding.EncodeToString(thumb)})
	payload, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	if alg == "PS256" {
		sig, err = rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestTokenCertificateAssertion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, cert := testCert()
	app, err := f.ctl.CreateApp(f.ctx, f.tid, control.App{CertificatePEM: certPEM(cert), Roles: []string{"Policy.Read.AuthenticationMethod"}})
	if err != nil {
		t.Fatal(err)
	}
	tokenURL := shared.URL() + "/" + f.tid + "/oauth2/v2.0/token"
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"aud": tokenURL, "iss": app.ClientID, "sub": app.ClientID, "jti": "1",
			"nbf": time.Now().Unix(), "exp": time.Now().Add(10 * time.Minute).Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	otherKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	for _, tc := range []struct {
		name      string
		assertion string
		wantOK    bool
		wantCode  string
	}{
		{"PS256 x5t#S256 (MSAL default)", signAssertion(t, key, cert, "PS256", "x5t#S256", claims(nil)), true, ""},
		{"RS256 x5t (ADFS style)", signAssertion(t, key, cert, "RS256", "x5t", claims(nil)), true, ""},
		{"audience by domain", signAssertion(t, key, cert, "PS256", "x5t#S256", claims(func(c map[string]any) {
			c["aud"] = shared.URL() + "/" + f.creds.Domain + "/oauth2/v2.0/token"
		})), true, ""},
		{"wrong key", signAssertion(t, otherKey, cert, "PS256", "x5t#S256", claims(nil)), false, "AADSTS700027"},
		{"expired", signAssertion(t, key, cert, "PS256", "x5t#S256", claims(func(c map[string]any) {
			c["exp"] = time.Now().Add(-time.Minute).Unix()
		})), false, "AADSTS700024"},
		{"issuer is another app", signAssertion(t, key, cert, "PS256", "x5t#S256", claims(func(c map[string]any) {
			c["iss"], c["sub"] = f.creds.ClientID, f.creds.ClientID
		})), false, "AADSTS700021"},
		{"wrong audience", signAssertion(t, key, cert, "PS256", "x5t#S256", claims(func(c map[string]any) {
			c["aud"] = "https://login.microsoftonline.com/" + f.tid + "/oauth2/v2.0/token"
		})), false, "AADSTS700212"},
		{"malformed", "not.a.jwt", false, "AADSTS50027"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postToken(t, f.tid, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion":      {tc.assertion}, "client_info": {"1"},
				"scope": {shared.URL() + "/.default openid offline_access profile"}}, nil)
			if tc.wantOK {
				expectStatus(t, r, 200)
				return
			}
			if r.status < 400 || !strings.Contains(string(r.body), tc.wantCode) {
				t.Fatalf("got %d %s, want %s", r.status, r.body, tc.wantCode)
			}
			if strings.Contains(string(r.body), tc.assertion) {
				t.Error("error body repeats the assertion")
			}
		})
	}
	// The other tenant does not know this app.
	other := newFixture(t)
	r := postToken(t, other.tid, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {signAssertion(t, key, cert, "PS256", "x5t#S256", claims(nil))},
		"scope":                 {shared.URL() + "/.default"}}, nil)
	expectStatus(t, r, 400)
}

func TestTokenFederatedCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	info, err := f.ctl.Info(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	app, err := f.ctl.CreateApp(f.ctx, f.tid, control.App{Roles: []string{"User.Read.All"}, FederatedSubjects: []string{"repo:octo/app:environment:prod"}})
	if err != nil {
		t.Fatal(err)
	}
	gh, err := f.ctl.GitHubToken(f.ctx, info.GitHubRequestToken, "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	ado, err := f.ctl.ADOToken(f.ctx, info.GitHubRequestToken, "conn-1")
	if err != nil {
		t.Fatal(err)
	}
	prod, err := f.ctl.FederatedToken(f.ctx, "repo:octo/app:environment:prod", "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	wrongAud, err := f.ctl.FederatedToken(f.ctx, "emulator:x", "api://something-else")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ctl.GitHubToken(f.ctx, "wrong-request-token", "api://AzureADTokenExchange"); !control.IsStatus(err, 401) {
		t.Errorf("GitHub endpoint with a wrong request token: %v", err)
	}
	for _, tc := range []struct {
		name      string
		clientID  string
		assertion string
		wantOK    bool
	}{
		{"GitHub token, default app", f.creds.ClientID, gh, true},
		{"Azure Pipelines token, default app", f.creds.ClientID, ado, true},
		{"exact subject on a registered app", app.ClientID, prod, true},
		{"untrusted subject", app.ClientID, gh, false},
		{"wrong audience", f.creds.ClientID, wrongAud, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postToken(t, f.tid, url.Values{"grant_type": {"client_credentials"}, "client_id": {tc.clientID},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion":      {tc.assertion}, "scope": {shared.URL() + "/.default"}}, nil)
			if tc.wantOK != (r.status == 200) {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
	}
}

func TestIdentityHelpers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	info, err := f.ctl.Info(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	msi, err := f.ctl.MSIToken(f.ctx, f.tid, info.MSIHeader, shared.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	if msi.TokenType != "Bearer" || msi.ExpiresOn == "" || msi.ClientID != f.creds.ClientID {
		t.Fatalf("msi answer %+v", msi)
	}
	if _, err := f.ctl.MSIToken(f.ctx, f.tid, "wrong", shared.URL(), ""); !control.IsStatus(err, 401) {
		t.Errorf("msi with a wrong identity header: %v", err)
	}
	cli, err := f.ctl.CLIToken(f.ctx, f.tid, shared.URL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := time.ParseInLocation("2006-01-02 15:04:05.999999", cli.ExpiresOn, time.Local); err != nil || cli.ExpiresOnUnix == 0 || cli.Tenant != f.tid {
		t.Fatalf("cli answer %+v (%v)", cli, err)
	}
	// Both tokens work on Graph.
	for _, tok := range []string{msi.AccessToken, cli.AccessToken} {
		r := do(t, "GET", shared.URL()+"/v1.0/users", nil, map[string]string{"Authorization": "Bearer " + tok})
		expectStatus(t, r, 200)
	}
	c, err := f.ctl.Counters(f.ctx, f.tid)
	if err != nil {
		t.Fatal(err)
	}
	if c.TokenRequests < 2 {
		t.Errorf("tokenRequests = %d, want the msi and cli requests counted", c.TokenRequests)
	}
}
