package emulator_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

const tapConfigType = "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"

func TestPolicyDefaultsAndReset(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	want := `{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration","defaultLength":8,"defaultLifetimeInMinutes":60,"excludeTargets":[],"id":"TemporaryAccessPass","includeTargets":[{"id":"all_users","isRegistrationRequired":false,"targetType":"group"}],"isUsableOnce":false,"maximumLifetimeInMinutes":480,"minimumLifetimeInMinutes":60,"state":"disabled"}`
	normalized := func() string {
		p, err := f.graph.GetPolicy(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k := range p {
			if strings.Contains(k, "@odata.context") {
				delete(p, k)
			}
		}
		b, _ := json.Marshal(p)
		return string(b)
	}
	if got := normalized(); got != want {
		t.Fatalf("fresh policy\n got %s\nwant %s", got, want)
	}
	g := f.group("Pilot")
	f.patchPolicy(map[string]any{"state": "enabled", "defaultLength": 12, "isUsableOnce": true,
		"includeTargets": []any{map[string]any{"targetType": "group", "id": g.ID, "isRegistrationRequired": true}}})
	p, _ := f.graph.GetPolicy(f.ctx)
	if p["state"] != "enabled" || p["defaultLength"] != 12.0 || p["isUsableOnce"] != true || p["minimumLifetimeInMinutes"] != 60.0 {
		t.Fatalf("partial merge: %v", p)
	}
	if inc := asSlice(p["includeTargets"]); len(inc) != 1 || asMap(inc[0])["id"] != g.ID {
		t.Fatalf("collection must replace: %v", inc)
	}
	if err := f.graph.ResetPolicy(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := normalized(); got != want {
		t.Fatalf("after DELETE\n got %s\nwant %s", got, want)
	}
}

func TestPolicyPatchValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	withType := func(m map[string]any) map[string]any {
		m["@odata.type"] = tapConfigType
		return m
	}
	for _, tc := range []struct {
		name    string
		body    map[string]any
		status  int
		message string
	}{
		{"missing @odata.type", map[string]any{"state": "enabled"}, 400, "must be included in the request body"},
		{"wrong @odata.type", map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration"}, 400, "does not match"},
		{"length too short", withType(map[string]any{"defaultLength": 7}), 400, "Invalid DefaultLength specified. The valid range between 8 and 48."},
		{"length too long", withType(map[string]any{"defaultLength": 49}), 400, "The valid range between 8 and 48."},
		{"minimum below 10", withType(map[string]any{"minimumLifetimeInMinutes": 9}), 400, "Invalid MinimumLifetimeInMinutes specified."},
		{"maximum above 43200", withType(map[string]any{"maximumLifetimeInMinutes": 43201}), 400, "Invalid MaximumLifetimeInMinutes specified."},
		{"min above max", withType(map[string]any{"minimumLifetimeInMinutes": 500}), 400, "must not be greater than MaximumLifetimeInMinutes"},
		{"default outside range", withType(map[string]any{"defaultLifetimeInMinutes": 481}), 400, "Invalid DefaultLifetimeInMinutes specified. The valid range between 60 and 480."},
		{"bad state", withType(map[string]any{"state": "on"}), 400, "Invalid State"},
		{"bad target type", withType(map[string]any{"includeTargets": []any{map[string]any{"targetType": "device", "id": "all_users"}}}), 400, "Invalid TargetType"},
		{"all_users as user", withType(map[string]any{"includeTargets": []any{map[string]any{"targetType": "user", "id": "all_users"}}}), 400, "all_users"},
		{"duplicate target", withType(map[string]any{"excludeTargets": []any{
			map[string]any{"targetType": "group", "id": "6e7b0d0a-0000-4000-8000-000000000001"},
			map[string]any{"targetType": "group", "id": "6E7B0D0A-0000-4000-8000-000000000001"}}}), 400, "Duplicate target id"},
		{"unknown property", withType(map[string]any{"lengthOfPass": 9}), 400, "does not exist on type"},
		{"wrong JSON type", withType(map[string]any{"defaultLength": "ten"}), 400, "Cannot convert the literal"},
		{"valid widening", withType(map[string]any{"minimumLifetimeInMinutes": 15, "maximumLifetimeInMinutes": 43200, "defaultLifetimeInMinutes": 15}), 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.call("PATCH", tapPolicyPath, tc.body)
			expectStatus(t, r, tc.status)
			if tc.status == 400 {
				code, msg, inner := r.odataError(t)
				if code != "badRequest" || !strings.Contains(msg, tc.message) || inner["message"] != msg {
					t.Fatalf("got %s %q (inner %v)", code, msg, inner["message"])
				}
			}
		})
	}

	// Switches: @odata.type optional, duplicates allowed, target ids checked.
	f.settings(control.Settings{"requirePolicyODataType": false, "rejectDuplicateTargets": false, "validateTargetIds": true})
	expectStatus(t, f.call("PATCH", tapPolicyPath, map[string]any{"state": "enabled"}), 204)
	dup := []any{map[string]any{"targetType": "group", "id": "all_users"}, map[string]any{"targetType": "group", "id": "all_users"}}
	expectStatus(t, f.call("PATCH", tapPolicyPath, map[string]any{"includeTargets": dup}), 204)
	r := f.call("PATCH", tapPolicyPath, map[string]any{"excludeTargets": []any{map[string]any{"targetType": "group", "id": "6e7b0d0a-0000-4000-8000-000000000002"}}})
	expectStatus(t, r, 400)
	f.settings(control.Settings{"validatePolicyRanges": false})
	expectStatus(t, f.call("PATCH", tapPolicyPath, map[string]any{"defaultLength": 64}), 204)
}

func TestPolicyResetStateSwitch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ setting, before, want string }{
		{"disabled", "enabled", "disabled"},
		{"enabled", "disabled", "enabled"},
		{"keep", "enabled", "enabled"},
	} {
		t.Run(tc.setting, func(t *testing.T) {
			f := newFixture(t)
			f.settings(control.Settings{"policyResetState": tc.setting})
			f.patchPolicy(map[string]any{"state": tc.before, "defaultLength": 20})
			if err := f.graph.ResetPolicy(f.ctx); err != nil {
				t.Fatal(err)
			}
			p, _ := f.graph.GetPolicy(f.ctx)
			if p["state"] != tc.want || p["defaultLength"] != 8.0 {
				t.Fatalf("after reset: %v", p)
			}
		})
	}
}

