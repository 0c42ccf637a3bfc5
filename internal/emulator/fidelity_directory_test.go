package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// limitedGraph signs in as a new app of the tenant holding exactly roles.
func (f *fixture) limitedGraph(roles ...string) *control.Graph {
	f.t.Helper()
	app, err := f.ctl.CreateApp(f.ctx, f.tid, control.App{Roles: roles})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.ctl.Graph(control.TenantCredentials{TenantID: f.tid, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
}

func do2(t *testing.T, g *control.Graph, method, path string, body any) response {
	t.Helper()
	resp, err := g.Do(t.Context(), method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.Status, header: resp.Header, body: resp.Body}
}

func TestPermissionPairs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user("Paired")
	g := f.group("Pairs")
	nested := f.group("Nested pairs")
	check := map[string]any{"groupIds": []string{g.ID}}
	ref := func(id string) map[string]any {
		return map[string]any{"@odata.id": shared.URL() + "/v1.0/directoryObjects/" + id}
	}
	for _, tc := range []struct {
		name   string
		roles  []string
		method string
		path   string
		body   any
		status int
	}{
		// checkMemberGroups: "User.Read.All and GroupMember.Read.All, User.Read.All and Group.Read.All, ..., Directory.Read.All".
		{"checkMemberGroups with User.Read.All alone", []string{"User.Read.All"}, "POST", "/users/" + u.ID + "/checkMemberGroups", check, 403},
		{"checkMemberGroups with GroupMember.Read.All alone", []string{"GroupMember.Read.All"}, "POST", "/users/" + u.ID + "/checkMemberGroups", check, 403},
		{"checkMemberGroups with the pair", []string{"User.Read.All", "GroupMember.Read.All"}, "POST", "/users/" + u.ID + "/checkMemberGroups", check, 200},
		{"checkMemberGroups with User.Read.All and Group.Read.All", []string{"User.Read.All", "Group.Read.All"}, "POST", "/users/" + u.ID + "/checkMemberGroups", check, 200},
		{"checkMemberGroups with ReadWrite halves", []string{"User.ReadWrite.All", "GroupMember.ReadWrite.All"}, "POST", "/users/" + u.ID + "/checkMemberGroups", check, 200},
		{"checkMemberGroups with Directory.Read.All", []string{"Directory.Read.All"}, "POST", "/users/" + u.ID + "/checkMemberGroups", check, 200},
		// Adding a user member: "GroupMember.ReadWrite.All and User.ReadWrite.All".
		{"add user member with GroupMember.ReadWrite.All alone", []string{"GroupMember.ReadWrite.All"}, "POST", "/groups/" + g.ID + "/members/$ref", ref(u.ID), 403},
		{"add user member with User.ReadWrite.All alone", []string{"User.ReadWrite.All"}, "POST", "/groups/" + g.ID + "/members/$ref", ref(u.ID), 403},
		{"add user member with the pair", []string{"GroupMember.ReadWrite.All", "User.ReadWrite.All"}, "POST", "/groups/" + g.ID + "/members/$ref", ref(u.ID), 204},
		// Adding a group member: "GroupMember.ReadWrite.All and Group.ReadWrite.All".
		{"add group member with GroupMember.ReadWrite.All alone", []string{"GroupMember.ReadWrite.All"}, "POST", "/groups/" + g.ID + "/members/$ref", ref(nested.ID), 403},
		{"add group member with Directory.ReadWrite.All", []string{"Directory.ReadWrite.All"}, "POST", "/groups/" + g.ID + "/members/$ref", ref(nested.ID), 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do2(t, f.limitedGraph(tc.roles...), tc.method, tc.path, tc.body)
			expectStatus(t, r, tc.status)
			if tc.status == 403 {
				if code, _, _ := r.odataError(t); code != "Authorization_RequestDenied" {
					t.Fatalf("code %s", code)
				}
			}
		})
	}
	// The old reading (any one membership role) stays available.
	f.settings(control.Settings{"requirePermissionPairs": false})
	expectStatus(t, do2(t, f.limitedGraph("User.Read.All"), "POST", "/users/"+u.ID+"/checkMemberGroups", check), 200)
	expectStatus(t, do2(t, f.limitedGraph("GroupMember.ReadWrite.All"), "DELETE", "/groups/"+g.ID+"/members/"+u.ID+"/$ref", nil), 204)
	expectStatus(t, do2(t, f.limitedGraph("GroupMember.ReadWrite.All"), "POST", "/groups/"+g.ID+"/members/$ref", ref(u.ID)), 204)
}

