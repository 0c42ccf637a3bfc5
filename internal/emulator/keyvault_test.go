package emulator_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// vaultName is unique across the shared emulator: vault names are global, like their DNS names.
func vaultName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "kv" + hex.EncodeToString(b[:])
}

func (f *fixture) vault(opts ...func(*control.Vault)) control.VaultInfo {
	f.t.Helper()
	v := control.Vault{Name: vaultName()}
	for _, o := range opts {
		o(&v)
	}
	info, err := f.ctl.CreateVault(f.ctx, f.tid, v)
	if err != nil {
		f.t.Fatalf("create vault: %v", err)
	}
	return info
}

func (f *fixture) kv(info control.VaultInfo) *control.KeyVault {
	return f.ctl.KeyVault(f.creds, info.VaultURI)
}

// kvToken gets a token for scope with the tenant's default app.
func (f *fixture) kvToken(scope string) string {
	f.t.Helper()
	r := do(f.t, "POST", shared.URL()+"/"+f.tid+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {f.creds.ClientID}, "client_secret": {f.creds.ClientSecret}, "scope": {scope},
	}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	expectStatus(f.t, r, 200)
	return asString(r.json(f.t)["access_token"])
}

func kvErr(t *testing.T, err error, status int, code, inner string) *control.KeyVaultError {
	t.Helper()
	var ke *control.KeyVaultError
	if !errors.As(err, &ke) || ke.Status != status || ke.Code != code || ke.InnerCode != inner {
		t.Fatalf("got %v, want HTTP %d %s/%s", err, status, code, inner)
	}
	return ke
}

func kvErrorOf(t *testing.T, r response) (code, message, inner string) {
	t.Helper()
	var env struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				Code string `json:"code"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("not a Key Vault error (%d): %s", r.status, r.body)
	}
	return env.Error.Code, env.Error.Message, env.Error.InnerError.Code
}

var secretID = regexp.MustCompile(`^https://([a-z0-9-]+)\.vault\.azure\.net/secrets/([0-9a-zA-Z-]+)/([0-9a-f]{32})$`)

func TestKeyVaultChallenge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.vault()
	if v.VaultURI != shared.URL()+"/_keyvault/"+v.Name || v.Resource != "https://vault.azure.net" || v.Scope != "https://vault.azure.net/.default" ||
		v.CanonicalURI != "https://"+v.Name+".vault.azure.net" || v.TenantID != f.tid || shared.KeyVaultURL(strings.ToUpper(v.Name)) != v.VaultURI {
		t.Fatalf("vault %+v", v)
	}
	if len(v.RoleAssignments) != 1 || v.RoleAssignments[0].ClientID != strings.ToLower(f.creds.ClientID) || v.RoleAssignments[0].Roles[0] != "Key Vault Secrets Officer" {
		t.Errorf("default role assignment %+v", v.RoleAssignments)
	}
	// azsecrets' first request carries neither token nor body.
	r := do(t, "PUT", v.VaultURI+"/secrets/first?api-version=7.5", nil, map[string]string{"x-ms-client-request-id": "c0ffee"})
	expectStatus(t, r, 401)
	want := fmt.Sprintf(`Bearer authorization="%s/%s", resource="https://vault.azure.net"`, shared.URL(), f.tid)
	if got := r.header.Get("WWW-Authenticate"); got != want {
		t.Fatalf("challenge %q, want %q", got, want)
	}
	if code, msg, _ := kvErrorOf(t, r); code != "Unauthorized" || msg != "Request is missing a Bearer or PoP token." {
		t.Errorf("401 body %s", r.body)
	}
	if r.header.Get("x-ms-client-request-id") != "c0ffee" || r.header.Get("x-ms-request-id") == "" {
		t.Errorf("headers %v", r.header)
	}
	authz, scope, err := control.ParseKeyVaultChallenge(r.header.Get("WWW-Authenticate"))
	if err != nil || authz != shared.URL()+"/"+f.tid || scope != "https://vault.azure.net/.default" {
		t.Fatalf("parsed challenge %q %q %v", authz, scope, err)
	}

	// Tokens: the Graph audience, another tenant, garbage and an unknown vault.
	for _, tc := range []struct {
		name, token, substr string
	}{
		{"graph audience", f.token(), "AKV10022: Invalid audience. Expected https://vault.azure.net"},
		{"other tenant", newFixture(t).kvToken("https://vault.azure.net/.default"), "AKV10032: Invalid issuer"},
		{"garbage", "not-a-jwt", "not a well-formed JWT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, "GET", v.VaultURI+"/secrets?api-version=7.5", nil, map[string]string{"Authorization": "Bearer " + tc.token})
			expectStatus(t, r, 401)
			if _, msg, _ := kvErrorOf(t, r); !strings.Contains(msg, tc.substr) || r.header.Get("WWW-Authenticate") != want {
				t.Fatalf("%s / %q", msg, r.header.Get("WWW-Authenticate"))
			}
		})
	}
	r = do(t, "GET", shared.URL()+"/_keyvault/"+vaultName()+"/secrets?api-version=7.5", nil, nil)
	expectStatus(t, r, 404)
	if code, _, _ := kvErrorOf(t, r); code != "VaultNotFound" || r.header.Get("WWW-Authenticate") != "" {
		t.Errorf("unknown vault: %s %v", r.body, r.header)
	}
	tok := f.kvToken("https://vault.azure.net/.default")
	r = do(t, "GET", v.VaultURI+"/secrets", nil, map[string]string{"Authorization": "Bearer " + tok})
	expectStatus(t, r, 400)
	if code, _, _ := kvErrorOf(t, r); code != "BadParameter" {
		t.Errorf("no api-version: %s", r.body)
	}
	expectStatus(t, do(t, "GET", v.VaultURI+"/keys?api-version=7.5", nil, map[string]string{"Authorization": "Bearer " + tok}), 404)
	expectStatus(t, do(t, "POST", v.VaultURI+"/secrets/x?api-version=7.5", "{}", map[string]string{"Authorization": "Bearer " + tok}), 405)
	// The vault token is no good on Graph.
	expectStatus(t, do(t, "GET", shared.URL()+"/v1.0/users", nil, map[string]string{"Authorization": "Bearer " + tok}), 401)
}

func TestKeyVaultSecretLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.vault()
	kv := f.kv(v)
	ctx := f.ctx
	ct := "text/plain"
	first, err := kv.SetSecret(ctx, "Pass-Alice", "first-Value-1!", &ct, map[string]string{"user": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	m := secretID.FindStringSubmatch(first.ID)
	if m == nil || m[1] != v.Name || m[2] != "Pass-Alice" || first.Value == nil || *first.Value != "first-Value-1!" ||
		first.Attributes.Enabled == nil || !*first.Attributes.Enabled || first.Attributes.Created == 0 ||
		first.Attributes.Created != first.Attributes.Updated || first.Attributes.RecoveryLevel != "Recoverable+Purgeable" ||
		*first.ContentType != "text/plain" || first.Tags["user"] != "alice" {
		t.Fatalf("set: %+v", first)
	}
	if time.Since(time.Unix(first.Attributes.Created, 0)) > time.Minute {
		t.Errorf("created %d is not Unix seconds of now", first.Attributes.Created)
	}
	second, err := kv.SetSecret(ctx, "pass-alice", "second-Value-2!", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	v1, v2 := first.ID[strings.LastIndex(first.ID, "/")+1:], second.ID[strings.LastIndex(second.ID, "/")+1:]
	if v1 == v2 || !strings.Contains(second.ID, "/secrets/Pass-Alice/") || second.ContentType != nil || second.Tags != nil {
		t.Fatalf("second version %+v", second)
	}
	latest, err := kv.GetSecret(ctx, "PASS-ALICE", "")
	if err != nil || *latest.Value != "second-Value-2!" || latest.ID != second.ID {
		t.Fatalf("latest: %+v %v", latest, err)
	}
	if old, err := kv.GetSecret(ctx, "pass-alice", v1); err != nil || *old.Value != "first-Value-1!" {
		t.Fatalf("first version: %+v %v", old, err)
	}
	// Without the trailing slash too.
	if r, _ := kv.Do(ctx, "GET", "/secrets/pass-alice", nil); r.Status != 200 {
		t.Errorf("GET without trailing slash: %d %s", r.Status, r.Body)
	}
	_, err = kv.GetSecret(ctx, "pass-alice", strings.Repeat("0", 32))
	if ke := kvErr(t, err, 404, "SecretNotFound", ""); !strings.Contains(ke.Message, "A secret with (name/id) pass-alice/000") {
		t.Errorf("unknown version message %q", ke.Message)
	}
	_, err = kv.GetSecret(ctx, "nothing-here", "")
	if ke := kvErr(t, err, 404, "SecretNotFound", ""); ke.Message != "A secret with (name/id) nothing-here was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182" {
		t.Errorf("not found message %q", ke.Message)
	}

	// Versions, paged one at a time through nextLink.
	var ids []string
	next := "/secrets/pass-alice/versions?api-version=7.5&maxresults=1"
	for next != "" {
		r, err := kv.Do(ctx, "GET", next, nil)
		if err != nil || r.Status != 200 {
			t.Fatalf("versions: %v %s", err, r.Body)
		}
		var page struct {
			Value []struct {
				ID         string         `json:"id"`
				Value      *string        `json:"value"`
				Attributes map[string]any `json:"attributes"`
			} `json:"value"`
			NextLink *string `json:"nextLink"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Value {
			if it.Value != nil {
				t.Error("a list item carries the value")
			}
			ids = append(ids, it.ID)
		}
		next = ""
		if page.NextLink != nil {
			next = strings.TrimPrefix(*page.NextLink, v.VaultURI)
		}
	}
	if len(ids) != 2 || ids[0] != first.ID || ids[1] != second.ID {
		t.Fatalf("versions %v", ids)
	}
	if r, _ := kv.Do(ctx, "GET", "/secrets/pass-alice/versions?api-version=7.5&maxresults=26", nil); r.Status != 400 {
		t.Errorf("maxresults 26: %d", r.Status)
	}
	r, _ := kv.Do(ctx, "GET", "/secrets/unknown/versions", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"value":[]`) {
		t.Errorf("versions of an unknown secret: %d %s", r.Status, r.Body)
	}
	r, _ = kv.Do(ctx, "GET", "/secrets", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"id":"https://`+v.Name+`.vault.azure.net/secrets/Pass-Alice"`) || strings.Contains(string(r.Body), "Value-2") {
		t.Errorf("list secrets: %s", r.Body)
	}

	// Update: disable the first version; a disabled version cannot be read, the latest still can.
	r, _ = kv.Do(ctx, "PATCH", "/secrets/pass-alice/"+v1, map[string]any{"attributes": map[string]any{"enabled": false}, "tags": map[string]string{"state": "old"}})
	if r.Status != 200 || strings.Contains(string(r.Body), "first-Value") || !strings.Contains(string(r.Body), `"enabled":false`) || !strings.Contains(string(r.Body), `"state":"old"`) {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	_, err = kv.GetSecret(ctx, "pass-alice", v1)
	if ke := kvErr(t, err, 403, "Forbidden", "SecretDisabled"); ke.Message != "Operation get is not allowed on a disabled secret." {
		t.Errorf("disabled message %q", ke.Message)
	}

	// Expired secrets can be read (documented), unless keyVaultExpiredSecretGet is forbid.
	past := time.Now().Add(-time.Hour).Unix()
	if r, _ := kv.Do(ctx, "PATCH", "/secrets/pass-alice/", map[string]any{"attributes": map[string]any{"exp": past}}); r.Status != 200 {
		t.Fatalf("update latest: %d %s", r.Status, r.Body)
	}
	if got, err := kv.GetSecret(ctx, "pass-alice", ""); err != nil || got.Attributes.Expires == nil || *got.Attributes.Expires != past {
		t.Fatalf("expired get: %+v %v", got, err)
	}
	f.settings(control.Settings{"keyVaultExpiredSecretGet": "forbid"})
	_, err = kv.GetSecret(ctx, "pass-alice", "")
	kvErr(t, err, 403, "Forbidden", "SecretExpired")
	f.settings(control.Settings{"keyVaultExpiredSecretGet": "allow"})

	view, err := f.ctl.VaultSecret(ctx, f.tid, v.Name, "PASS-alice")
	if err != nil || view.Name != "Pass-Alice" || view.Current.Value != "second-Value-2!" || len(view.Versions) != 2 ||
		view.Versions[0].Value != "first-Value-1!" || *view.Versions[0].Attributes.Enabled || view.Deleted {
		t.Fatalf("control view: %+v %v", view, err)
	}

	// Soft delete, conflict on reuse, recover, delete again, purge, reuse.
	del, err := kv.DeleteSecret(ctx, "pass-alice")
	if err != nil {
		t.Fatal(err)
	}
	if del["recoveryId"] != "https://"+v.Name+".vault.azure.net/deletedsecrets/Pass-Alice" || del["id"] != second.ID || del["value"] != nil ||
		del["scheduledPurgeDate"].(float64)-del["deletedDate"].(float64) != 90*24*3600 {
		t.Fatalf("deleted bundle %v", del)
	}
	_, err = kv.GetSecret(ctx, "pass-alice", "")
	kvErr(t, err, 404, "SecretNotFound", "")
	_, err = kv.SetSecret(ctx, "pass-alice", "x", nil, nil)
	if ke := kvErr(t, err, 409, "Conflict", "ObjectIsDeletedButRecoverable"); !strings.Contains(ke.Message, "deleted but recoverable state") {
		t.Errorf("conflict message %q", ke.Message)
	}
	if r, _ := kv.Do(ctx, "GET", "/deletedsecrets/pass-alice", nil); r.Status != 200 {
		t.Errorf("get deleted: %d", r.Status)
	}
	if r, _ := kv.Do(ctx, "GET", "/deletedsecrets", nil); r.Status != 200 || !strings.Contains(string(r.Body), "recoveryId") {
		t.Errorf("list deleted: %s", r.Body)
	}
	if view, _ := f.ctl.VaultSecret(ctx, f.tid, v.Name, "pass-alice"); !view.Deleted || view.DeletedDate == nil {
		t.Errorf("control view of a deleted secret %+v", view)
	}
	if r, _ := kv.Do(ctx, "POST", "/deletedsecrets/pass-alice/recover", nil); r.Status != 200 || strings.Contains(string(r.Body), "Value-2") {
		t.Fatalf("recover: %d %s", r.Status, r.Body)
	}
	if got, err := kv.GetSecret(ctx, "pass-alice", ""); err != nil || *got.Value != "second-Value-2!" {
		t.Fatalf("after recover: %v", err)
	}
	if _, err := kv.DeleteSecret(ctx, "pass-alice"); err != nil {
		t.Fatal(err)
	}
	if err := kv.PurgeDeletedSecret(ctx, "pass-alice"); err != nil {
		t.Fatal(err)
	}
	err = kv.PurgeDeletedSecret(ctx, "pass-alice")
	if ke := kvErr(t, err, 404, "SecretNotFound", ""); ke.Message != "Deleted Secret not found: pass-alice" {
		t.Errorf("purge twice %q", ke.Message)
	}
	if _, err := kv.DeleteSecret(ctx, "pass-alice"); err == nil {
		t.Error("deleting a purged secret succeeded")
	}
	if _, err := kv.SetSecret(ctx, "pass-alice", "third", nil, nil); err != nil {
		t.Fatalf("reuse after purge: %v", err)
	}
}

func TestKeyVaultValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.vault()
	kv := f.kv(v)
	for _, tc := range []struct {
		name, path string
		body       any
		substr     string
	}{
		{"underscore in name", "/secrets/bad_name", map[string]any{"value": "x"}, "The request URI contains an invalid name: bad_name"},
		{"name too long", "/secrets/" + strings.Repeat("a", 128), map[string]any{"value": "x"}, "invalid name"},
		{"no value", "/secrets/ok", map[string]any{"contentType": "x"}, "value"},
		{"not JSON", "/secrets/ok", "{", "JSON"},
		{"too large", "/secrets/ok", map[string]any{"value": strings.Repeat("x", 25*1024+1)}, "maximum size"},
		{"too many tags", "/secrets/ok", map[string]any{"value": "x", "tags": manyTags(16)}, "tags"},
		{"long content type", "/secrets/ok", map[string]any{"value": "x", "contentType": strings.Repeat("c", 256)}, "contentType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := kv.Do(f.ctx, "PUT", tc.path, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			resp := response{status: r.Status, body: r.Body}
			expectStatus(t, resp, 400)
			if code, msg, _ := kvErrorOf(t, resp); code != "BadParameter" || !strings.Contains(msg, tc.substr) {
				t.Fatalf("%s %s", code, msg)
			}
		})
	}
	if _, err := kv.GetSecret(f.ctx, "bad.name", ""); err == nil {
		t.Error("GET with an invalid name succeeded")
	}
	if _, err := kv.SetSecret(f.ctx, strings.Repeat("a", 127), "ok", nil, nil); err != nil {
		t.Errorf("127-character name: %v", err)
	}
	f.settings(control.Settings{"keyVaultUnknownSecretVersions": "notFound", "keyVaultIdStyle": "emulator"})
	if r, _ := kv.Do(f.ctx, "GET", "/secrets/unknown/versions", nil); r.Status != 404 {
		t.Errorf("versions of an unknown secret with notFound: %d", r.Status)
	}
	got, err := kv.SetSecret(f.ctx, "styled", "value", nil, nil)
	if err != nil || !strings.HasPrefix(got.ID, v.VaultURI+"/secrets/styled/") {
		t.Errorf("emulator-style id %q %v", got.ID, err)
	}
	if _, err := f.ctl.PatchSettings(f.ctx, f.tid, control.Settings{"keyVaultAccessModel": "maybe"}); !control.IsStatus(err, 400) {
		t.Errorf("bad keyVaultAccessModel accepted: %v", err)
	}
}

func manyTags(n int) map[string]string {
	out := map[string]string{}
	for i := 0; i < n; i++ {
		out[fmt.Sprint("t", i)] = "v"
	}
	return out
}

func TestKeyVaultRBAC(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.vault()
	app, err := f.ctl.CreateApp(f.ctx, f.tid, control.App{Roles: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	appCreds := control.TenantCredentials{TenantID: f.tid, ClientID: app.ClientID, ClientSecret: app.ClientSecret}
	other := f.ctl.KeyVault(appCreds, v.VaultURI)
	if _, err := f.kv(v).SetSecret(f.ctx, "shared", "value-of-shared", nil, nil); err != nil {
		t.Fatal(err)
	}

	_, err = other.GetSecret(f.ctx, "shared", "")
	ke := kvErr(t, err, 403, "Forbidden", "ForbiddenByRbac")
	for _, want := range []string{"Caller is not authorized to perform action on resource.\r\n", "Caller: appid=" + app.ClientID + ";",
		"Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'", "/vaults/" + v.Name + "/secrets/shared'", "DecisionReason: 'DeniedWithNoValidRBAC'"} {
		if !strings.Contains(ke.Message, want) {
			t.Errorf("403 message lacks %q:\n%s", want, ke.Message)
		}
	}

	if _, err := f.ctl.SetVaultRoles(f.ctx, f.tid, v.Name, app.ClientID, "key vault secrets user"); err != nil {
		t.Fatal(err)
	}
	if got, err := other.GetSecret(f.ctx, "shared", ""); err != nil || *got.Value != "value-of-shared" {
		t.Fatalf("secrets user get: %v", err)
	}
	_, err = other.SetSecret(f.ctx, "shared", "x", nil, nil)
	if ke := kvErr(t, err, 403, "Forbidden", "ForbiddenByRbac"); !strings.Contains(ke.Message, "setSecret/action") {
		t.Errorf("set as secrets user: %s", ke.Message)
	}
	if _, err := f.ctl.SetVaultRoles(f.ctx, f.tid, v.Name, app.ClientID, "Key Vault Reader"); err != nil {
		t.Fatal(err)
	}
	if r, _ := other.Do(f.ctx, "GET", "/secrets/shared/versions", nil); r.Status != 200 {
		t.Errorf("reader lists versions: %d", r.Status)
	}
	if _, err := other.GetSecret(f.ctx, "shared", ""); err == nil {
		t.Error("a reader read the value")
	}
	if _, err := f.ctl.SetVaultRoles(f.ctx, f.tid, v.Name, app.ClientID, "Key Vault Secrets Officer"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.SetSecret(f.ctx, "shared", "by-officer", nil, nil); err != nil {
		t.Fatalf("officer set: %v", err)
	}
	if _, err := f.ctl.SetVaultRoles(f.ctx, f.tid, v.Name, app.ClientID, "Owner"); !control.IsStatus(err, 400) {
		t.Errorf("unknown role accepted: %v", err)
	}
	if err := f.ctl.RemoveVaultRoles(f.ctx, f.tid, v.Name, app.ClientID); err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetSecret(f.ctx, "shared", ""); err == nil {
		t.Error("access after the assignment was removed")
	}

	// The access model switch: deny everyone, or let every app of the tenant in.
	f.settings(control.Settings{"keyVaultAccessModel": "deny"})
	_, err = f.kv(v).GetSecret(f.ctx, "shared", "")
	kvErr(t, err, 403, "Forbidden", "ForbiddenByRbac")
	f.settings(control.Settings{"keyVaultAccessModel": "open"})
	if _, err := other.GetSecret(f.ctx, "shared", ""); err != nil {
		t.Errorf("open model: %v", err)
	}
	f.settings(control.Settings{"keyVaultAccessModel": "rbac"})

	// A vault created without the default app's role.
	no := false
	bare := f.vault(func(v *control.Vault) { v.GrantDefaultApp = &no })
	if len(bare.RoleAssignments) != 0 {
		t.Errorf("role assignments %+v", bare.RoleAssignments)
	}
	_, err = f.kv(bare).SetSecret(f.ctx, "x", "y", nil, nil)
	kvErr(t, err, 403, "Forbidden", "ForbiddenByRbac")
	if _, err := f.ctl.SetVaultRoles(f.ctx, f.tid, bare.Name, f.creds.ClientID); err != nil { // empty list: no roles
		t.Fatal(err)
	}
}

func TestKeyVaultControlAndClouds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, bad := range []string{"ab", "1vault", "vault-", "va--ult", strings.Repeat("a", 25), "v_ult"} {
		if _, err := f.ctl.CreateVault(f.ctx, f.tid, control.Vault{Name: bad}); !control.IsStatus(err, 400) {
			t.Errorf("vault name %q: %v", bad, err)
		}
	}
	if _, err := f.ctl.CreateVault(f.ctx, f.tid, control.Vault{Name: vaultName(), Cloud: "mars"}); !control.IsStatus(err, 400) {
		t.Errorf("unknown cloud: %v", err)
	}
	v := f.vault()
	other := newFixture(t)
	if _, err := other.ctl.CreateVault(other.ctx, other.tid, control.Vault{Name: strings.ToUpper(v.Name)}); !control.IsStatus(err, 409) {
		t.Errorf("duplicate vault name in another tenant: %v", err)
	}
	if _, err := other.ctl.Vault(other.ctx, other.tid, v.Name); !control.IsStatus(err, 404) {
		t.Errorf("another tenant sees the vault: %v", err)
	}

	// Seeded secrets, including a disabled one.
	off := false
	seeded, err := f.ctl.SeedVaultSecret(f.ctx, f.tid, v.Name, "seeded", control.SecretSeed{Value: "seeded-value", Attributes: &control.SecretAttributes{Enabled: &off}})
	if err != nil || seeded.Current.Value != "seeded-value" || *seeded.Current.Attributes.Enabled {
		t.Fatalf("seed: %+v %v", seeded, err)
	}
	_, err = f.kv(v).GetSecret(f.ctx, "seeded", "")
	kvErr(t, err, 403, "Forbidden", "SecretDisabled")
	if _, err := f.ctl.SeedVaultSecret(f.ctx, f.tid, v.Name, "bad_name", control.SecretSeed{Value: "x"}); !control.IsStatus(err, 400) {
		t.Errorf("bad seeded name: %v", err)
	}
	if _, err := f.ctl.VaultSecret(f.ctx, f.tid, v.Name, "absent"); !control.IsStatus(err, 404) {
		t.Errorf("absent secret: %v", err)
	}
	list, err := f.ctl.Vaults(f.ctx, f.tid)
	if err != nil || len(list) != 1 || len(list[0].Secrets) != 1 || list[0].Secrets[0] != "seeded" {
		t.Fatalf("vaults: %+v %v", list, err)
	}

	// Deleting the vault (or the tenant) frees its name.
	if err := f.ctl.DeleteVault(f.ctx, f.tid, v.Name); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, do(t, "GET", v.VaultURI+"/secrets?api-version=7.5", nil, nil), 404)
	if err := f.ctl.DeleteVault(f.ctx, f.tid, v.Name); !control.IsStatus(err, 404) {
		t.Errorf("second delete: %v", err)
	}
	moved, err := other.ctl.CreateVault(other.ctx, other.tid, control.Vault{Name: v.Name})
	if err != nil {
		t.Fatalf("name after delete: %v", err)
	}
	if _, err := other.ctl.ResetTenant(other.ctx, other.tid); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ctl.CreateVault(f.ctx, f.tid, control.Vault{Name: moved.Name}); err != nil {
		t.Fatalf("name after the owner's reset: %v", err)
	}

	// Sovereign clouds: their own resource in the challenge and as the token audience.
	gov := f.vault(func(v *control.Vault) { v.Cloud = "usgovernment" })
	if gov.Resource != "https://vault.usgovcloudapi.net" || gov.CanonicalURI != "https://"+gov.Name+".vault.usgovcloudapi.net" {
		t.Fatalf("gov vault %+v", gov)
	}
	r := do(t, "GET", gov.VaultURI+"/secrets?api-version=7.5", nil, map[string]string{"Authorization": "Bearer " + f.kvToken("https://vault.azure.net/.default")})
	expectStatus(t, r, 401)
	if !strings.Contains(r.header.Get("WWW-Authenticate"), `resource="https://vault.usgovcloudapi.net"`) {
		t.Errorf("gov challenge %q", r.header.Get("WWW-Authenticate"))
	}
	got, err := f.kv(gov).SetSecret(f.ctx, "gov", "gov-value", nil, nil)
	if err != nil || !strings.HasPrefix(got.ID, "https://"+gov.Name+".vault.usgovcloudapi.net/secrets/gov/") {
		t.Fatalf("gov set: %+v %v", got, err)
	}
	china := f.vault(func(v *control.Vault) { v.Cloud = "china" })
	if china.Resource != "https://vault.azure.cn" {
		t.Errorf("china vault %+v", china)
	}
}

func TestKeyVaultFaultsAndLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.vault()
	kv := f.kv(v)
	value := fmt.Sprintf("VaultValue-%d", time.Now().UnixNano())
	if _, err := kv.SetSecret(f.ctx, "logged", value, nil, nil); err != nil {
		t.Fatal(err)
	}
	fl := f.fault(control.Fault{Method: "GET", Path: "/_keyvault/[^/]+/secrets/logged", Status: 429, Count: 1})
	r, err := kv.Do(f.ctx, "GET", "/secrets/logged/", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := response{status: r.Status, header: r.Header, body: r.Body}
	expectStatus(t, resp, 429)
	if code, _, _ := kvErrorOf(t, resp); code != "Throttled" || r.Header.Get("Retry-After") != "1" {
		t.Errorf("429: %s %v", r.Body, r.Header)
	}
	if got, err := kv.GetSecret(f.ctx, "logged", ""); err != nil || *got.Value != value {
		t.Fatalf("after the fault: %v", err)
	}
	f.fault(control.Fault{Method: "PUT", Path: "/secrets/dropped$", Drop: "after", Count: 1})
	if _, err := kv.SetSecret(f.ctx, "dropped", "kept-although-dropped", nil, nil); err == nil {
		t.Error("dropped answer arrived")
	}
	if view, err := f.ctl.VaultSecret(f.ctx, f.tid, v.Name, "dropped"); err != nil || len(view.Versions) != 1 {
		t.Errorf("drop after keeps the write: %+v %v", view, err)
	}

	reqs, _ := f.ctl.Requests(f.ctx, f.tid)
	routes := map[string]int{}
	var faulted, challenged bool
	for _, e := range reqs {
		if e.Kind != "keyvault" {
			continue
		}
		routes[e.Route]++
		faulted = faulted || e.Fault == fl.ID && e.Status == 429
		challenged = challenged || e.Status == 401
	}
	if routes["PUT /_keyvault/{vault}/secrets/{name}"] < 2 || routes["GET /_keyvault/{vault}/secrets/{name}"] < 2 || !faulted || !challenged {
		t.Errorf("log routes %v faulted %v challenged %v", routes, faulted, challenged)
	}
	c, _ := f.ctl.Counters(f.ctx, f.tid)
	if c.KeyVault < 5 || c.Total != 0 {
		t.Errorf("counters: %+v", c)
	}
	if strings.Contains(sharedLog.text(), value) || strings.Contains(sharedLog.text(), "kept-although-dropped") {
		t.Error("a secret value reached Logf")
	}
}

// TestKeyVaultConcurrentVaultNames creates vaults with one name from many tenants at once: exactly one wins.
func TestKeyVaultConcurrentVaultNames(t *testing.T) {
	t.Parallel()
	name := vaultName()
	results := make(chan error, 4)
	for i := 0; i < 4; i++ {
		f := newFixture(t)
		go func() {
			_, err := f.ctl.CreateVault(context.Background(), f.tid, control.Vault{Name: name})
			results <- err
		}()
	}
	won := 0
	for i := 0; i < 4; i++ {
		if err := <-results; err == nil {
			won++
		} else if !control.IsStatus(err, 409) {
			t.Errorf("loser: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d tenants got vault %s", won, name)
	}
}