func TestPolicyRoot(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.call("GET", "/policies/authenticationMethodsPolicy", nil)
	expectStatus(t, r, 200)
	root := r.json(t)
	configs := asSlice(root["authenticationMethodConfigurations"])
	types := map[string]bool{}
	for _, c := range configs {
		m := asMap(c)
		if m["@odata.type"] == nil {
			t.Errorf("configuration %v has no @odata.type", m["id"])
		}
		types[fmt.Sprint(m["@odata.type"])] = true
	}
	if !types[tapConfigType] || root["policyVersion"] != "1.4" || root["id"] != "authenticationMethodsPolicy" {
		t.Fatalf("root policy: %s", r.body)
	}
	r = f.call("PATCH", "/policies/authenticationMethodsPolicy", map[string]any{"registrationEnforcement": map[string]any{
		"authenticationMethodsRegistrationCampaign": map[string]any{"snoozeDurationInDays": 3, "state": "enabled"}}})
	expectStatus(t, r, 200)
	camp := asMap(asMap(r.json(t)["registrationEnforcement"])["authenticationMethodsRegistrationCampaign"])
	if camp["snoozeDurationInDays"] != 3.0 || camp["state"] != "enabled" || len(asSlice(camp["includeTargets"])) != 1 {
		t.Fatalf("campaign merge: %v", camp)
	}
	r = f.call("PATCH", "/policies/authenticationMethodsPolicy", map[string]any{"registrationEnforcement": map[string]any{
		"authenticationMethodsRegistrationCampaign": map[string]any{"snoozeDurationInDays": 15}}})
	expectStatus(t, r, 400)

	// Other configurations: GET by any key case, PATCH needs the matching type.
	r = f.call("GET", "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2", nil)
	expectStatus(t, r, 200)
	expectStatus(t, f.call("PATCH", "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2",
		map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "state": "enabled"}), 204)
	expectStatus(t, f.call("GET", "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Nope", nil), 404)
}