const collectionSegmentMessage = "The request URI is not valid. Since the segment 'users' refers to a collection"

func TestDollarUPNs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	upn := "$svc@" + f.creds.Domain
	// control.Graph addresses it as /users('$svc@...') itself.
	svc, err := f.graph.CreateUser(f.ctx, "Service", upn)
	if err != nil {
		t.Fatal(err)
	}
	grp := f.group("Dollar group")
	f.addMember(grp.ID, svc.ID)

	// /users/$x@y is refused, literally or percent-encoded.
	for _, p := range []string{"/users/" + upn, "/users/%24svc@" + f.creds.Domain, "/users/%24svc%40" + f.creds.Domain,
		"/users/" + upn + "/authentication/temporaryAccessPassMethods"} {
		r := f.call("GET", p, nil)
		expectStatus(t, r, 400)
		if code, msg, _ := r.odataError(t); code != "BadRequest" || !strings.HasPrefix(msg, collectionSegmentMessage) {
			t.Fatalf("%s: %s %s", p, code, msg)
		}
	}
	// /users('$x@y') works on every user-addressed route, in any encoding.
	key := "/users('" + upn + "')"
	encoded := "/users(%27" + url.PathEscape(upn) + "%27)"
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", key, nil, 200},
		{"GET", encoded, nil, 200},
		{"GET", key + "?$select=id,userPrincipalName", nil, 200},
		{"PATCH", key, map[string]any{"jobTitle": "Robot"}, 204},
		{"GET", key + "/memberOf", nil, 200},
		{"GET", key + "/transitiveMemberOf", nil, 200},
		{"POST", key + "/checkMemberGroups", map[string]any{"groupIds": []string{grp.ID}}, 200},
		{"GET", key + "/authentication/methods", nil, 200},
		{"GET", key + "/authentication/phoneMethods", nil, 200},
		{"POST", key + "/authentication/temporaryAccessPassMethods", map[string]any{}, 201},
		{"GET", encoded + "/authentication/temporaryAccessPassMethods", nil, 200},
	} {
		r := f.call(tc.method, tc.path, tc.body)
		expectStatus(t, r, tc.status)
		if tc.status == 200 && tc.method == "GET" && strings.Count(tc.path, "/") == 1 {
			if r.json(t)["id"] != svc.ID {
				t.Fatalf("%s: %s", tc.path, r.body)
			}
		}
	}
	passes, err := f.graph.ListTAPs(f.ctx, upn)
	if err != nil || len(passes) != 1 {
		t.Fatalf("passes through control.UserPath: %v %v", passes, err)
	}
	if err := f.graph.DeleteTAP(f.ctx, upn, asString(passes[0]["id"])); err != nil {
		t.Fatal(err)
	}
	if got, err := f.graph.CheckMemberGroups(f.ctx, upn, []string{grp.ID}); err != nil || len(got) != 1 {
		t.Fatalf("checkMemberGroups through control.UserPath: %v %v", got, err)
	}
	// The key form also serves ordinary users and ids, with '' for a quote inside the key.
	quoted, err := f.graph.CreateUser(f.ctx, "Miles O'Brien", "o'brien@"+f.creds.Domain)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/users('o''brien@" + f.creds.Domain + "')", "/users('" + quoted.ID + "')"} {
		r := f.call("GET", p, nil)
		expectStatus(t, r, 200)
		if r.json(t)["id"] != quoted.ID {
			t.Fatalf("%s: %s", p, r.body)
		}
	}
	// Inside $batch too.
	r := f.call("POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/users/" + upn},
		map[string]any{"id": "2", "method": "GET", "url": "/users('" + upn + "')"},
	}})
	expectStatus(t, r, 200)
	for _, item := range asSlice(r.json(t)["responses"]) {
		m := asMap(item)
		if want := map[string]float64{"1": 400, "2": 200}[asString(m["id"])]; m["status"] != want {
			t.Errorf("batch %v: status %v, want %v", m["id"], m["status"], want)
		}
	}
	// The switches: only a literal '$' refused, or nothing.
	f.settings(control.Settings{"dollarUserPath": "rejectLiteral"})
	expectStatus(t, f.call("GET", "/users/"+upn, nil), 400)
	expectStatus(t, f.call("GET", "/users/%24svc@"+f.creds.Domain, nil), 200)
	f.settings(control.Settings{"dollarUserPath": "allow"})
	expectStatus(t, f.call("GET", "/users/"+upn, nil), 200)
}

func TestUserPrincipalNameRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.creds.Domain
	for _, tc := range []struct {
		upn     string
		message string // "" = accepted
	}{
		{"plain.name@" + d, ""},
		{"all'-_!#^~chars@" + d, ""},
		{"guest_example.com#EXT#@" + d, ""},
		{"$dollar@" + d, ""},
		{strings.Repeat("a", 64) + "@" + d, ""},
		{"no-at-sign." + d, "One or more properties contains invalid values."},
		{"two@at@" + d, "One or more properties contains invalid values."},
		{"dot.before.@" + d, "Property userPrincipalName is invalid."},
		{".leading@" + d, "Property userPrincipalName is invalid."},
		{"amp&ersand@" + d, "Property userPrincipalName is invalid."},
		{"plus+tag@" + d, "Property userPrincipalName is invalid."},
		{"space name@" + d, "Property userPrincipalName is invalid."},
		{"accént@" + d, "Property userPrincipalName is invalid."},
		{strings.Repeat("a", 65) + "@" + d, "Property userPrincipalName is invalid."},
		{"a@" + strings.Repeat("b", 45) + ".com", "Property userPrincipalName is invalid."},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 44) + ".com", ""}, // 113: every limit at once
	} {
		r := f.call("POST", "/users", userBody("UPN test", tc.upn))
		if tc.message == "" {
			expectStatus(t, r, 201)
			continue
		}
		expectStatus(t, r, 400)
		if code, msg, _ := r.odataError(t); code != "Request_BadRequest" || msg != tc.message {
			t.Errorf("%s: %s %q", tc.upn, code, msg)
		}
	}
	// PATCH applies the same rules, and uniqueness.
	u := f.user("Renamed")
	other := f.user("Other")
	r := f.call("PATCH", "/users/"+u.ID, map[string]any{"userPrincipalName": "bad name@" + d})
	expectStatus(t, r, 400)
	r = f.call("PATCH", "/users/"+u.ID, map[string]any{"userPrincipalName": strings.ToUpper(other.UserPrincipalName)})
	expectStatus(t, r, 400)
	if _, msg, _ := r.odataError(t); !strings.Contains(msg, "already exists") {
		t.Errorf("conflict: %s", r.body)
	}
	details := asSlice(asMap(r.json(t)["error"])["details"])
	if len(details) != 1 || asMap(details[0])["code"] != "ObjectConflict" || asMap(details[0])["target"] != "userPrincipalName" {
		t.Errorf("conflict details: %s", r.body)
	}
	expectStatus(t, f.call("PATCH", "/users/"+u.ID, map[string]any{"userPrincipalName": "renamed.again@" + d}), 204)
	expectStatus(t, f.call("GET", "/users/renamed.again@"+d, nil), 200)
	expectStatus(t, f.call("GET", "/users/"+u.UserPrincipalName, nil), 404)
	expectStatus(t, f.call("PATCH", "/users/"+u.ID, map[string]any{"displayName": " "}), 400)

	// The switches.
	f.settings(control.Settings{"allowDollarInUserPrincipalName": false})
	expectStatus(t, f.call("POST", "/users", userBody("No dollar", "$nodollar@"+d)), 400)
	f.settings(control.Settings{"validateUserPrincipalName": false})
	expectStatus(t, f.call("POST", "/users", userBody("Anything", "any thing+&@"+d)), 201)
	expectStatus(t, f.call("POST", "/users", userBody("Still needs @", "nothing."+d)), 400)
}

