package emulator_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

func TestNonJSONFaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	u := f.user("Proxied")

	// A gateway's page without request-id, as a proxy in front of Graph answers.
	f.fault(control.HTMLFault("GET", "/users$", 502, false))
	r := f.call("GET", "/users", nil)
	expectStatus(t, r, 502)
	if ct := r.header.Get("Content-Type"); ct != "text/html" || !strings.Contains(string(r.body), "<h1>502 Bad Gateway</h1>") {
		t.Fatalf("HTML fault: %q %s", ct, r.body)
	}
	if r.header.Get("request-id") != "" || r.header.Get("client-request-id") != "" {
		t.Errorf("omitRequestId: %v", r.header)
	}
	// With request-id, and a body of its own.
	f.fault(control.Fault{Method: "GET", Path: "/users/[^/]+$", Status: 503, Body: "<html><body>Service Unavailable</body></html>", Count: 1})
	r = f.call("GET", "/users/"+u.ID, nil)
	expectStatus(t, r, 503)
	if r.header.Get("request-id") == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		string(r.body) != "<html><body>Service Unavailable</body></html>" {
		t.Fatalf("custom body: %v %s", r.header, r.body)
	}
	f.fault(control.Fault{Method: "GET", Path: "/groups$", Status: 500, Body: "upstream reset", ContentType: "text/plain", Count: 1})
	r = f.call("GET", "/groups", nil)
	if r.status != 500 || r.header.Get("Content-Type") != "text/plain" || string(r.body) != "upstream reset" {
		t.Fatalf("text/plain fault: %d %v %s", r.status, r.header, r.body)
	}
	// Inside $batch the page travels base64-encoded.
	if err := f.ctl.ClearFaults(f.ctx, f.tid); err != nil {
		t.Fatal(err)
	}
	f.fault(control.HTMLFault("GET", "/users/[^/]+$", 500, false))
	r = f.call("POST", "/$batch", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET", "url": "/users/" + u.ID}}})
	expectStatus(t, r, 200)
	sub := asMap(asSlice(r.json(t)["responses"])[0])
	page, err := base64.StdEncoding.DecodeString(asString(sub["body"]))
	headers := asMap(sub["headers"])
	if sub["status"] != 500.0 || err != nil || !strings.Contains(string(page), "500 Internal Server Error") ||
		headers["Content-Type"] != "text/html" || headers["request-id"] != nil {
		t.Fatalf("batch sub-response: %v (%v)", sub, err)
	}
	// Token side.
	f.fault(control.Fault{Method: "POST", Path: "/oauth2/v2.0/token$", Status: 502, ContentType: "text/html", OmitRequestID: true, Count: 1})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {f.creds.ClientID}, "client_secret": {f.creds.ClientSecret}, "scope": {shared.URL() + "/.default"}}
	tr := postToken(t, f.tid, form, nil)
	if tr.status != 502 || tr.header.Get("Content-Type") != "text/html" || tr.header.Get("x-ms-request-id") != "" ||
		!strings.Contains(string(tr.body), "Bad Gateway") {
		t.Fatalf("token HTML fault: %d %v %s", tr.status, tr.header, tr.body)
	}
	// Nonsense is refused.
	for _, bad := range []control.Fault{
		{Body: "<html/>"},
		{ContentType: "text/html"},
		{OmitRequestID: true},
		{FailAfter: true, Drop: "after"},
	} {
		if _, err := f.ctl.AddFault(f.ctx, f.tid, bad); !control.IsStatus(err, 400) {
			t.Errorf("fault %+v: %v", bad, err)
		}
	}
}

