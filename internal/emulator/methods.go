package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fixed method ids (spec §5.2).
const (
	passwordMethodID        = "28c10230-6103-485e-b985-444c60001490"
	emailMethodID           = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f"
	mobilePhoneMethodID     = "3179e48a-750b-4051-897c-87b9720928f7"
	alternatePhoneMethodID  = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	officePhoneMethodID     = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
	microsoftGraphNamespace = "#microsoft.graph."
)

var phoneIDs = map[string]string{"mobile": mobilePhoneMethodID, "alternateMobile": alternatePhoneMethodID, "office": officePhoneMethodID}

// methodKind is one v1.0 authentication method type with its typed collection (spec §5.2).
type methodKind struct {
	name       string         // "fido2"
	collection string         // "fido2Methods"
	defaults   map[string]any // seedable properties and their defaults
	required   []string       // properties a seed must give
}

func (k *methodKind) odataType() string {
	return microsoftGraphNamespace + k.name + "AuthenticationMethod"
}

var passwordKind = &methodKind{name: "password", collection: "passwordMethods"}

// methodKinds lists every typed collection except temporaryAccessPassMethods, which tap.go serves.
var methodKinds = []*methodKind{
	passwordKind,
	{name: "phone", collection: "phoneMethods", required: []string{"phoneNumber"},
		defaults: map[string]any{"phoneNumber": nil, "phoneType": "mobile", "smsSignInState": "notEnabled"}},
	{name: "email", collection: "emailMethods", required: []string{"emailAddress"},
		defaults: map[string]any{"emailAddress": nil}},
	{name: "fido2", collection: "fido2Methods",
		defaults: map[string]any{"displayName": "Security key", "model": nil, "aaGuid": nil, "attestationCertificates": []any{}, "attestationLevel": "attested"}},
	{name: "microsoftAuthenticator", collection: "microsoftAuthenticatorMethods",
		defaults: map[string]any{"displayName": "Phone", "deviceTag": "SoftwareTokenActivated", "phoneAppVersion": "6.2401.0119"}},
	{name: "softwareOath", collection: "softwareOathMethods", defaults: map[string]any{"secretKey": nil}},
	{name: "windowsHelloForBusiness", collection: "windowsHelloForBusinessMethods",
		defaults: map[string]any{"displayName": "Desktop", "keyStrength": "normal"}},
	{name: "platformCredential", collection: "platformCredentialMethods",
		defaults: map[string]any{"displayName": "Mac", "keyStrength": "normal", "platform": "macOS"}},
	{name: "external", collection: "externalAuthenticationMethods",
		defaults: map[string]any{"displayName": "External MFA", "configurationId": nil}},
}

// authMethod is a registered method other than the password and the pass.
type authMethod struct {
	id      string
	kind    *methodKind
	created time.Time
	fields  map[string]any
}

func (m *authMethod) json() map[string]any {
	out := map[string]any{"@odata.type": m.kind.odataType(), "id": m.id, "createdDateTime": graphTime(m.created)}
	for k, v := range m.fields {
		out[k] = v
	}
	return out
}

func passwordMethodJSON(u *user) map[string]any {
	return map[string]any{"@odata.type": passwordKind.odataType(), "id": passwordMethodID, "password": nil,
		"createdDateTime": graphTime(u.created)}
}

func findKind(name string) *methodKind {
	name = strings.TrimPrefix(strings.ToLower(name), strings.ToLower(microsoftGraphNamespace))
	for _, k := range methodKinds {
		if strings.EqualFold(name, k.name) || strings.EqualFold(name, k.collection) || strings.EqualFold(name, k.name+"AuthenticationMethod") {
			return k
		}
	}
	return nil
}

func (u *user) method(id string) *authMethod {
	for _, m := range u.methods {
		if strings.EqualFold(m.id, id) {
			return m
		}
	}
	return nil
}

func (c *call) methodNotFound(id string) reply {
	return svcError(svcAuthMethods, http.StatusNotFound, c.s.settings.UnknownMethodErrorCode,
		fmt.Sprintf("The authentication method '%s' was not found for this user.", id))
}

func (c *call) methodCollection(u *user, collection string, items []map[string]any) reply {
	return jsonReply(http.StatusOK, map[string]any{
		"@odata.context": c.e.url + "/v1.0/$metadata#users('" + u.id + "')/authentication/" + collection,
		"value":          items,
	})
}

