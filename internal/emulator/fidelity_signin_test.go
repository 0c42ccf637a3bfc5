package emulator_test

import (
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// A recovery that cannot delete the default phone still ends in a working sign-in with the pass.
func TestRecoveryWithUndeletableDefaultPhone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	u := f.user("Margaret")
	f.seed(u.ID, control.Method{"type": "phone", "phoneType": "mobile", "phoneNumber": "+1 4255550100", "isDefault": true})
	key := f.seed(u.ID, control.Method{"type": "fido2", "displayName": "Lost key"})

	expectStatus(t, f.call("DELETE", methodsPath(u.ID, "fido2Methods")+"/"+key, nil), 204)
	r := f.call("DELETE", methodsPath(u.ID, "phoneMethods")+"/"+mobileID, nil)
	expectStatus(t, r, 400) // the default phone stays, even as the last method

	pass := asString(f.createTAP(u.ID, nil)["temporaryAccessPass"])
	res, err := f.ctl.SignIn(f.ctx, f.tid, u.ID, pass)
	if err != nil || !res.Success || strings.Join(res.PromptedMethods, ",") != "phone" {
		t.Fatalf("sign-in with a default phone left: %+v %v", res, err)
	}
	// The documented reading of a pass sign-in: no further prompt at all.
	f.settings(control.Settings{"signInPromptedMethods": "none"})
	pass = asString(f.createTAP(u.ID, nil)["temporaryAccessPass"])
	if res, _ := f.ctl.SignIn(f.ctx, f.tid, u.ID, pass); !res.Success || len(res.PromptedMethods) != 0 {
		t.Fatalf("signInPromptedMethods none: %+v", res)
	}
}

// allowCreateOutOfScope covers both ways of being out of scope, and sign-in then fails as documented.
func TestOutOfScopePasses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	included := f.group("Included")
	excludedGroup := f.group("Excluded")
	inThenOut := f.user("InThenOut")
	notIncluded := f.user("NotIncluded")
	f.addMember(included.ID, inThenOut.ID)
	f.addMember(excludedGroup.ID, inThenOut.ID)
	f.patchPolicy(map[string]any{"state": "enabled",
		"includeTargets": []any{map[string]any{"targetType": "group", "id": included.ID, "isRegistrationRequired": false}},
		"excludeTargets": []any{map[string]any{"targetType": "group", "id": excludedGroup.ID}}})

	for _, u := range []control.User{inThenOut, notIncluded} {
		r := f.call("POST", tapPath(u.ID), map[string]any{})
		expectStatus(t, r, 400)
		if _, msg, _ := r.odataError(t); msg != convergedMessage {
			t.Fatalf("%s: %s", u.DisplayName, msg)
		}
	}
	f.settings(control.Settings{"allowCreateOutOfScope": true})
	for _, u := range []control.User{inThenOut, notIncluded} {
		created := f.createTAP(u.ID, nil)
		if created["isUsable"] != false || created["methodUsabilityReason"] != "DisabledByPolicy" {
			t.Errorf("%s: %v", u.DisplayName, created)
		}
		res, err := f.ctl.SignIn(f.ctx, f.tid, u.ID, asString(created["temporaryAccessPass"]))
		if err != nil || res.Success || res.Reason != "DisabledByPolicy" ||
			res.Message != "Temporary Access Pass sign in was blocked due to User Credential Policy" {
			t.Errorf("%s sign-in: %+v %v", u.DisplayName, res, err)
		}
	}
}
