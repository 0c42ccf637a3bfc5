package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// permissionName matches a Graph permission name in a permission text.
var permissionName = regexp.MustCompile(`[A-Za-z-]+\.[A-Za-z.-]+[A-Za-z]`)

// applicationPermissions returns the permission names of a text, up to "; delegated".
func applicationPermissions(text string) []string {
	app, _, _ := strings.Cut(text, "; delegated")
	return permissionName.FindAllString(app, -1)
}

// A 403 names what the operation needs, from graph-spec §8 and each method's permission table: writes
// name only write permissions; checkMemberGroups names both permissions it needs together; reads made
// while issuing a pass or removing methods name the permission the whole task needs.
func TestEveryOperationNamesThePermissionGraphWants(t *testing.T) {
	forbidden := answer(http.StatusForbidden, "application/json",
		`{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`)
	issuing, removing := ForIssuing(context.Background()), ForRemoving(context.Background())
	for _, tt := range []struct {
		name  string
		call  func(*Client) error
		want  []string // every one must be named
		write bool     // only write permissions may be named
	}{
		{"GetTAPPolicy", func(c *Client) error { _, err := c.GetTAPPolicy(context.Background()); return err },
			[]string{"Policy.Read.AuthenticationMethod"}, false},
		{"UpdateTAPPolicy", func(c *Client) error { return c.UpdateTAPPolicy(context.Background(), tap.Policy{}) },
			[]string{"Policy.ReadWrite.AuthenticationMethod"}, true},
		{"ResetTAPPolicy", func(c *Client) error { return c.ResetTAPPolicy(context.Background()) },
			[]string{"Policy.ReadWrite.AuthenticationMethod"}, true},
		{"GetUser", func(c *Client) error { _, err := c.GetUser(context.Background(), "u"); return err },
			[]string{"User.Read.All"}, false},
		{"CheckMemberGroups", func(c *Client) error {
			_, err := c.CheckMemberGroups(context.Background(), "u", []string{"g"})
			return err
		},
			[]string{"User.Read.All and GroupMember.Read.All", "Directory.Read.All"}, false},
		{"ListGroupUsers", func(c *Client) error { _, err := c.ListGroupUsers(context.Background(), "g"); return err },
			[]string{"GroupMember.Read.All", "User.Read.All"}, false},
		{"GetDirectoryObjects", func(c *Client) error {
			_, err := c.GetDirectoryObjects(context.Background(), []string{"x"})
			return err
		},
			[]string{"Directory.Read.All"}, false},
		{"CreateTAP", func(c *Client) error { _, err := c.CreateTAP(context.Background(), "u", NewTAP{}); return err },
			[]string{"UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"}, true},
		{"DeleteTAP", func(c *Client) error { return c.DeleteTAP(context.Background(), "u", "p") },
			[]string{"UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"}, true},
		{"ListTAPs", func(c *Client) error { _, err := c.ListTAPs(context.Background(), "u"); return err },
			[]string{"UserAuthMethod-TAP.Read.All"}, false},
		{"ListTAPs while issuing", func(c *Client) error { _, err := c.ListTAPs(issuing, "u"); return err },
			[]string{"UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"}, true},
		{"GetTAP while issuing", func(c *Client) error { _, err := c.GetTAP(issuing, "u", "p"); return err },
			[]string{"UserAuthMethod-TAP.ReadWrite.All"}, true},
		{"ListMethods", func(c *Client) error { _, err := c.ListMethods(context.Background(), "u"); return err },
			[]string{"UserAuthenticationMethod.Read.All"}, false},
		{"ListMethods while removing", func(c *Client) error { _, err := c.ListMethods(removing, "u"); return err },
			[]string{"UserAuthenticationMethod.ReadWrite.All"}, true},
		{"DeleteMethod fido2", func(c *Client) error {
			return c.DeleteMethod(context.Background(), "u", AuthenticationMethod{ID: "m", Type: MethodFido2})
		}, []string{"UserAuthenticationMethod.ReadWrite.All"}, true},
		{"DeleteMethod pass", func(c *Client) error {
			return c.DeleteMethod(context.Background(), "u", AuthenticationMethod{ID: "m", Type: MethodTemporaryAccessPass})
		}, []string{"UserAuthMethod-TAP.ReadWrite.All"}, true},
	} {
		client := newTestClient(t, "https://graph.microsoft.com", Reachability{}, &scripted{answers: []func(*http.Request) *http.Response{forbidden}})
		err := tt.call(client)
		gerr, ok := AsError(err)
		if !ok || gerr.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, want := range tt.want {
			if !strings.Contains(gerr.Permission, want) {
				t.Errorf("%s: permission %q does not name %q", tt.name, gerr.Permission, want)
			}
		}
		if tt.write {
			for _, p := range applicationPermissions(gerr.Permission) {
				if !strings.Contains(p, "ReadWrite") {
					t.Errorf("%s: a write needs a write permission, but %q names %s", tt.name, gerr.Permission, p)
				}
			}
		}
	}
}

