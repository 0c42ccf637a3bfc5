package emulator_test

import (
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

func managerRef(id string) map[string]any {
	return map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/users/" + id}
}

func TestManager(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.user("Alice"), f.user("Bob")

	// No manager yet: Graph's 404 names the 'manager' resource.
	r := f.call("GET", "/users/"+alice.ID+"/manager", nil)
	expectStatus(t, r, 404)
	if code, msg, _ := r.odataError(t); code != "Request_ResourceNotFound" ||
		msg != "Resource 'manager' does not exist or one of its queried reference-property objects are not present." {
		t.Fatalf("no manager: %s %s", code, msg)
	}

	expectStatus(t, f.call("PUT", "/users/"+alice.ID+"/manager/$ref", managerRef(bob.ID)), 204)
	r = f.call("GET", "/users/"+alice.UserPrincipalName+"/manager", nil)
	expectStatus(t, r, 200)
	got := r.json(t)
	if got["id"] != bob.ID || got["@odata.type"] != "#microsoft.graph.user" || got["userPrincipalName"] != bob.UserPrincipalName ||
		!strings.HasSuffix(asString(got["@odata.context"]), "/v1.0/$metadata#directoryObjects/$entity") {
		t.Fatalf("manager: %v", got)
	}
	if _, has := got["userType"]; has {
		t.Error("userType is not in the default property set")
	}
	r = f.call("GET", "/users/"+alice.ID+"/manager?$select=id,displayName,mail", nil)
	got = r.json(t)
	if len(got) != 5 || got["displayName"] != "Bob" || got["mail"] != nil { // + @odata.type, @odata.context
		t.Errorf("$select: %v", got)
	}
	expectStatus(t, f.call("GET", "/users/"+alice.ID+"/manager?$select=nope", nil), 400)
	r = f.call("GET", "/users/"+alice.ID+"/manager/$ref", nil)
	if !strings.Contains(asString(r.json(t)["@odata.id"]), "/directoryObjects/"+bob.ID) {
		t.Errorf("$ref: %s", r.body)
	}

	// directoryObjects references and a replacement manager.
	carol := f.user("Carol")
	expectStatus(t, f.call("PUT", "/users/"+alice.ID+"/manager/$ref",
		map[string]any{"@odata.id": shared.URL() + "/v1.0/directoryObjects/" + carol.ID}), 204)
	m, err := f.graph.GetManager(f.ctx, alice.ID)
	if err != nil || m.ID != carol.ID {
		t.Fatalf("replaced manager: %+v %v", m, err)
	}
	view, err := f.ctl.Manager(f.ctx, f.tid, alice.UserPrincipalName)
	if err != nil || view.ManagerID == nil || *view.ManagerID != carol.ID {
		t.Fatalf("control view: %+v %v", view, err)
	}

	expectStatus(t, f.call("DELETE", "/users/"+alice.ID+"/manager/$ref", nil), 204)
	expectStatus(t, f.call("GET", "/users/"+alice.ID+"/manager", nil), 404)
	r = f.call("DELETE", "/users/"+alice.ID+"/manager/$ref", nil)
	expectStatus(t, r, 404)
	if code, _, _ := r.odataError(t); code != "Request_ResourceNotFound" {
		t.Errorf("delete without manager: %s", r.body)
	}
	f.settings(control.Settings{"deleteMissingManager": "noContent"})
	expectStatus(t, f.call("DELETE", "/users/"+alice.ID+"/manager/$ref", nil), 204)

	// A deleted manager is no manager.
	if err := f.graph.SetManager(f.ctx, alice.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.graph.DeleteUser(f.ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, f.call("GET", "/users/"+alice.ID+"/manager", nil), 404)
}

func TestManagerErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.user("Alice"), f.user("Bob")
	g := f.group("Team")
	for _, tc := range []struct {
		name, path string
		body       any
		status     int
		code       string
	}{
		{"unknown user", "/users/00000000-0000-0000-0000-000000000001/manager/$ref", managerRef(bob.ID), 404, "Request_ResourceNotFound"},
		{"unknown manager", "/users/" + alice.ID + "/manager/$ref", managerRef("00000000-0000-0000-0000-000000000002"), 404, "Request_ResourceNotFound"},
		{"not a guid", "/users/" + alice.ID + "/manager/$ref", managerRef("bob@example.com"), 400, "Request_BadRequest"},
		{"no @odata.id", "/users/" + alice.ID + "/manager/$ref", map[string]any{}, 400, "Request_BadRequest"},
		{"not JSON", "/users/" + alice.ID + "/manager/$ref", "{", 400, "Request_BadRequest"},
		{"self", "/users/" + alice.ID + "/manager/$ref", managerRef(alice.ID), 400, "Request_BadRequest"},
		{"group", "/users/" + alice.ID + "/manager/$ref", managerRef(g.ID), 400, "Request_BadRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.call("PUT", tc.path, tc.body)
			expectStatus(t, r, tc.status)
			if code, _, _ := r.odataError(t); code != tc.code {
				t.Fatalf("code %s, want %s", code, tc.code)
			}
		})
	}
	expectStatus(t, f.call("GET", "/users/nobody@"+f.creds.Domain+"/manager", nil), 404)
	expectStatus(t, f.call("POST", "/users/"+alice.ID+"/manager/$ref", managerRef(bob.ID)), 405)

	// Reading needs User.Read.All (or better); writing User.ReadWrite.All or Directory.ReadWrite.All.
	app, err := f.ctl.CreateApp(f.ctx, f.tid, control.App{Roles: []string{"User.Read.All"}})
	if err != nil {
		t.Fatal(err)
	}
	reader := f.ctl.Graph(control.TenantCredentials{TenantID: f.tid, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
	if err := f.graph.SetManager(f.ctx, alice.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if m, err := reader.GetManager(f.ctx, alice.ID); err != nil || m.ID != bob.ID {
		t.Fatalf("reader: %+v %v", m, err)
	}
	for _, method := range []string{"PUT", "DELETE"} {
		resp, err := reader.Do(f.ctx, method, "/users/"+alice.ID+"/manager/$ref", managerRef(bob.ID))
		if err != nil {
			t.Fatal(err)
		}
		r := response{status: resp.Status, body: resp.Body}
		expectStatus(t, r, 403)
		if code, _, _ := r.odataError(t); code != "Authorization_RequestDenied" {
			t.Errorf("%s: %s", method, resp.Body)
		}
	}
	writer, err := f.ctl.CreateApp(f.ctx, f.tid, control.App{Roles: []string{"Directory.ReadWrite.All"}})
	if err != nil {
		t.Fatal(err)
	}
	wg := f.ctl.Graph(control.TenantCredentials{TenantID: f.tid, ClientID: writer.ClientID, ClientSecret: writer.ClientSecret})
	if err := wg.SetManager(f.ctx, bob.ID, alice.ID); err != nil {
		t.Fatalf("Directory.ReadWrite.All may assign managers: %v", err)
	}
}

func TestManagerControlAndBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.user("Alice"), f.user("Bob")
	if _, err := f.ctl.SetManager(f.ctx, f.tid, alice.UserPrincipalName, bob.UserPrincipalName); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ctl.SetManager(f.ctx, f.tid, alice.ID, alice.ID); !control.IsStatus(err, 400) {
		t.Errorf("self manager through control: %v", err)
	}
	if _, err := f.ctl.SetManager(f.ctx, f.tid, "nobody", bob.ID); !control.IsStatus(err, 404) {
		t.Errorf("unknown user through control: %v", err)
	}
	r := f.call("POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/users/" + alice.ID + "/manager?$select=id"},
		map[string]any{"id": "2", "method": "GET", "url": "/users/" + bob.ID + "/manager"},
	}})
	expectStatus(t, r, 200)
	statuses := map[string]float64{}
	for _, sub := range asSlice(r.json(t)["responses"]) {
		statuses[asString(asMap(sub)["id"])] = asMap(sub)["status"].(float64)
	}
	if statuses["1"] != 200 || statuses["2"] != 404 {
		t.Errorf("batch statuses %v", statuses)
	}
	if err := f.ctl.RemoveManager(f.ctx, f.tid, alice.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.ctl.Manager(f.ctx, f.tid, alice.ID); v.ManagerID != nil {
		t.Errorf("manager after removal: %v", *v.ManagerID)
	}
}
