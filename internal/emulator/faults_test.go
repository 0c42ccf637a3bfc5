package emulator_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

func (f *fixture) fault(fl control.Fault) control.Fault {
	f.t.Helper()
	out, err := f.ctl.AddFault(f.ctx, f.tid, fl)
	if err != nil {
		f.t.Fatalf("add fault: %v", err)
	}
	return out
}

func TestFaultStatusAndRetryAfter(t *testing.T) {
	t.Parallel()
	httpDate := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name           string
		fault          control.Fault
		status         int
		code           string
		wantRetryAfter string
	}{
		{"429 with seconds", control.Fault{Method: "GET", Path: "/users$", Status: 429, RetryAfter: control.RetryAfter("2")}, 429, "TooManyRequests", "2"},
		{"429 with an HTTP date", control.Fault{Path: "/users$", Status: 429, RetryAfter: control.RetryAfter(httpDate)}, 429, "TooManyRequests", httpDate},
		{"429 default Retry-After", control.Fault{Path: "/users$", Status: 429}, 429, "TooManyRequests", "1"},
		{"503", control.Fault{Path: "/users$", Status: 503}, 503, "serviceNotAvailable", ""},
		{"custom code", control.Fault{Path: "/users$", Status: 500, ErrorCode: "generalException", Message: "boom"}, 500, "generalException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			fl := f.fault(tc.fault)
			r := f.call("GET", "/users", nil)
			expectStatus(t, r, tc.status)
			code, msg, inner := r.odataError(t)
			if code != tc.code || r.header.Get("Retry-After") != tc.wantRetryAfter {
				t.Fatalf("got %s, Retry-After %q", code, r.header.Get("Retry-After"))
			}
			if tc.status == 429 && (msg != "Please retry again later." || inner["code"] != "429" || inner["status"] != "429" || inner["message"] != "Please retry after") {
				t.Errorf("429 body %s", r.body)
			}
			reqs, _ := f.ctl.Requests(f.ctx, f.tid)
			last := reqs[len(reqs)-1]
			if last.Fault != fl.ID || last.Status != tc.status {
				t.Errorf("log entry %+v", last)
			}
		})
	}
}

