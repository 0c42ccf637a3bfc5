package emulator_test

import (
	"fmt"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

func batchResponses(t *testing.T, r response) map[string]map[string]any {
	t.Helper()
	expectStatus(t, r, 200)
	out := map[string]map[string]any{}
	for _, it := range asSlice(r.json(t)["responses"]) {
		m := asMap(it)
		out[asString(m["id"])] = m
	}
	return out
}

func TestBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	u := f.user("Batched")
	r := f.call("POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/users/" + u.ID},
		map[string]any{"id": "2", "method": "POST", "url": "users/" + u.UserPrincipalName + "/authentication/temporaryAccessPassMethods",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"lifetimeInMinutes": 60}},
		map[string]any{"id": "3", "method": "GET", "url": "/users/" + u.ID + "/authentication/temporaryAccessPassMethods", "dependsOn": []string{"2"}},
		map[string]any{"id": "4", "method": "GET", "url": "/users/00000000-0000-0000-0000-00000000dead"},
		map[string]any{"id": "5", "method": "GET", "url": "/users/00000000-0000-0000-0000-00000000dead/memberOf", "dependsOn": []string{"4"}},
	}})
	got := batchResponses(t, r)
	for id, want := range map[string]float64{"1": 200, "2": 201, "3": 200, "4": 404, "5": 424} {
		if got[id]["status"] != want {
			t.Errorf("request %s: status %v, want %v (%v)", id, got[id]["status"], want, got[id])
		}
	}
	if pass := asMap(got["2"]["body"])["temporaryAccessPass"]; pass == nil {
		t.Error("the pass is in the sub-response of the create")
	}
	if n := len(asSlice(asMap(got["3"]["body"])["value"])); n != 1 {
		t.Errorf("dependent list saw %d passes", n)
	}

	for _, tc := range []struct {
		name     string
		requests []any
	}{
		{"more than 20", func() []any {
			var rs []any
			for i := 0; i < 21; i++ {
				rs = append(rs, map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/users"})
			}
			return rs
		}()},
		{"duplicate ids (case-insensitive)", []any{
			map[string]any{"id": "a", "method": "GET", "url": "/users"},
			map[string]any{"id": "A", "method": "GET", "url": "/users"}}},
		{"unknown dependency", []any{map[string]any{"id": "1", "method": "GET", "url": "/users", "dependsOn": []string{"9"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.call("POST", "/$batch", map[string]any{"requests": tc.requests})
			expectStatus(t, r, 400)
		})
	}
}

func TestBatchPerItemThrottling(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user("Throttled")
	f.fault(control.Fault{Method: "GET", Path: "/memberOf$", Status: 429, RetryAfter: control.RetryAfter("0")})
	r := f.call("POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/users/" + u.ID},
		map[string]any{"id": "2", "method": "GET", "url": "/users/" + u.ID + "/memberOf"},
	}})
	got := batchResponses(t, r)
	if got["1"]["status"] != 200.0 || got["2"]["status"] != 429.0 {
		t.Fatalf("statuses %v / %v", got["1"]["status"], got["2"]["status"])
	}
	if h := asMap(got["2"]["headers"]); h["Retry-After"] != "0" {
		t.Errorf("sub-response headers %v", h)
	}
	c, _ := f.ctl.Counters(f.ctx, f.tid)
	if c.ByRoute["GET /v1.0/users/{id}/memberOf"] != 1 || c.ByRoute["POST /v1.0/$batch"] != 1 {
		t.Errorf("sub-requests are counted by route: %v", c.ByRoute)
	}
}

// Counters say how many requests came inside a $batch, so that total - batched is the HTTP requests made.
func TestBatchCountsItsRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user("Counted")
	_ = f.ctl.ClearRequests(f.ctx, f.tid)
	f.call("GET", "/users/"+u.ID, nil)
	f.call("POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/users/" + u.ID},
		map[string]any{"id": "2", "method": "GET", "url": "/users?$filter=id in ('" + u.ID + "')&$select=id,userType"},
	}})
	c, _ := f.ctl.Counters(f.ctx, f.tid)
	if c.Total != 4 || c.Batched != 2 {
		t.Errorf("want 4 requests, 2 of them batched: %+v", c)
	}
}