func TestFailAfterFault(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	u := f.user("Acted")
	fault := f.fault(control.Fault{Method: "POST", Path: "temporaryAccessPassMethods$", FailAfter: true, Count: 1})
	if fault.Status != 500 {
		t.Errorf("failAfter defaults to 500, got %d", fault.Status)
	}
	if err := f.ctl.ClearRequests(f.ctx, f.tid); err != nil {
		t.Fatal(err)
	}
	r := f.call("POST", tapPath(u.ID), map[string]any{})
	expectStatus(t, r, 500)
	if code, _, _ := r.odataError(t); code != "generalException" || strings.Contains(string(r.body), "temporaryAccessPass\"") {
		t.Fatalf("failAfter answer: %s", r.body)
	}
	// The pass was created all the same.
	passes, err := f.graph.ListTAPs(f.ctx, u.ID)
	if err != nil || len(passes) != 1 {
		t.Fatalf("passes after failAfter: %v %v", passes, err)
	}
	reqs, _ := f.ctl.Requests(f.ctx, f.tid)
	if len(reqs) == 0 || reqs[0].Status != 500 || reqs[0].Fault != fault.ID || reqs[0].Dropped {
		t.Errorf("log: %+v", reqs)
	}
	if c, _ := f.ctl.Counters(f.ctx, f.tid); c.Writes != 1 {
		t.Errorf("the acted request is a write: %+v", c)
	}
	// With an HTML page and another status.
	f.fault(control.Fault{Method: "POST", Path: "temporaryAccessPassMethods$", FailAfter: true, Status: 504, ContentType: "text/html", Count: 1})
	r = f.call("POST", tapPath(u.ID), map[string]any{})
	if r.status != 504 || !strings.Contains(string(r.body), "504 Gateway Timeout") {
		t.Fatalf("failAfter 504: %d %s", r.status, r.body)
	}
	second, _ := f.graph.ListTAPs(f.ctx, u.ID)
	if len(second) != 1 || second[0]["id"] == passes[0]["id"] {
		t.Fatalf("the second pass replaced the first: %v", second)
	}
}

func TestDateHeaderFollowsTenantClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	u := f.user("Skewed")
	skewed := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	if _, err := f.ctl.SetClock(f.ctx, f.tid, skewed); err != nil {
		t.Fatal(err)
	}
	for _, r := range []response{f.call("GET", "/users/"+u.ID, nil), f.call("GET", "/users/nobody@"+f.creds.Domain, nil)} {
		d, err := http.ParseTime(r.header.Get("Date"))
		if err != nil || d.Sub(skewed) < 0 || d.Sub(skewed) > time.Minute {
			t.Fatalf("Date %q (%v), want the tenant clock %v", r.header.Get("Date"), err, skewed)
		}
	}
	_, _, inner := f.call("GET", "/users/nobody@"+f.creds.Domain, nil).odataError(t)
	if !strings.HasPrefix(asString(inner["date"]), "2031-03-04T05:0") {
		t.Errorf("innerError.date %v", inner["date"])
	}
	// Another tenant keeps real time.
	other := newFixture(t)
	d, _ := http.ParseTime(other.call("GET", "/users", nil).header.Get("Date"))
	if time.Since(d) > time.Minute || time.Since(d) < -time.Minute {
		t.Errorf("other tenant's Date %v", d)
	}

	// "In the past" is judged by the tenant clock: a start an hour after real time is already past
	// when the tenant clock is a day ahead, and one an hour before real time is still ahead of a clock
	// two days behind.
	real := time.Now().UTC()
	if _, err := f.ctl.SetClock(f.ctx, f.tid, real.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	r := f.call("POST", tapPath(u.ID), map[string]any{"startDateTime": rfc3339(real.Add(time.Hour))})
	expectStatus(t, r, 400)
	if _, msg, _ := r.odataError(t); msg != pastMessage {
		t.Errorf("past start: %s", msg)
	}
	if _, err := f.ctl.SetClock(f.ctx, f.tid, real.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	created := f.createTAP(u.ID, map[string]any{"startDateTime": rfc3339(real.Add(-time.Hour))})
	if created["methodUsabilityReason"] != "NotYetValid" {
		t.Errorf("a start ahead of the tenant clock: %v", created)
	}
}
