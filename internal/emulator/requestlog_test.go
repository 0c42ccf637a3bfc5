package emulator_test

import (
	"strings"
	"testing"
)

func TestCountersAndRouteTemplates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user("Counted")
	g := f.group("Counted group")
	if err := f.ctl.ClearRequests(f.ctx, f.tid); err != nil {
		t.Fatal(err)
	}
	// Lower-case and odd-case spellings still count under the documented camelCase template.
	f.call("GET", "/users/"+u.ID+"/authentication/temporaryaccesspassmethods", nil)
	f.call("GET", "/USERS/"+u.UserPrincipalName+"/Authentication/TemporaryAccessPassMethods", nil)
	f.call("POST", "/users/"+u.ID+"/checkMemberGroups", map[string]any{"groupIds": []string{g.ID}})
	f.call("POST", "/directoryObjects/getByIds", map[string]any{"ids": []string{u.ID}})
	f.call("PATCH", tapPolicyPath, map[string]any{"@odata.type": tapConfigType, "state": "enabled"})
	f.call("GET", "/nowhere", nil)

	c, err := f.ctl.Counters(f.ctx, f.tid)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"GET /v1.0/users/{id}/authentication/temporaryAccessPassMethods":                           2,
		"POST /v1.0/users/{id}/checkMemberGroups":                                                  1,
		"POST /v1.0/directoryObjects/getByIds":                                                     1,
		"PATCH /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}": 1,
	}
	for route, n := range want {
		if c.ByRoute[route] != n {
			t.Errorf("byRoute[%q] = %d, want %d (all: %v)", route, c.ByRoute[route], n, c.ByRoute)
		}
	}
	if c.Total != 6 || c.Writes != 1 || c.Reads != 5 {
		t.Errorf("total %d reads %d writes %d; checkMemberGroups and getByIds are reads", c.Total, c.Reads, c.Writes)
	}
	if c.ByStatus["200"] != 4 || c.ByStatus["204"] != 1 || c.ByStatus["400"] != 1 {
		t.Errorf("byStatus %v", c.ByStatus)
	}
	reqs, err := f.ctl.Requests(f.ctx, f.tid)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 6 {
		t.Fatalf("%d log entries", len(reqs))
	}
	for i, r := range reqs {
		if r.Seq == 0 || r.RequestID == "" || r.ClientRequestID == "" || r.TenantID != f.tid || r.Time == "" || !strings.HasPrefix(r.Path, "/") {
			t.Errorf("entry %d incomplete: %+v", i, r)
		}
	}
	if err := f.ctl.ClearRequests(f.ctx, f.tid); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.ctl.Counters(f.ctx, f.tid); c.Total != 0 || len(c.ByRoute) != 0 {
		t.Errorf("after clear: %+v", c)
	}
}
