package emulator_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.user("Alice")
	if alice.UserType != "Member" || alice.CreationType != nil || !alice.AccountEnabled {
		t.Fatalf("member defaults: %+v", alice)
	}
	r := f.call("POST", "/users", userBody("Dup", strings.ToUpper(alice.UserPrincipalName)))
	expectStatus(t, r, 400)
	if code, msg, _ := r.odataError(t); code != "Request_BadRequest" || !strings.Contains(msg, "userPrincipalName already exists") {
		t.Fatalf("duplicate: %s %s", code, msg)
	}
	r = f.call("POST", "/users", map[string]any{"userPrincipalName": "x@" + f.creds.Domain})
	expectStatus(t, r, 400)

	// Without $select Graph returns its default property set, which lacks userType.
	r = f.call("GET", "/users/"+alice.ID, nil)
	expectStatus(t, r, 200)
	if _, has := r.json(t)["userType"]; has {
		t.Error("userType is not in the default property set")
	}
	r = f.call("GET", "/users/"+alice.ID+"?$select=id,userType", nil)
	if got := r.json(t); got["userType"] != "Member" || len(got) != 3 { // + @odata.context
		t.Errorf("$select: %v", got)
	}
	r = f.call("GET", "/users/"+alice.ID+"?$select=nope", nil)
	expectStatus(t, r, 400)

	// Paging.
	for i := 0; i < 4; i++ {
		f.user(fmt.Sprintf("Pager%d", i))
	}
	var seen []string
	next := "/users?$top=2&$select=id"
	for next != "" {
		r := f.call("GET", next, nil)
		expectStatus(t, r, 200)
		body := r.json(t)
		for _, v := range asSlice(body["value"]) {
			seen = append(seen, asString(asMap(v)["id"]))
		}
		next = ""
		if link, ok := body["@odata.nextLink"].(string); ok {
			next = strings.TrimPrefix(link, shared.URL()+"/v1.0")
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d users, want 5", len(seen))
	}
	r = f.call("GET", "/users?$filter=userPrincipalName eq '"+alice.UserPrincipalName+"'", nil)
	if v := asSlice(r.json(t)["value"]); len(v) != 1 {
		t.Fatalf("$filter eq: %s", r.body)
	}
	// `in`, as many users' lookups use it: ids or principal names, in any case, at most 15 values.
	r = f.call("GET", "/users?$filter=id in ('"+alice.ID+"','00000000-0000-0000-0000-00000000dead')&$select=id,accountEnabled", nil)
	if v := asSlice(r.json(t)["value"]); len(v) != 1 || asMap(v[0])["accountEnabled"] != true {
		t.Fatalf("$filter in by id: %s", r.body)
	}
	r = f.call("GET", "/users?$filter=userPrincipalName in ('"+strings.ToUpper(alice.UserPrincipalName)+"')", nil)
	if v := asSlice(r.json(t)["value"]); len(v) != 1 {
		t.Fatalf("$filter in by principal name: %s", r.body)
	}
	values := make([]string, 16)
	for i := range values {
		values[i] = fmt.Sprintf("'u%d@x.com'", i)
	}
	r = f.call("GET", "/users?$filter=userPrincipalName in ("+strings.Join(values, ",")+")", nil)
	expectStatus(t, r, 400)
	if code, msg, _ := r.odataError(t); code != "Request_UnsupportedQuery" || !strings.Contains(msg, "16. Max allowed: 15") {
		t.Errorf("16 values: %s %s", code, msg)
	}

	if err := f.graph.DeleteUser(f.ctx, alice.UserPrincipalName); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, f.call("GET", "/users/"+alice.ID, nil), 404)
	expectStatus(t, f.call("DELETE", "/users/"+alice.ID, nil), 404)
}

