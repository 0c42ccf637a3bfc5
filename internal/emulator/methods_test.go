package emulator_test

import (
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

const (
	passwordID  = "28c10230-6103-485e-b985-444c60001490"
	mobileID    = "3179e48a-750b-4051-897c-87b9720928f7"
	alternateID = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	officeID    = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
	emailID     = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f"
)

func (f *fixture) seed(user string, m control.Method) string {
	f.t.Helper()
	out, err := f.ctl.SeedMethod(f.ctx, f.tid, user, m)
	if err != nil {
		f.t.Fatalf("seed %v: %v", m["type"], err)
	}
	return out.ID()
}

func methodsPath(user, collection string) string {
	return "/users/" + user + "/authentication/" + collection
}

func TestMethodsListAndTypedCollections(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enableTAP()
	u := f.user("Methodical")
	seeded := map[string]string{} // collection -> id
	for _, tc := range []struct {
		collection string
		method     control.Method
		wantID     string
		wantField  string
	}{
		{"phoneMethods", control.Method{"type": "phone", "phoneNumber": "+1 5555550100", "phoneType": "mobile"}, mobileID, "phoneNumber"},
		{"emailMethods", control.Method{"type": "email", "emailAddress": "m@example.com"}, emailID, "emailAddress"},
		{"fido2Methods", control.Method{"type": "fido2", "displayName": "YubiKey", "model": "YubiKey 5", "aaGuid": "cb69481e-8ff7-4039-93ec-0a2729a154a8", "createdDateTime": "2024-01-02T03:04:05Z"}, "", "aaGuid"},
		{"microsoftAuthenticatorMethods", control.Method{"type": "microsoftAuthenticator", "displayName": "Pixel", "deviceTag": "SoftwareTokenActivated", "phoneAppVersion": "6.2401.0119"}, "", "deviceTag"},
		{"softwareOathMethods", control.Method{"type": "softwareOath"}, "", "secretKey"},
		{"windowsHelloForBusinessMethods", control.Method{"type": "windowsHelloForBusiness", "displayName": "LAPTOP-1", "keyStrength": "normal"}, "", "keyStrength"},
		{"platformCredentialMethods", control.Method{"type": "platformCredential", "displayName": "MacBook"}, "", "platform"},
		{"externalAuthenticationMethods", control.Method{"type": "externalAuthenticationMethods", "displayName": "Duo", "configurationId": "1b3c5d7e-0000-4000-8000-000000000001"}, "", "configurationId"},
	} {
		t.Run(tc.collection, func(t *testing.T) {
			id := f.seed(u.UserPrincipalName, tc.method)
			if tc.wantID != "" && id != tc.wantID {
				t.Fatalf("id %s, want fixed id %s", id, tc.wantID)
			}
			seeded[tc.collection] = id
			r := f.call("GET", methodsPath(u.ID, tc.collection), nil)
			expectStatus(t, r, 200)
			items := asSlice(r.json(t)["value"])
			if len(items) != 1 {
				t.Fatalf("%d items", len(items))
			}
			item := f.call("GET", methodsPath(u.ID, tc.collection)+"/"+id, nil)
			expectStatus(t, item, 200)
			m := item.json(t)
			if _, ok := m[tc.wantField]; !ok || m["@odata.type"] == nil || m["createdDateTime"] == nil {
				t.Fatalf("item %v", m)
			}
			if _, leaked := m["isDefault"]; leaked {
				t.Error("isDefault is control-only")
			}
		})
	}
	if m := f.call("GET", methodsPath(u.ID, "fido2Methods")+"/"+seeded["fido2Methods"], nil).json(t); m["createdDateTime"] != "2024-01-02T03:04:05Z" {
		t.Errorf("seeded createdDateTime: %v", m["createdDateTime"])
	}
	f.createTAP(u.ID, nil)

	r := f.call("GET", methodsPath(u.ID, "methods"), nil)
	expectStatus(t, r, 200)
	types := map[string]int{}
	for _, it := range asSlice(r.json(t)["value"]) {
		m := asMap(it)
		typ, _ := m["@odata.type"].(string)
		if typ == "" {
			t.Fatalf("method without @odata.type: %v", m)
		}
		types[typ]++
	}
	for _, want := range []string{"password", "phone", "email", "fido2", "microsoftAuthenticator", "softwareOath",
		"windowsHelloForBusiness", "platformCredential", "external", "temporaryAccessPass"} {
		if types["#microsoft.graph."+want+"AuthenticationMethod"] != 1 {
			t.Errorf("methods list lacks %s: %v", want, types)
		}
	}
	expectStatus(t, f.call("GET", methodsPath(u.ID, "passwordMethods")+"/"+passwordID, nil), 200)
	expectStatus(t, f.call("GET", methodsPath(u.ID, "methods")+"/"+seeded["fido2Methods"], nil), 200)
	// An id of another type is not found in this collection.
	r = f.call("GET", methodsPath(u.ID, "phoneMethods")+"/"+seeded["fido2Methods"], nil)
	expectStatus(t, r, 404)
	if code, _, _ := r.odataError(t); code != "itemNotFound" {
		t.Errorf("code %s", code)
	}
	// Seeding rejects nonsense.
	for _, bad := range []control.Method{{"type": "sms"}, {"type": "phone"}, {"type": "fido2", "color": "blue"}, {"type": "password"},
		{"type": "phone", "phoneNumber": "+1 555", "phoneType": "mobile"}} {
		if _, err := f.ctl.SeedMethod(f.ctx, f.tid, u.ID, bad); err == nil {
			t.Errorf("seeding %v should fail", bad)
		}
	}
}

func TestMethodDeleteRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		settings control.Settings
		setup    func(f *fixture, user string)
		target   func(f *fixture, user string) string // path to DELETE
		status   int
		code     string
		message  string // a part of error.message
	}{
		{name: "password cannot be deleted (405 default)",
			target: func(f *fixture, u string) string { return methodsPath(u, "passwordMethods") + "/" + passwordID },
			status: 405, code: "methodNotAllowed"},
		{name: "password cannot be deleted (400 switch)", settings: control.Settings{"passwordDeleteStatus": 400},
			target: func(f *fixture, u string) string { return methodsPath(u, "passwordMethods") + "/" + passwordID },
			status: 400, code: "badRequest"},
		{name: "mobile while alternate exists",
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550001", "phoneType": "mobile"})
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550002", "phoneType": "alternateMobile"})
			},
			target: func(f *fixture, u string) string { return methodsPath(u, "phoneMethods") + "/" + mobileID },
			status: 400, code: "badRequest"},
		{name: "mobile while alternate exists, switch allows", settings: control.Settings{"mobileWithAlternateDelete": "allow"},
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550001", "phoneType": "mobile"})
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550002", "phoneType": "alternateMobile"})
			},
			target: func(f *fixture, u string) string { return methodsPath(u, "phoneMethods") + "/" + mobileID },
			status: 204},
		{name: "office phone is free to go",
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550003", "phoneType": "office"})
			},
			target: func(f *fixture, u string) string { return methodsPath(u, "phoneMethods") + "/" + officeID },
			status: 204},
		// The documented rule: a phone that is the default MFA method cannot be deleted, even as the last method.
		{name: "default phone while others remain",
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550001", "phoneType": "mobile", "isDefault": true})
				f.seed(u, control.Method{"type": "fido2"})
			},
			target: func(f *fixture, u string) string { return methodsPath(u, "phoneMethods") + "/" + mobileID },
			status: 400, code: "badRequest", message: "[" + mobileID + "] matches the user's current default authentication method"},
		{name: "default phone as the last method",
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550001", "phoneType": "mobile", "isDefault": true})
			},
			target: func(f *fixture, u string) string { return methodsPath(u, "phoneMethods") + "/" + mobileID },
			status: 400, code: "badRequest", message: "cannot be deleted until the default authentication method is changed"},
		{name: "default Authenticator: the rule is documented for phones only",
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "microsoftAuthenticator", "isDefault": true, "id": "aaaaaaaa-0000-4000-8000-000000000001"})
				f.seed(u, control.Method{"type": "fido2"})
			},
			target: func(f *fixture, u string) string {
				return methodsPath(u, "microsoftAuthenticatorMethods") + "/aaaaaaaa-0000-4000-8000-000000000001"
			},
			status: 204},
		{name: "default Authenticator, scope any", settings: control.Settings{"defaultMethodDeleteScope": "any"},
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "microsoftAuthenticator", "isDefault": true, "id": "aaaaaaaa-0000-4000-8000-000000000001"})
			},
			target: func(f *fixture, u string) string {
				return methodsPath(u, "microsoftAuthenticatorMethods") + "/aaaaaaaa-0000-4000-8000-000000000001"
			},
			status: 400, code: "badRequest", message: "matches the user's current default authentication method"},
		{name: "blockWhileOthers: default phone while others remain", settings: control.Settings{"defaultMethodDelete": "blockWhileOthers"},
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550001", "phoneType": "mobile", "isDefault": true})
				f.seed(u, control.Method{"type": "fido2"})
			},
			target: func(f *fixture, u string) string { return methodsPath(u, "phoneMethods") + "/" + mobileID },
			status: 400, code: "badRequest", message: "Cannot delete default method with other methods configured. Please change default method before deletion."},
		{name: "blockWhileOthers: default phone as the last method (email does not count)", settings: control.Settings{"defaultMethodDelete": "blockWhileOthers"},
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550001", "phoneType": "mobile", "isDefault": true})
				f.seed(u, control.Method{"type": "email", "emailAddress": "x@example.com"})
			},
			target: func(f *fixture, u string) string { return methodsPath(u, "phoneMethods") + "/" + mobileID },
			status: 204},
		{name: "default method, allow", settings: control.Settings{"defaultMethodDelete": "allow"},
			setup: func(f *fixture, u string) {
				f.seed(u, control.Method{"type": "phone", "phoneNumber": "+1 5550001", "phoneType": "mobile", "isDefault": true})
				f.seed(u, control.Method{"type": "fido2"})
			},
			target: func(f *fixture, u string) string { return methodsPath(u, "phoneMethods") + "/" + mobileID },
			status: 204},
		{name: "unknown id",
			target: func(f *fixture, u string) string { return methodsPath(u, "fido2Methods") + "/nope" },
			status: 404, code: "itemNotFound"},
		{name: "unknown id, switched code", settings: control.Settings{"unknownMethodErrorCode": "notFound"},
			target: func(f *fixture, u string) string { return methodsPath(u, "emailMethods") + "/" + emailID },
			status: 404, code: "notFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tc.settings != nil {
				f.settings(tc.settings)
			}
			u := f.user("Deleter")
			if tc.setup != nil {
				tc.setup(f, u.ID)
			}
			r := f.call("DELETE", tc.target(f, u.ID), nil)
			expectStatus(t, r, tc.status)
			if tc.code != "" {
				code, msg, inner := r.odataError(t)
				if code != tc.code || !strings.Contains(msg, tc.message) {
					t.Fatalf("code %s message %q, want %s with %q", code, msg, tc.code, tc.message)
				}
				if inner["message"] != msg {
					t.Errorf("the authentication-methods service repeats the message in innerError: %v", inner)
				}
			}
		})
	}
}
