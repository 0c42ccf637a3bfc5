package emulator_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// TestNoSecretsInLogs drives every kind of secret through a private emulator and checks that none of
// them reaches Logf, the request log or an error body. (TestMain does the same scan for the shared emulator.)
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	var logs logCapture
	emu, err := emulator.Start(emulator.Options{Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = emu.Close() }()
	hc, err := control.NewHTTPClient(emu.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ctl := control.New(emu.URL(), hc)
	creds := emu.DefaultTenant()
	g := ctl.Graph(control.TenantCredentials{TenantID: creds.TenantID, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, Domain: creds.Domain})

	if err := g.PatchPolicy(ctx, map[string]any{"state": "enabled"}); err != nil {
		t.Fatal(err)
	}
	password := "Sup3r-Secret-Passw0rd!"
	resp, err := g.Do(ctx, "POST", "/users", map[string]any{"accountEnabled": true, "displayName": "Leak",
		"userPrincipalName": "leak@" + creds.Domain, "mailNickname": "leak", "passwordProfile": map[string]any{"password": password}})
	if err != nil || resp.Status != 201 || strings.Contains(string(resp.Body), password) {
		t.Fatalf("create user: %v %d", err, resp.Status)
	}
	var u struct{ ID string }
	if err := resp.JSON(&u); err != nil {
		t.Fatal(err)
	}
	raw, err := g.CreateTAP(ctx, u.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var tap struct {
		Pass string `json:"temporaryAccessPass"`
	}
	if err := json.Unmarshal(raw, &tap); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.SignIn(ctx, creds.TenantID, u.ID, tap.Pass); err != nil {
		t.Fatal(err)
	}
	app, err := ctl.CreateApp(ctx, creds.TenantID, control.App{Roles: []string{"User.Read.All"}})
	if err != nil {
		t.Fatal(err)
	}
	fed, err := ctl.FederatedToken(ctx, "emulator:leak", "api://AzureADTokenExchange")
	if err != nil {
		t.Fatal(err)
	}
	// Failed sign-ins must not echo what was sent.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret + "x"}, "scope": {emu.URL() + "/.default"}}
	postForm := func() {
		resp, err := hc.Post(emu.URL()+"/"+creds.TenantID+"/oauth2/v2.0/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	postForm()
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	form.Del("client_secret")
	form.Set("client_assertion", fed)
	postForm()

	secrets, err := ctl.AllIssuedSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, s := range secrets {
		kinds[s.Kind] = true
	}
	for _, k := range []string{"temporaryAccessPass", "accessToken", "clientSecret", "federatedToken", "requestToken"} {
		if !kinds[k] {
			t.Errorf("issued-secrets lacks %s", k)
		}
	}
	reqs, _ := ctl.Requests(ctx, creds.TenantID)
	reqJSON, _ := json.Marshal(reqs)
	haystacks := map[string]string{"Logf output": logs.text(), "request log": string(reqJSON)}
	needles := append([]string{password}, func() []string {
		var v []string
		for _, s := range secrets {
			v = append(v, s.Value)
		}
		return v
	}()...)
	for where, text := range haystacks {
		if text == "" {
			t.Fatalf("%s is empty; the test would prove nothing", where)
		}
		for _, n := range needles {
			if strings.Contains(text, n) {
				t.Errorf("a secret appears in the %s", where)
			}
		}
	}
	if tenantSecrets, _ := ctl.IssuedSecrets(ctx, creds.TenantID); len(tenantSecrets) == 0 {
		t.Error("per-tenant issued-secrets is empty")
	}
}