func jwtWith(t *testing.T, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(payload) + "." + enc([]byte("signature"))
}

func TestGrantsSayWhatAnAppTokenMayDo(t *testing.T) {
	for _, tt := range []struct {
		name   string
		claims map[string]any
		want   map[Ability]Answer
	}{
		{"granular TAP writer", map[string]any{"roles": []string{"UserAuthMethod-TAP.ReadWrite.All", "Policy.Read.AuthenticationMethod", "User.Read.All"}},
			map[Ability]Answer{IssuePasses: Yes, ReadPasses: Yes, RemoveMethods: No, ReadPolicy: Yes, WritePolicy: No, ReadUsers: Yes, CheckGroups: No, SendMail: No}},
		{"full methods writer", map[string]any{"roles": []string{"UserAuthenticationMethod.ReadWrite.All", "Directory.Read.All", "Mail.Send"}},
			map[Ability]Answer{IssuePasses: Yes, RemoveMethods: Yes, ReadMethods: Yes, ReadPolicy: No, ReadUsers: Yes, CheckGroups: Yes, SendMail: Yes}},
		{"read-only plan identity", map[string]any{"roles": []string{"UserAuthMethod-TAP.Read.All", "Policy.Read.AuthenticationMethod", "User.Read.All", "GroupMember.Read.All"}},
			map[Ability]Answer{IssuePasses: No, ReadPasses: Yes, ReadPolicy: Yes, CheckGroups: Yes}},
		{"no roles at all", map[string]any{"roles": []string{}},
			map[Ability]Answer{IssuePasses: No, ReadPolicy: No}},
		{"app with a directory role", map[string]any{"roles": []string{"User.Read.All"}, "wids": []string{"C4E39BD9-1100-46D3-8C65-FB160DA0071F"}},
			map[Ability]Answer{IssuePasses: Unknown, ReadUsers: Yes}},
		{"delegated", map[string]any{"scp": "UserAuthenticationMethod.ReadWrite.All User.Read"},
			map[Ability]Answer{IssuePasses: Unknown, RemoveMethods: Unknown, SendMail: Unknown}},
		{"no claims", map[string]any{"aud": "https://graph.microsoft.com"},
			map[Ability]Answer{IssuePasses: Unknown}},
	} {
		g, err := ParseGrants(jwtWith(t, tt.claims))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for a, want := range tt.want {
			if got := g.Can(a); got != want {
				t.Errorf("%s: Can(%s) = %d, want %d", tt.name, a, got, want)
			}
		}
	}
	g, _ := ParseGrants(jwtWith(t, map[string]any{"roles": []string{"User.Read.All"}}))
	if m := g.Missing(IssuePasses, ReadUsers, SendMail); len(m) != 2 || m[0] != IssuePasses || m[1] != SendMail {
		t.Errorf("Missing = %v", m)
	}
	if got := CheckGroups.Needs(); !strings.Contains(got, ") and (") {
		t.Errorf("CheckGroups.Needs() = %q: two permissions are needed together", got)
	}
}

func TestParseGrantsRefusesWhatIsNotAJWTWithoutQuotingIt(t *testing.T) {
	for _, tok := range []string{"opaque-token-value", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("not json secret-part")) + ".c"} {
		_, err := ParseGrants(tok)
		if err == nil || strings.Contains(err.Error(), "secret-part") || strings.Contains(err.Error(), tok) {
			t.Errorf("ParseGrants(%q) = %v", tok, err)
		}
	}
}

// Client.Grants reads the token the client itself uses.
func TestClientGrantsReadsItsOwnToken(t *testing.T) {
	tok := jwtWith(t, map[string]any{"roles": []string{"UserAuthMethod-TAP.ReadWrite.All"}})
	client, err := New(Options{Endpoint: "https://graph.microsoft.com", Credential: staticCredential{tok}, Transport: &urlRecorder{}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := client.Grants(context.Background())
	if err != nil || g.Kind != TokenApp || g.Can(IssuePasses) != Yes {
		t.Fatalf("%+v, %v", g, err)
	}
}