// listAllMethods: every item carries @odata.type, because the SDK picks the concrete type from it (spec §5.1).
func (c *call) listAllMethods() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	items := []map[string]any{passwordMethodJSON(u)}
	for _, m := range u.methods {
		items = append(items, m.json())
	}
	if u.tap != nil {
		items = append(items, c.tapJSON(u, u.tap, nil, true))
	}
	return c.methodCollection(u, "methods", items)
}

func (c *call) getAnyMethod() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	id := c.params[1]
	switch {
	case strings.EqualFold(id, passwordMethodID):
		return jsonReply(http.StatusOK, passwordMethodJSON(u))
	case u.tap != nil && strings.EqualFold(id, u.tap.id):
		return jsonReply(http.StatusOK, c.tapJSON(u, u.tap, nil, true))
	}
	if m := u.method(id); m != nil {
		return jsonReply(http.StatusOK, m.json())
	}
	return c.methodNotFound(id)
}

func (c *call) listMethods(k *methodKind) reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	items := []map[string]any{}
	if k == passwordKind {
		items = append(items, passwordMethodJSON(u))
	}
	for _, m := range u.methods {
		if m.kind == k {
			items = append(items, m.json())
		}
	}
	return c.methodCollection(u, k.collection, items)
}

func (c *call) getMethod(k *methodKind) reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	if k == passwordKind {
		if !strings.EqualFold(c.params[1], passwordMethodID) {
			return c.methodNotFound(c.params[1])
		}
		return jsonReply(http.StatusOK, passwordMethodJSON(u))
	}
	m := u.method(c.params[1])
	if m == nil || m.kind != k {
		return c.methodNotFound(c.params[1])
	}
	return jsonReply(http.StatusOK, m.json())
}

// deleteMethod applies the documented delete rules (spec §5.2); the error bodies are EMULATOR CHOICEs.
func (c *call) deleteMethod(k *methodKind) reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	settings := c.s.settings
	if k == passwordKind {
		if settings.PasswordDeleteStatus == http.StatusBadRequest {
			return badRequest(svcAuthMethods, "The password authentication method cannot be deleted.")
		}
		return methodNotAllowed(svcAuthMethods)
	}
	m := u.method(c.params[1])
	if m == nil || m.kind != k {
		return c.methodNotFound(c.params[1])
	}
	if m.id == mobilePhoneMethodID && settings.MobileWithAlternateDelete == "reject" && u.method(alternatePhoneMethodID) != nil {
		return badRequest(svcAuthMethods, "The mobile phone method cannot be deleted while an alternateMobile phone method is registered. Delete the alternateMobile phone method first.")
	}
	if m.id == u.defaultMethodID {
		if rep := defaultMethodDeleteRule(settings, u, m); rep != nil {
			return *rep
		}
		u.defaultMethodID = ""
	}
	for i, other := range u.methods {
		if other == m {
			u.methods = append(u.methods[:i], u.methods[i+1:]...)
			break
		}
	}
	return noContent()
}

// Observed messages for a refused delete of the default method (README "Emulator choices").
const (
	defaultMethodMessage        = "The requested authentication method id of [%s] matches the user's current default authentication method, and cannot be deleted until the default authentication method is changed"
	defaultWithOthersMessage    = "Cannot delete default method with other methods configured. Please change default method before deletion."
	defaultMethodDeleteAlways   = "blockAlways"
	defaultMethodDeleteOthers   = "blockWhileOthers"
	defaultMethodScopeAnyKind   = "any"
	defaultMethodScopePhoneOnly = "phone"
)

// defaultMethodDeleteRule applies "if the phone number is the user's default MFA method, it can't be deleted"
// (phoneAuthenticationMethod delete page) to m, the user's default method. settings.defaultMethodDelete picks
// the reading (blockAlways: the documented rule; blockWhileOthers: the 2021 observation; allow) and
// settings.defaultMethodDeleteScope whether it covers phones only (where it is documented) or every kind.
func defaultMethodDeleteRule(settings Settings, u *user, m *authMethod) *reply {
	if settings.DefaultMethodDeleteScope == defaultMethodScopePhoneOnly && m.kind.name != "phone" {
		return nil
	}
	var rep reply
	switch {
	case settings.DefaultMethodDelete == defaultMethodDeleteAlways:
		rep = badRequest(svcAuthMethods, fmt.Sprintf(defaultMethodMessage, m.id))
	case settings.DefaultMethodDelete == defaultMethodDeleteOthers && otherMFAMethods(u, m) > 0:
		rep = badRequest(svcAuthMethods, defaultWithOthersMessage)
	default:
		return nil
	}
	return &rep
}