func TestGroupsAndTransitiveMembership(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user("Member")
	other := f.user("Other")
	outer, mid, inner, unrelated := f.group("Outer"), f.group("Mid"), f.group("Inner"), f.group("Unrelated")
	f.addMember(outer.ID, mid.ID)
	f.addMember(mid.ID, inner.ID)
	f.addMember(inner.ID, u.ID)
	f.addMember(inner.ID, outer.ID) // a cycle must not hang the walk

	r := f.call("POST", "/groups/"+inner.ID+"/members/$ref", map[string]any{"@odata.id": shared.URL() + "/v1.0/directoryObjects/" + u.ID})
	expectStatus(t, r, 400)
	r = f.call("POST", "/groups/"+inner.ID+"/members/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/00000000-0000-0000-0000-000000000042"})
	expectStatus(t, r, 404)

	ids := func(r response) []string {
		t.Helper()
		expectStatus(t, r, 200)
		var out []string
		for _, v := range asSlice(r.json(t)["value"]) {
			o := asMap(v)
			if o["@odata.type"] == nil {
				t.Errorf("directory object without @odata.type: %v", o)
			}
			out = append(out, asString(o["id"]))
		}
		sort.Strings(out)
		return out
	}
	sorted := func(v ...string) []string { sort.Strings(v); return v }
	if got := ids(f.call("GET", "/users/"+u.ID+"/memberOf", nil)); fmt.Sprint(got) != fmt.Sprint([]string{inner.ID}) {
		t.Errorf("memberOf %v", got)
	}
	if got := ids(f.call("GET", "/users/"+u.ID+"/transitiveMemberOf", nil)); fmt.Sprint(got) != fmt.Sprint(sorted(inner.ID, mid.ID, outer.ID)) {
		t.Errorf("transitiveMemberOf %v", got)
	}
	if got := ids(f.call("GET", "/groups/"+outer.ID+"/transitiveMembers", nil)); fmt.Sprint(got) != fmt.Sprint(sorted(mid.ID, inner.ID, u.ID)) {
		t.Errorf("transitiveMembers %v", got)
	}

	for _, tc := range []struct {
		name   string
		user   string
		groups []string
		want   []string
	}{
		{"nested", u.ID, []string{outer.ID, unrelated.ID, mid.ID}, []string{outer.ID, mid.ID}},
		{"by UPN via microsoft.graph. prefix", u.UserPrincipalName, []string{inner.ID}, []string{inner.ID}},
		{"not a member", other.ID, []string{outer.ID}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/users/" + tc.user + "/checkMemberGroups"
			if strings.Contains(tc.name, "prefix") {
				path = "/users/" + tc.user + "/microsoft.graph.checkMemberGroups"
			}
			r := f.call("POST", path, map[string]any{"groupIds": tc.groups})
			expectStatus(t, r, 200)
			got := []string{}
			for _, v := range asSlice(r.json(t)["value"]) {
				got = append(got, asString(v))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	many := make([]string, 21)
	for i := range many {
		many[i] = outer.ID
	}
	expectStatus(t, f.call("POST", "/users/"+u.ID+"/checkMemberGroups", map[string]any{"groupIds": many}), 400)

	r = f.call("POST", "/directoryObjects/getByIds", map[string]any{"ids": []string{u.ID, outer.ID, "00000000-0000-0000-0000-000000000009"}, "types": []string{"user"}})
	if got := ids(r); fmt.Sprint(got) != fmt.Sprint([]string{u.ID}) {
		t.Errorf("getByIds %v", got)
	}

	expectStatus(t, f.call("DELETE", "/groups/"+inner.ID+"/members/"+u.ID+"/$ref", nil), 204)
	expectStatus(t, f.call("DELETE", "/groups/"+inner.ID+"/members/"+u.ID+"/$ref", nil), 404)
	if got := ids(f.call("GET", "/users/"+u.ID+"/transitiveMemberOf", nil)); len(got) != 0 {
		t.Errorf("after removal: %v", got)
	}
	expectStatus(t, f.call("DELETE", "/groups/"+mid.ID, nil), 204)
	if got := ids(f.call("GET", "/groups/"+outer.ID+"/members", nil)); len(got) != 0 {
		t.Errorf("deleting a group must drop its memberships: %v", got)
	}
}