func TestFaultCountSkipAndMatching(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user("Faulty")
	f.fault(control.Fault{Method: "GET", Path: "/users/[^/]+$", Status: 503, Count: 2, Skip: 1})
	var got []int
	for i := 0; i < 5; i++ {
		got = append(got, f.call("GET", "/users/"+u.ID, nil).status)
	}
	if want := []int{200, 503, 503, 200, 200}; !equalInts(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	expectStatus(t, f.call("GET", "/users", nil), 200) // path does not match
	faults, _ := f.ctl.Faults(f.ctx, f.tid)
	if faults[0].Hits != 2 {
		t.Errorf("hits %d", faults[0].Hits)
	}
	if err := f.ctl.ClearFaults(f.ctx, f.tid); err != nil {
		t.Fatal(err)
	}
	// Case-insensitive path regexp.
	f.fault(control.Fault{Path: "TEMPORARYACCESSPASSMETHODS", Status: 409})
	expectStatus(t, f.call("GET", tapPath(u.ID), nil), 409)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFaultProbabilityIsReproducible(t *testing.T) {
	t.Parallel()
	run := func() []int {
		f := newFixture(t)
		f.settings(control.Settings{"faultSeed": 42})
		f.fault(control.Fault{Path: "/users$", Status: 503, Probability: 0.5})
		var out []int
		for i := 0; i < 20; i++ {
			out = append(out, f.call("GET", "/users", nil).status)
		}
		return out
	}
	a, b := run(), run()
	if !equalInts(a, b) {
		t.Fatalf("same seed, different outcomes:\n%v\n%v", a, b)
	}
	n503 := 0
	for _, s := range a {
		if s == 503 {
			n503++
		}
	}
	if n503 == 0 || n503 == 20 {
		t.Fatalf("probability 0.5 gave %d/20 faults", n503)
	}
}

func TestFaultLatencyAndDrop(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	u := f.user("Dropper")

	f.fault(control.Fault{Method: "GET", Path: "/users$", LatencyMs: 150, Count: 1})
	start := time.Now()
	expectStatus(t, f.call("GET", "/users", nil), 200)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("latency fault: took %v", d)
	}

	tok := f.token()
	tryPost := func() error {
		req, _ := http.NewRequest("POST", shared.URL()+"/v1.0"+tapPath(u.ID), strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := sharedHTTP.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}
	for _, tc := range []struct {
		drop       string
		wantPasses int
	}{
		{"before", 0},
		{"after", 1},
	} {
		t.Run(tc.drop, func(t *testing.T) {
			if _, err := f.graph.ListTAPs(f.ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			if ps, _ := f.graph.ListTAPs(f.ctx, u.ID); len(ps) == 1 {
				if err := f.graph.DeleteTAP(f.ctx, u.ID, asString(ps[0]["id"])); err != nil {
					t.Fatal(err)
				}
			}
			f.fault(control.Fault{Method: "POST", Path: "temporaryAccessPassMethods", Drop: tc.drop, Count: 1})
			if err := tryPost(); err == nil {
				t.Fatal("the request should have failed at the transport level")
			}
			ps, err := f.graph.ListTAPs(f.ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != tc.wantPasses {
				t.Fatalf("drop %s: %d passes, want %d", tc.drop, len(ps), tc.wantPasses)
			}
			reqs, _ := f.ctl.Requests(f.ctx, f.tid)
			var dropped int
			for _, r := range reqs {
				if r.Dropped && r.Route == "POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods" {
					dropped++
				}
			}
			if dropped == 0 {
				t.Error("the dropped request is not in the log")
			}
		})
	}
}

func TestTokenFaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.fault(control.Fault{Method: "POST", Path: "/oauth2/v2.0/token$", Status: 429, RetryAfter: control.RetryAfter("0"), Count: 1})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {f.creds.ClientID}, "client_secret": {f.creds.ClientSecret}, "scope": {shared.URL() + "/.default"}}
	r := postToken(t, f.tid, form, nil)
	expectStatus(t, r, 429)
	if r.header.Get("Retry-After") != "0" || r.json(t)["error"] != "temporarily_unavailable" {
		t.Fatalf("token fault: %s", r.body)
	}
	expectStatus(t, postToken(t, f.tid, form, nil), 200)
	f.fault(control.Fault{Method: "POST", Path: "/oauth2/v2.0/token$", Drop: "before", Count: 1})
	if resp, err := sharedHTTP.PostForm(shared.URL()+"/"+f.tid+"/oauth2/v2.0/token", form); err == nil {
		_ = resp.Body.Close()
		t.Fatal("a dropped token request must fail at the transport level")
	}
	expectStatus(t, postToken(t, f.tid, form, nil), 200)
	// The fault was in this tenant only.
	other := newFixture(t)
	other.fault(control.Fault{Path: "token", Status: 500})
	expectStatus(t, postToken(t, f.tid, form, nil), 200)
}

func TestReplicationLag(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	f.settings(control.Settings{"replicationLagSeconds": 30})
	// CreateUser reads the user back, which the lag would refuse: create it with a bare POST.
	created := f.call("POST", "/users", userBody("Lagging", "lagging@"+f.creds.Domain))
	expectStatus(t, created, 201)
	u := control.User{ID: asString(created.json(t)["id"]), UserPrincipalName: "lagging@" + f.creds.Domain}
	g, err := f.graph.CreateGroup(f.ctx, "Lagging group")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"user by id", "GET", "/users/" + u.ID, nil},
		{"user by UPN", "GET", "/users/" + u.UserPrincipalName, nil},
		{"group", "GET", "/groups/" + g.ID, nil},
		{"create pass", "POST", tapPath(u.ID), map[string]any{}},
		{"list methods", "GET", methodsPath(u.ID, "methods"), nil},
		{"checkMemberGroups", "POST", "/users/" + u.ID + "/checkMemberGroups", map[string]any{"groupIds": []string{g.ID}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.call(tc.method, tc.path, tc.body)
			expectStatus(t, r, 404)
			if code, _, _ := r.odataError(t); code != "Request_ResourceNotFound" {
				t.Fatalf("code %s", code)
			}
		})
	}
	// Lists already show it.
	r := f.call("GET", "/users?$filter=id eq '"+u.ID+"'", nil)
	if n := len(asSlice(r.json(t)["value"])); n != 1 {
		t.Fatalf("list during lag: %s", r.body)
	}
	// After the lag (tenant clock), everything resolves.
	if _, err := f.ctl.AdvanceClock(f.ctx, f.tid, 31*time.Second); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, f.call("GET", "/users/"+u.UserPrincipalName, nil), 200)
	expectStatus(t, f.call("POST", tapPath(u.ID), map[string]any{}), 201)
}