// otherMFAMethods counts the user's methods other than m that can serve as a second factor. The spec
// speaks of the default "MFA method" (§5.2): email is only for self-service password reset, and the
// password and the pass are not second factors, so none of them keeps the default from being removed.
func otherMFAMethods(u *user, m *authMethod) int {
	n := 0
	for _, other := range u.methods {
		if other != m && other.kind.name != "email" {
			n++
		}
	}
	return n
}

// ----- seeding through the control API -----

var errMethodConflict = errors.New("conflict")

// seedMethod registers a method from {"type", ...fields, "isDefault"?, "id"?, "createdDateTime"?}.
func seedMethod(u *user, body []byte, now time.Time) (*authMethod, bool, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, false, errors.New("body must be a JSON object")
	}
	var typeName, id, created string
	var isDefault bool
	for _, f := range []struct {
		key string
		dst any
	}{{"type", &typeName}, {"id", &id}, {"createdDateTime", &created}, {"isDefault", &isDefault}} {
		if _, err := o.decode(f.key, f.dst); err != nil {
			return nil, false, fmt.Errorf("%s has the wrong JSON type", f.key)
		}
	}
	k := findKind(typeName)
	switch {
	case typeName == "":
		return nil, false, errors.New(`"type" is required (phone, email, fido2, microsoftAuthenticator, softwareOath, windowsHelloForBusiness, platformCredential, external)`)
	case strings.Contains(strings.ToLower(typeName), "temporaryaccesspass"):
		return nil, false, errors.New("create passes through Graph: POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods")
	case k == nil:
		return nil, false, fmt.Errorf("unknown method type %q", typeName)
	case k == passwordKind:
		return nil, false, fmt.Errorf("every user already has the password method: %w", errMethodConflict)
	}
	m := &authMethod{kind: k, created: now, fields: map[string]any{}}
	for key, v := range k.defaults {
		m.fields[key] = v
	}
	for key, raw := range o {
		switch key {
		case "type", "id", "createdDateTime", "isDefault":
			continue
		}
		if _, ok := k.defaults[key]; !ok {
			return nil, false, fmt.Errorf("property %q is not seedable on %s methods", key, k.name)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, false, fmt.Errorf("property %q: %v", key, err)
		}
		m.fields[key] = v
	}
	for _, req := range k.required {
		if s, _ := m.fields[req].(string); s == "" {
			return nil, false, fmt.Errorf("%q is required for %s methods", req, k.name)
		}
	}
	if created != "" {
		t, err := time.Parse(time.RFC3339Nano, created)
		if err != nil {
			return nil, false, errors.New("createdDateTime must be RFC 3339")
		}
		m.created = t.UTC()
	}
	switch k.name {
	case "phone":
		pt, _ := m.fields["phoneType"].(string)
		fixed, ok := phoneIDs[pt]
		if !ok {
			return nil, false, errors.New("phoneType must be mobile, alternateMobile or office")
		}
		id = fixed
	case "email":
		id = emailMethodID
	case "softwareOath":
		if m.fields["secretKey"] != nil {
			return nil, false, errors.New("secretKey is always null: Graph never returns it")
		}
	}
	if id == "" {
		id = newGUID()
	}
	if u.method(id) != nil {
		return nil, false, fmt.Errorf("the user already has a method with id %s: %w", id, errMethodConflict)
	}
	m.id = id
	u.methods = append(u.methods, m)
	if isDefault {
		u.defaultMethodID = m.id
	}
	return m, isDefault, nil
}

// promptedMethods lists the kinds of method a user would still be asked for after signing in with a
// pass: everything registered except the password and the pass itself.
func promptedMethods(u *user) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, m := range u.methods {
		if !seen[m.kind.name] {
			seen[m.kind.name] = true
			out = append(out, m.kind.name)
		}
	}
	return out
}
