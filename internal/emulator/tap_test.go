package emulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

const (
	convergedMessage = "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."
	guestMessage     = "Temporary Access Pass cannot be added to an external guest user."
	pastMessage      = "Invalid StartDateTime specified. It can not be a time in the past."
)

func TestTAPLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.patchPolicy(map[string]any{"state": "enabled", "defaultLength": 14})
	u := f.user("Tapper")

	first := f.createTAP(u.ID, map[string]any{"lifetimeInMinutes": 90, "isUsableOnce": false})
	pass, _ := first["temporaryAccessPass"].(string)
	if len(pass) != 14 {
		t.Fatalf("pass length %d, want the policy's defaultLength 14", len(pass))
	}
	var upper, lower, digit, symbol bool
	for _, c := range pass {
		switch {
		case unicode.IsUpper(c):
			upper = true
		case unicode.IsLower(c):
			lower = true
		case unicode.IsDigit(c):
			digit = true
		default:
			symbol = true
		}
	}
	if !upper || !lower || !digit || !symbol {
		t.Errorf("pass should mix letters, digits and symbols")
	}
	if first["@odata.type"] != "#microsoft.graph.temporaryAccessPassAuthenticationMethod" || first["isUsable"] != true ||
		first["methodUsabilityReason"] != "EnabledByPolicy" || first["startDateTime"] != first["createdDateTime"] || first["lifetimeInMinutes"] != 90.0 {
		t.Fatalf("create body: %v", first)
	}

	list := f.call("GET", tapPath(u.UserPrincipalName), nil)
	expectStatus(t, list, 200)
	items := asSlice(list.json(t)["value"])
	if len(items) != 1 || asMap(items[0])["temporaryAccessPass"] != nil {
		t.Fatalf("list: %s", list.body)
	}
	if _, has := asMap(items[0])["@odata.type"]; has {
		t.Error("documented list items carry no @odata.type")
	}
	item := f.call("GET", tapPath(u.ID)+"/"+asString(first["id"]), nil)
	expectStatus(t, item, 200)
	if item.json(t)["temporaryAccessPass"] != nil || strings.Contains(string(item.body), pass) {
		t.Fatal("GET must not return the pass")
	}

	// A second POST replaces the first: new id, old id gone, still one item.
	second := f.createTAP(u.ID, nil)
	if second["id"] == first["id"] || second["lifetimeInMinutes"] != 60.0 {
		t.Fatalf("replacement: %v", second)
	}
	expectStatus(t, f.call("GET", tapPath(u.ID)+"/"+asString(first["id"]), nil), 404)
	if n := len(asSlice(f.call("GET", tapPath(u.ID), nil).json(t)["value"])); n != 1 {
		t.Fatalf("%d passes after replacement", n)
	}
	r := f.call("DELETE", tapPath(u.ID)+"/"+asString(second["id"]), nil)
	expectStatus(t, r, 204)
	r = f.call("DELETE", tapPath(u.ID)+"/"+asString(second["id"]), nil)
	expectStatus(t, r, 404)
	if code, _, _ := r.odataError(t); code != "itemNotFound" {
		t.Errorf("unknown pass id code %s", code)
	}
	if n := len(asSlice(f.call("GET", tapPath(u.ID), nil).json(t)["value"])); n != 0 {
		t.Fatalf("%d passes after delete", n)
	}
	r = f.call("POST", tapPath("00000000-0000-0000-0000-00000000beef"), map[string]any{})
	expectStatus(t, r, 404)
	if code, _, inner := r.odataError(t); code != "Request_ResourceNotFound" || inner["message"] == nil {
		t.Errorf("unknown user: %s", r.body)
	}
}

func TestTAPCreateValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pilot := f.group("Pilot")
	blocked := f.group("Blocked")
	nested := f.group("Nested pilot")
	f.addMember(pilot.ID, nested.ID)

	member := f.user("Member")
	inPilot := f.user("InPilot")
	f.addMember(nested.ID, inPilot.ID)
	excluded := f.user("Excluded")
	f.addMember(pilot.ID, excluded.ID)
	f.addMember(blocked.ID, excluded.ID)
	internalGuest := f.user("InternalGuest", control.Guest())
	externalGuest, err := f.graph.CreateUser(f.ctx, "External", "ext_example.com#EXT#@"+f.creds.Domain, control.External())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	enabledAll := map[string]any{"state": "enabled", "isUsableOnce": false,
		"minimumLifetimeInMinutes": 60, "defaultLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480,
		"includeTargets": []any{map[string]any{"targetType": "group", "id": "all_users"}}, "excludeTargets": []any{}}
	pilotOnly := map[string]any{"state": "enabled",
		"includeTargets": []any{map[string]any{"targetType": "group", "id": pilot.ID}},
		"excludeTargets": []any{map[string]any{"targetType": "group", "id": blocked.ID}}}

	for _, tc := range []struct {
		name    string
		policy  map[string]any
		user    string
		body    map[string]any
		status  int
		message string
	}{
		{"policy disabled", map[string]any{"state": "disabled"}, member.ID, nil, 400, convergedMessage},
		{"lifetime below policy minimum", enabledAll, member.ID, map[string]any{"lifetimeInMinutes": 59}, 400, "Invalid LifetimeInMinutes specified. The valid range between 60 and 480."},
		{"lifetime above policy maximum", enabledAll, member.ID, map[string]any{"lifetimeInMinutes": 481}, 400, "Invalid LifetimeInMinutes specified. The valid range between 60 and 480."},
		{"lifetime at maximum", enabledAll, member.ID, map[string]any{"lifetimeInMinutes": 480}, 201, ""},
		{"range follows the policy", map[string]any{"minimumLifetimeInMinutes": 15, "defaultLifetimeInMinutes": 15, "maximumLifetimeInMinutes": 30}, member.ID, map[string]any{"lifetimeInMinutes": 31}, 400, "The valid range between 15 and 30."},
		{"past start", enabledAll, member.ID, map[string]any{"lifetimeInMinutes": 60, "startDateTime": rfc3339(now.Add(-time.Hour))}, 400, pastMessage},
		{"future start with an offset", enabledAll, member.ID, map[string]any{"lifetimeInMinutes": 60, "startDateTime": now.Add(2 * time.Hour).In(time.FixedZone("CET", 3600)).Format(time.RFC3339)}, 201, ""},
		{"past start with an offset", enabledAll, member.ID, map[string]any{"lifetimeInMinutes": 60, "startDateTime": now.Add(-10 * time.Minute).In(time.FixedZone("X", -5*3600)).Format(time.RFC3339)}, 400, pastMessage},
		{"bad start literal", enabledAll, member.ID, map[string]any{"lifetimeInMinutes": 60, "startDateTime": "tomorrow"}, 400, "Cannot convert the literal"},
		{"external guest", enabledAll, externalGuest.ID, nil, 400, guestMessage},
		{"internal guest", enabledAll, internalGuest.ID, nil, 201, ""},
		{"out of scope", pilotOnly, member.ID, nil, 400, convergedMessage},
		{"in scope through a nested group", pilotOnly, inPilot.ID, nil, 201, ""},
		{"excluded wins over included", pilotOnly, excluded.ID, nil, 400, convergedMessage},
		{"directly targeted user", map[string]any{"state": "enabled", "includeTargets": []any{map[string]any{"targetType": "user", "id": member.ID}}, "excludeTargets": []any{}}, member.ID, nil, 201, ""},
		{"multi-use under one-time policy", map[string]any{"state": "enabled", "isUsableOnce": true, "includeTargets": []any{map[string]any{"targetType": "group", "id": "all_users"}}}, member.ID, map[string]any{"isUsableOnce": false}, 400, convergedMessage},
		{"one-time policy default", map[string]any{"isUsableOnce": true}, member.ID, nil, 201, ""},
		{"unknown property", enabledAll, member.ID, map[string]any{"length": 10}, 400, "does not exist on type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.patchPolicy(tc.policy)
			if tc.body == nil {
				tc.body = map[string]any{}
			}
			r := f.call("POST", tapPath(tc.user), tc.body)
			expectStatus(t, r, tc.status)
			if tc.status != 201 {
				code, msg, inner := r.odataError(t)
				if code != "badRequest" || !strings.Contains(msg, tc.message) || inner["message"] != msg {
					t.Fatalf("got %s %q", code, msg)
				}
				return
			}
			if strings.Contains(tc.name, "one-time") && r.json(t)["isUsableOnce"] != true {
				t.Errorf("a pass under a one-time policy must be one-time")
			}
		})
	}

	// Switches for the UNKNOWN outcomes.
	f.patchPolicy(map[string]any{"state": "disabled", "isUsableOnce": true, "minimumLifetimeInMinutes": 60, "defaultLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480})
	f.settings(control.Settings{"allowCreateWhenPolicyDisabled": true, "oneTimePolicyViolation": "coerce", "tapRejectStatus": 403,
		"startDateTimePastToleranceSeconds": 120})
	r := f.call("POST", tapPath(member.ID), map[string]any{"isUsableOnce": false, "startDateTime": rfc3339(now.Add(-time.Minute))})
	expectStatus(t, r, 201)
	if body := r.json(t); body["isUsableOnce"] != true || body["isUsable"] != false || body["methodUsabilityReason"] != "DisabledByPolicy" {
		t.Fatalf("coerced pass under a disabled policy: %v", body)
	}
	r = f.call("POST", tapPath(externalGuest.ID), map[string]any{})
	expectStatus(t, r, 403)
}

func TestTAPUsabilityFollowsTenantClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.patchPolicy(map[string]any{"state": "enabled", "isUsableOnce": false})
	u := f.user("Clocky")
	start := time.Now().Add(time.Hour).Truncate(time.Second)
	created := f.createTAP(u.ID, map[string]any{"startDateTime": rfc3339(start), "lifetimeInMinutes": 60})
	pass := asString(created["temporaryAccessPass"])

	state := func() (bool, string) {
		t.Helper()
		r := f.call("GET", tapPath(u.ID)+"/"+asString(created["id"]), nil)
		expectStatus(t, r, 200)
		m := r.json(t)
		return m["isUsable"] == true, asString(m["methodUsabilityReason"])
	}
	signIn := func() control.SignInResult {
		t.Helper()
		res, err := f.ctl.SignIn(f.ctx, f.tid, u.UserPrincipalName, pass)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	steps := []struct {
		name       string
		clock      time.Time
		wantUsable bool
		wantReason string
	}{
		{"before start", start.Add(-time.Minute), false, "NotYetValid"},
		{"at start", start, true, "EnabledByPolicy"},
		{"just before the end", start.Add(59*time.Minute + 59*time.Second), true, "EnabledByPolicy"},
		{"at the end", start.Add(time.Hour), false, "Expired"},
	}
	for _, s := range steps {
		if _, err := f.ctl.SetClock(f.ctx, f.tid, s.clock); err != nil {
			t.Fatal(err)
		}
		usable, reason := state()
		if usable != s.wantUsable || reason != s.wantReason {
			t.Errorf("%s: isUsable=%v %s, want %v %s", s.name, usable, reason, s.wantUsable, s.wantReason)
		}
		if res := signIn(); res.Success != s.wantUsable || res.Reason != s.wantReason {
			t.Errorf("%s: sign-in %+v", s.name, res)
		}
	}
	// Multi-use pass: several sign-ins succeed inside the window.
	if _, err := f.ctl.SetClock(f.ctx, f.tid, start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if first, second := signIn(), signIn(); !first.Success || !second.Success {
		t.Error("a multi-use pass must allow repeated sign-ins")
	}
	if res, _ := f.ctl.SignIn(f.ctx, f.tid, u.ID, pass+"x"); res.Success || res.Reason != "InvalidTemporaryAccessPass" {
		t.Errorf("wrong pass: %+v", res)
	}
	// Camel-case reasons switch.
	f.settings(control.Settings{"usabilityReasonCase": "camel"})
	if _, reason := state(); reason != "enabledByPolicy" {
		t.Errorf("camel reason %s", reason)
	}
	if _, err := f.ctl.RealClock(f.ctx, f.tid); err != nil {
		t.Fatal(err)
	}
}

func TestSignInOneTimeAndPolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.patchPolicy(map[string]any{"state": "enabled", "isUsableOnce": true})
	u := f.user("Once")
	for _, m := range []control.Method{
		{"type": "microsoftAuthenticator", "displayName": "Pixel"},
		{"type": "fido2", "displayName": "YubiKey 5", "model": "YubiKey 5 NFC", "aaGuid": "cb69481e-8ff7-4039-93ec-0a2729a154a8"},
		{"type": "fido2", "displayName": "Backup key"},
	} {
		if _, err := f.ctl.SeedMethod(f.ctx, f.tid, u.UserPrincipalName, m); err != nil {
			t.Fatal(err)
		}
	}
	created := f.createTAP(u.ID, nil)
	pass := asString(created["temporaryAccessPass"])

	res, err := f.ctl.SignIn(f.ctx, f.tid, u.ID, pass)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Success || strings.Join(res.PromptedMethods, ",") != "microsoftAuthenticator,fido2" {
		t.Fatalf("first sign-in %+v", res)
	}
	res, _ = f.ctl.SignIn(f.ctx, f.tid, u.ID, pass)
	if res.Success || res.Reason != "OneTimeUsed" {
		t.Fatalf("second sign-in %+v", res)
	}
	r := f.call("GET", tapPath(u.ID), nil)
	item := asMap(asSlice(r.json(t)["value"])[0])
	if item["isUsable"] != false || item["methodUsabilityReason"] != "OneTimeUsed" {
		t.Fatalf("after use: %v", item)
	}

	// A multi-use pass created before the policy turned one-time is blocked at sign-in.
	f.patchPolicy(map[string]any{"isUsableOnce": false})
	multi := f.createTAP(u.ID, map[string]any{"isUsableOnce": false})
	f.patchPolicy(map[string]any{"isUsableOnce": true})
	res, _ = f.ctl.SignIn(f.ctx, f.tid, u.ID, asString(multi["temporaryAccessPass"]))
	if res.Success || res.Reason != "DisabledByPolicy" {
		t.Fatalf("multi-use pass under one-time policy: %+v", res)
	}
	f.patchPolicy(map[string]any{"isUsableOnce": false, "state": "disabled"})
	res, _ = f.ctl.SignIn(f.ctx, f.tid, u.ID, asString(multi["temporaryAccessPass"]))
	if res.Success || res.Reason != "DisabledByPolicy" {
		t.Fatalf("disabled policy: %+v", res)
	}
}

// TestParallelTAPCreation: 1000 passes at once with 30 ms latency per request, as the benchmarks do.
func TestParallelTAPCreation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	tok := f.token()
	const n = 1000
	users := make([]string, n)
	if err := parallel(n, 64, func(i int) error {
		status, body, err := post(tok, "/users", userJSON("P", "p"+strconv.Itoa(i)+"@"+f.creds.Domain))
		if err != nil || status != 201 {
			return fmt.Errorf("user %d: %d %v", i, status, err)
		}
		var u struct{ ID string }
		if err := json.Unmarshal(body, &u); err != nil {
			return err
		}
		users[i] = u.ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	f.settings(control.Settings{"latencyMs": 30})
	start := time.Now()
	if err := parallel(n, n, func(i int) error {
		status, _, err := post(tok, tapPath(users[i]), `{}`)
		if err != nil || status != 201 {
			return fmt.Errorf("pass %d: %d %v", i, status, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	c, err := f.ctl.Counters(f.ctx, f.tid)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ByRoute["POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods"]; got != n {
		t.Fatalf("counted %d pass creations, want %d", got, n)
	}
	t.Logf("%d parallel pass creations with 30 ms latency took %v", n, elapsed)
}

// parallel runs fn(0..n-1) with at most width at once and returns the first error.
func parallel(n, width int, fn func(i int) error) error {
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	sem := make(chan struct{}, width)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				once.Do(func() { first = err })
			}
		}(i)
	}
	wg.Wait()
	return first
}

// post is a goroutine-safe Graph POST (no *testing.T).
func post(token, path, body string) (int, []byte, error) {
	req, err := http.NewRequest("POST", shared.URL()+"/v1.0"+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := sharedHTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}