func TestUserCreateRequiredProperties(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, prop := range []string{"accountEnabled", "displayName", "mailNickname", "passwordProfile", "userPrincipalName"} {
		body := userBody("Required", "required."+strings.ToLower(prop)+"@"+f.creds.Domain)
		delete(body, prop)
		r := f.call("POST", "/users", body)
		expectStatus(t, r, 400)
		if code, msg, _ := r.odataError(t); code != "Request_BadRequest" || msg != "Property "+prop+" value is required but is empty or missing." {
			t.Errorf("without %s: %s %q", prop, code, msg)
		}
		body[prop] = nil
		expectStatus(t, f.call("POST", "/users", body), 400)
	}
	body := userBody("Required", "empty.nick@"+f.creds.Domain)
	body["mailNickname"] = ""
	expectStatus(t, f.call("POST", "/users", body), 400)
	// A wrong JSON type is an invalid value, with Graph's details.
	body = userBody("Typed", "typed@"+f.creds.Domain)
	body["accountEnabled"] = "yes"
	r := f.call("POST", "/users", body)
	expectStatus(t, r, 400)
	if _, msg, _ := r.odataError(t); msg != "Invalid value specified for property 'accountEnabled' of resource 'User'." {
		t.Errorf("type: %s", r.body)
	}
	if d := asSlice(asMap(r.json(t)["error"])["details"]); len(d) != 1 || asMap(d[0])["code"] != "InvalidValue" || asMap(d[0])["target"] != "accountEnabled" {
		t.Errorf("details: %s", r.body)
	}
	// The lenient reading: displayName and userPrincipalName suffice.
	f.settings(control.Settings{"requireUserCreateProperties": false})
	r = f.call("POST", "/users", map[string]any{"displayName": "Lenient", "userPrincipalName": "lenient@" + f.creds.Domain})
	expectStatus(t, r, 201)
	got := f.call("GET", "/users/lenient@"+f.creds.Domain+"?$select=mailNickname,accountEnabled", nil).json(t)
	if got["mailNickname"] != "lenient" || got["accountEnabled"] != true {
		t.Errorf("lenient defaults: %v", got)
	}
}

// userCatalogue mirrors the emulator's list of v1.0 user properties (resources/user.md).
var userCatalogue = []string{
	"aboutMe", "accountEnabled", "ageGroup", "assignedLicenses", "assignedPlans", "authorizationInfo", "birthday",
	"businessPhones", "city", "companyName", "consentProvidedForMinor", "country", "createdDateTime", "creationType",
	"customSecurityAttributes", "deletedDateTime", "department", "deviceEnrollmentLimit", "displayName",
	"employeeHireDate", "employeeId", "employeeLeaveDateTime", "employeeOrgData", "employeeType", "externalUserState",
	"externalUserStateChangeDateTime", "faxNumber", "givenName", "hireDate", "id", "identities", "identityParentId",
	"imAddresses", "interests", "isManagementRestricted", "isResourceAccount", "jobTitle", "lastPasswordChangeDateTime",
	"legalAgeGroupClassification", "licenseAssignmentStates", "mail", "mailboxSettings", "mailNickname", "mobilePhone",
	"mySite", "officeLocation", "onPremisesDistinguishedName", "onPremisesDomainName", "onPremisesExtensionAttributes",
	"onPremisesImmutableId", "onPremisesLastSyncDateTime", "onPremisesProvisioningErrors", "onPremisesSamAccountName",
	"onPremisesSecurityIdentifier", "onPremisesSyncEnabled", "onPremisesUserPrincipalName", "otherMails",
	"passwordPolicies", "passwordProfile", "pastProjects", "postalCode", "preferredDataLocation", "preferredLanguage",
	"preferredName", "provisionedPlans", "proxyAddresses", "responsibilities", "schools", "securityIdentifier",
	"serviceProvisioningErrors", "showInAddressList", "signInActivity", "signInSessionsValidFromDateTime", "skills",
	"state", "streetAddress", "surname", "usageLocation", "userPrincipalName", "userType",
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		if !strings.HasPrefix(k, "@odata.") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func TestUserSelect(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	body := userBody("Selma Lagerlöf", "selma@"+f.creds.Domain)
	body["jobTitle"], body["department"], body["usageLocation"] = "Author", "Literature", "SE"
	r := f.call("POST", "/users", body)
	expectStatus(t, r, 201)
	id := asString(r.json(t)["id"])

	// The documented default set.
	def := f.call("GET", "/users/"+id, nil).json(t)
	want := []string{"businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "officeLocation",
		"preferredLanguage", "surname", "userPrincipalName"}
	if got := keysOf(def); strings.Join(got, ",") != strings.Join(want, ",") || def["jobTitle"] != "Author" {
		t.Fatalf("default set %v: %v", got, def)
	}
	// Every documented property is selectable, alone, and only it comes back.
	for _, prop := range userCatalogue {
		r := f.call("GET", "/users/"+id+"?$select="+prop, nil)
		expectStatus(t, r, 200)
		got := r.json(t)
		if keys := keysOf(got); len(keys) != 1 || keys[0] != prop {
			t.Errorf("$select=%s: %v", prop, keys)
		}
		if ctx := asString(got["@odata.context"]); !strings.HasSuffix(ctx, "$metadata#users("+prop+")/$entity") {
			t.Errorf("$select=%s context %s", prop, ctx)
		}
	}
	sel := f.call("GET", "/users/"+id+"?$select=AccountEnabled,userType,creationType,externalUserState,onPremisesSyncEnabled,identities,department,usageLocation", nil).json(t)
	if sel["accountEnabled"] != true || sel["userType"] != "Member" || sel["creationType"] != nil || sel["department"] != "Literature" ||
		sel["usageLocation"] != "SE" || sel["onPremisesSyncEnabled"] != nil {
		t.Errorf("$select values: %v", sel)
	}
	if ids := asSlice(sel["identities"]); len(ids) != 1 || asMap(ids[0])["issuerAssignedId"] != "selma@"+f.creds.Domain {
		t.Errorf("identities: %v", sel["identities"])
	}
	// On lists too.
	list := f.call("GET", "/users?$select=id,accountEnabled", nil).json(t)
	if items := asSlice(list["value"]); len(items) != 1 || len(keysOf(asMap(items[0]))) != 2 {
		t.Errorf("list $select: %v", list)
	}
	// Unknown properties and navigation properties are not selectable.
	for _, bad := range []string{"nope", "manager", "id,nope"} {
		r := f.call("GET", "/users/"+id+"?$select="+bad, nil)
		expectStatus(t, r, 400)
		if code, msg, _ := r.odataError(t); code != "BadRequest" ||
			!strings.HasPrefix(msg, "Parsing OData Select and Expand failed: Could not find a property named '") ||
			!strings.HasSuffix(msg, "' on type 'microsoft.graph.user'.") {
			t.Errorf("$select=%s: %s %s", bad, code, msg)
		}
	}
	// signInActivity needs AuditLog.Read.All.
	r = do2(t, f.limitedGraph("User.Read.All"), "GET", "/users/"+id+"?$select=signInActivity", nil)
	expectStatus(t, r, 403)
	if code, msg, _ := r.odataError(t); code != "Authentication_MSGraphPermissionMissing" || !strings.Contains(msg, "AuditLog.Read.All") {
		t.Errorf("signInActivity without AuditLog.Read.All: %s %s", code, msg)
	}
	expectStatus(t, do2(t, f.limitedGraph("User.Read.All"), "GET", "/users?$select=id,signInActivity", nil), 403)
	expectStatus(t, do2(t, f.limitedGraph("User.Read.All", "AuditLog.Read.All"), "GET", "/users/"+id+"?$select=signInActivity", nil), 200)
	if a := f.call("GET", "/users/"+id+"?$select=signInActivity", nil).json(t)["signInActivity"]; a != nil {
		t.Errorf("no sign-in yet: %v", a)
	}
	pass := asString(f.createTAP(id, nil)["temporaryAccessPass"])
	if res, err := f.ctl.SignIn(f.ctx, f.tid, id, pass); err != nil || !res.Success {
		t.Fatalf("sign-in %+v %v", res, err)
	}
	activity := asMap(f.call("GET", "/users/"+id+"?$select=signInActivity", nil).json(t)["signInActivity"])
	if activity["lastSignInDateTime"] == nil || activity["lastSuccessfulSignInDateTime"] != activity["lastSignInDateTime"] {
		t.Errorf("signInActivity after a sign-in: %v", activity)
	}
}

func TestDirectoryObjectShapes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	member := f.user("Member")
	guest := f.user("Guest", control.External())
	disabled := f.user("Off", control.Disabled())
	g := f.group("Shapes")
	for _, u := range []string{member.ID, guest.ID, disabled.ID} {
		f.addMember(g.ID, u)
	}
	// getByIds: the full objects, with @odata.type (directoryobject-getbyids page).
	r := f.call("POST", "/directoryObjects/getByIds", map[string]any{"ids": []string{member.ID, guest.ID, disabled.ID, g.ID}})
	expectStatus(t, r, 200)
	items := asSlice(r.json(t)["value"])
	if len(items) != 4 {
		t.Fatalf("getByIds: %s", r.body)
	}
	byID := map[string]map[string]any{}
	for _, it := range items {
		byID[asString(asMap(it)["id"])] = asMap(it)
	}
	for _, want := range []struct {
		id                    string
		enabled               bool
		userType, creationTyp any
	}{{member.ID, true, "Member", nil}, {guest.ID, true, "Guest", "Invitation"}, {disabled.ID, false, "Member", nil}} {
		o := byID[want.id]
		if o["@odata.type"] != "#microsoft.graph.user" || o["accountEnabled"] != want.enabled || o["userType"] != want.userType ||
			o["creationType"] != want.creationTyp || o["userPrincipalName"] == nil || o["createdDateTime"] == nil {
			t.Errorf("getByIds user %s: %v", want.id, o)
		}
		if _, has := o["signInActivity"]; has {
			t.Error("signInActivity is not part of the full object")
		}
	}
	if byID[g.ID]["@odata.type"] != "#microsoft.graph.group" || byID[g.ID]["securityEnabled"] != true {
		t.Errorf("getByIds group: %v", byID[g.ID])
	}
	f.settings(control.Settings{"getByIdsRepresentation": "default"})
	r = f.call("POST", "/directoryObjects/getByIds", map[string]any{"ids": []string{member.ID}})
	if o := asMap(asSlice(r.json(t)["value"])[0]); o["accountEnabled"] != nil || o["@odata.type"] != "#microsoft.graph.user" {
		t.Errorf("default representation: %v", o)
	}

	// Member collections honour $select, per object type, and keep @odata.type.
	r = f.call("GET", "/groups/"+g.ID+"/transitiveMembers?$select=id,userPrincipalName,userType,creationType,accountEnabled", nil)
	expectStatus(t, r, 200)
	for _, it := range asSlice(r.json(t)["value"]) {
		o := asMap(it)
		if len(keysOf(o)) != 5 || o["@odata.type"] != "#microsoft.graph.user" {
			t.Errorf("member %v", o)
		}
		if o["id"] == disabled.ID && o["accountEnabled"] != false {
			t.Errorf("disabled member %v", o)
		}
	}
	if !strings.Contains(asString(r.json(t)["@odata.context"]), "directoryObjects(id,userPrincipalName") {
		t.Errorf("context %s", r.body)
	}
	r = f.call("GET", "/users/"+member.ID+"/memberOf?$select=displayName,securityEnabled", nil)
	if o := asMap(asSlice(r.json(t)["value"])[0]); o["displayName"] != "Shapes" || o["securityEnabled"] != true || len(keysOf(o)) != 2 {
		t.Errorf("memberOf $select: %v", o)
	}
	r = f.call("GET", "/groups/"+g.ID+"/members?$select=nope", nil)
	expectStatus(t, r, 400)
	if _, msg, _ := r.odataError(t); !strings.HasSuffix(msg, "on type 'microsoft.graph.directoryObject'.") {
		t.Errorf("unknown member property: %s", msg)
	}
}

func TestUpdateUserAndDisabledAccounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	u := f.user("Dormant")
	pass := asString(f.createTAP(u.ID, nil)["temporaryAccessPass"])
	if err := f.graph.UpdateUser(f.ctx, u.ID, map[string]any{"accountEnabled": false, "jobTitle": "On leave"}); err != nil {
		t.Fatal(err)
	}
	got := f.call("GET", "/users/"+u.ID+"?$select=accountEnabled,jobTitle,displayName", nil).json(t)
	if got["accountEnabled"] != false || got["jobTitle"] != "On leave" || got["displayName"] != "Dormant" {
		t.Fatalf("after PATCH: %v", got)
	}
	// Sign-in fails for the disabled account (AADSTS50057) however good the pass.
	res, err := f.ctl.SignIn(f.ctx, f.tid, u.ID, pass)
	if err != nil || res.Success || res.Reason != "UserDisabled" || res.ErrorCode != "AADSTS50057" || res.Message != "User account is disabled." {
		t.Fatalf("disabled sign-in %+v %v", res, err)
	}
	// Graph still issues passes to disabled accounts, unless the switch says otherwise.
	f.createTAP(u.ID, nil)
	f.settings(control.Settings{"rejectTapForDisabledUser": true})
	r := f.call("POST", tapPath(u.ID), map[string]any{})
	expectStatus(t, r, 400)
	// Enabled again, the newest pass signs in.
	if err := f.graph.UpdateUser(f.ctx, u.ID, map[string]any{"accountEnabled": true}); err != nil {
		t.Fatal(err)
	}
	pass = asString(f.createTAP(u.ID, nil)["temporaryAccessPass"])
	if res, _ := f.ctl.SignIn(f.ctx, f.tid, u.ID, pass); !res.Success {
		t.Fatalf("re-enabled sign-in %+v", res)
	}
	// PATCH validates types like POST.
	r = f.call("PATCH", "/users/"+u.ID, map[string]any{"accountEnabled": "no"})
	expectStatus(t, r, 400)
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	if json.Unmarshal(r.body, &env) != nil || env.Error.Code != "Request_BadRequest" {
		t.Errorf("PATCH type: %s", r.body)
	}
	expectStatus(t, f.call("PATCH", "/users/nobody@"+f.creds.Domain, map[string]any{"jobTitle": "x"}), http.StatusNotFound)
}
