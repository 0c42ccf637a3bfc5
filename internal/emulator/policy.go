package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const (
	tapConfigID    = "TemporaryAccessPass"
	tapConfigType  = "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"
	allUsersTarget = "all_users"
)

// Documented TAP policy bounds (spec §2.1).
const (
	minPassLength   = 8
	maxPassLength   = 48
	minLifetimeMins = 10
	maxLifetimeMins = 43200
)

type policyTarget struct {
	targetType             string
	id                     string
	isRegistrationRequired bool
}

// tapPolicy is the TemporaryAccessPass method configuration (spec §2).
type tapPolicy struct {
	state           string
	defaultLength   int
	defaultLifetime int
	minLifetime     int
	maxLifetime     int
	isUsableOnce    bool
	include         []policyTarget
	exclude         []policyTarget
}

// defaultTAPPolicy is a fresh tenant's policy (spec §2.2 EMULATOR CHOICE: disabled, all_users, 60/480/60, 8).
func defaultTAPPolicy() tapPolicy {
	return tapPolicy{state: "disabled", defaultLength: 8, defaultLifetime: 60, minLifetime: 60, maxLifetime: 480,
		include: []policyTarget{{targetType: "group", id: allUsersTarget}}, exclude: []policyTarget{}}
}

func (p tapPolicy) clone() tapPolicy {
	p.include = append([]policyTarget{}, p.include...)
	p.exclude = append([]policyTarget{}, p.exclude...)
	return p
}

func (p tapPolicy) json(base string) map[string]any {
	include := make([]map[string]any, 0, len(p.include))
	for _, t := range p.include {
		include = append(include, map[string]any{"targetType": t.targetType, "id": t.id, "isRegistrationRequired": t.isRegistrationRequired})
	}
	exclude := make([]map[string]any, 0, len(p.exclude))
	for _, t := range p.exclude {
		exclude = append(exclude, map[string]any{"targetType": t.targetType, "id": t.id})
	}
	return map[string]any{
		"@odata.type":                  tapConfigType,
		"id":                           tapConfigID,
		"state":                        p.state,
		"defaultLifetimeInMinutes":     p.defaultLifetime,
		"defaultLength":                p.defaultLength,
		"minimumLifetimeInMinutes":     p.minLifetime,
		"maximumLifetimeInMinutes":     p.maxLifetime,
		"isUsableOnce":                 p.isUsableOnce,
		"includeTargets@odata.context": base + "/v1.0/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations('TemporaryAccessPass')/microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration/includeTargets",
		"includeTargets":               include,
		"excludeTargets":               exclude,
	}
}

// targets reports whether the policy's include/exclude targets cover u, walking nested groups.
func (s *tenantState) targets(p tapPolicy, u *user) bool {
	groups := walk(s.memberOf, u.id)
	hit := func(t policyTarget) bool {
		switch t.targetType {
		case "user":
			return strings.EqualFold(t.id, u.id)
		case "group":
			return t.id == allUsersTarget || groups[strings.ToLower(t.id)]
		}
		return false
	}
	included, excluded := false, false
	for _, t := range p.include {
		included = included || hit(t)
	}
	for _, t := range p.exclude {
		excluded = excluded || hit(t)
	}
	return included && (!excluded || s.settings.TargetPrecedence == "include")
}

// ----- PATCH validation -----

func propertyDoesNotExist(prop, typeName string) string {
	return fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", prop, typeName)
}

func rangeMessage(prop string, lo, hi int) string {
	return fmt.Sprintf("Invalid %s specified. The valid range between %d and %d.", prop, lo, hi)
}

// checkODataType applies the documented "@odata.type must be included" rule (spec §2.4).
func (c *call) checkODataType(o jsonObject, want string) *reply {
	var typ string
	if _, err := o.decode("@odata.type", &typ); err != nil {
		rep := badRequest(svcAuthMethods, literalError("@odata.type", o["@odata.type"], "Edm.String"))
		return &rep
	}
	if typ == "" {
		if !c.s.settings.RequirePolicyODataType {
			return nil
		}
		rep := badRequest(svcAuthMethods, fmt.Sprintf("The @odata.type property with a value of '%s' must be included in the request body.", want))
		return &rep
	}
	if !strings.EqualFold(strings.TrimPrefix(typ, "#"), strings.TrimPrefix(want, "#")) {
		rep := badRequest(svcAuthMethods, fmt.Sprintf("The @odata.type '%s' does not match the type of this authentication method configuration, '%s'.", typ, want))
		return &rep
	}
	return nil
}

type targetBody struct {
	TargetType             *string `json:"targetType"`
	ID                     *string `json:"id"`
	IsRegistrationRequired *bool   `json:"isRegistrationRequired"`
}

func (c *call) patchTAPPolicy(o jsonObject) reply {
	if rep := c.checkODataType(o, tapConfigType); rep != nil {
		return *rep
	}
	if unknown := o.unknownKeys("id", "state", "defaultLength", "defaultLifetimeInMinutes", "minimumLifetimeInMinutes",
		"maximumLifetimeInMinutes", "isUsableOnce", "includeTargets", "excludeTargets"); len(unknown) > 0 {
		return badRequest(svcAuthMethods, propertyDoesNotExist(unknown[0], "temporaryAccessPassAuthenticationMethodConfiguration"))
	}
	next := c.s.tapPolicy.clone()
	fields := []struct {
		key     string
		dst     any
		edmType string
	}{
		{"state", &next.state, "microsoft.graph.authenticationMethodState"},
		{"defaultLength", &next.defaultLength, "Edm.Int32"},
		{"defaultLifetimeInMinutes", &next.defaultLifetime, "Edm.Int32"},
		{"minimumLifetimeInMinutes", &next.minLifetime, "Edm.Int32"},
		{"maximumLifetimeInMinutes", &next.maxLifetime, "Edm.Int32"},
		{"isUsableOnce", &next.isUsableOnce, "Edm.Boolean"},
	}
	for _, f := range fields {
		if _, err := o.decode(f.key, f.dst); err != nil {
			return badRequest(svcAuthMethods, literalError(f.key, o[f.key], f.edmType))
		}
	}
	for _, list := range []struct {
		key string
		dst *[]policyTarget
	}{{"includeTargets", &next.include}, {"excludeTargets", &next.exclude}} {
		var items []targetBody
		present, err := o.decode(list.key, &items)
		if err != nil {
			return badRequest(svcAuthMethods, literalError(list.key, o[list.key], "Collection(microsoft.graph.authenticationMethodTarget)"))
		}
		if !present {
			continue
		}
		// A collection that is sent replaces the stored one (spec §2.4).
		*list.dst = make([]policyTarget, 0, len(items))
		for _, it := range items {
			t := policyTarget{}
			if it.TargetType != nil {
				t.targetType = *it.TargetType
			}
			if it.ID != nil {
				t.id = *it.ID
			}
			if it.IsRegistrationRequired != nil {
				t.isRegistrationRequired = *it.IsRegistrationRequired
			}
			*list.dst = append(*list.dst, t)
		}
	}
	if msg := c.s.validateTAPPolicy(next); msg != "" {
		return badRequest(svcAuthMethods, msg)
	}
	c.s.tapPolicy = next
	c.s.root.lastModified = c.now
	return noContent()
}

// validateTAPPolicy returns the error message for an invalid policy, or "" (spec §2.4 / §9 EMULATOR CHOICE).
func (s *tenantState) validateTAPPolicy(p tapPolicy) string {
	if p.state != "enabled" && p.state != "disabled" {
		return "Invalid State specified. The valid values are enabled and disabled."
	}
	switch {
	case !s.settings.ValidatePolicyRanges:
	case p.defaultLength < minPassLength || p.defaultLength > maxPassLength:
		return rangeMessage("DefaultLength", minPassLength, maxPassLength)
	case p.minLifetime < minLifetimeMins || p.minLifetime > maxLifetimeMins:
		return rangeMessage("MinimumLifetimeInMinutes", minLifetimeMins, maxLifetimeMins)
	case p.maxLifetime < minLifetimeMins || p.maxLifetime > maxLifetimeMins:
		return rangeMessage("MaximumLifetimeInMinutes", minLifetimeMins, maxLifetimeMins)
	case p.minLifetime > p.maxLifetime:
		return "Invalid MinimumLifetimeInMinutes specified. It must not be greater than MaximumLifetimeInMinutes."
	case p.defaultLifetime < p.minLifetime || p.defaultLifetime > p.maxLifetime:
		return rangeMessage("DefaultLifetimeInMinutes", p.minLifetime, p.maxLifetime)
	}
	for _, list := range []struct {
		name    string
		targets []policyTarget
	}{{"includeTargets", p.include}, {"excludeTargets", p.exclude}} {
		seen := map[string]bool{}
		for _, t := range list.targets {
			if msg := s.validateTarget(list.name, t); msg != "" {
				return msg
			}
			key := strings.ToLower(t.id)
			if seen[key] && s.settings.RejectDuplicateTargets {
				return fmt.Sprintf("Duplicate target id '%s' in %s.", t.id, list.name)
			}
			seen[key] = true
		}
	}
	return ""
}

func (s *tenantState) validateTarget(list string, t policyTarget) string {
	if t.targetType != "user" && t.targetType != "group" {
		return fmt.Sprintf("Invalid TargetType '%s' specified in %s. The valid values are user and group.", t.targetType, list)
	}
	if t.id == allUsersTarget {
		if t.targetType != "group" || list != "includeTargets" {
			return fmt.Sprintf("Invalid target id '%s' in %s: all_users is only valid as an included group.", t.id, list)
		}
		return ""
	}
	if !isGUID(t.id) {
		return fmt.Sprintf("Invalid target id '%s' in %s. It must be an object id or all_users.", t.id, list)
	}
	if s.settings.ValidateTargetIDs {
		exists := t.targetType == "user" && s.users[strings.ToLower(t.id)] != nil ||
			t.targetType == "group" && s.groups[strings.ToLower(t.id)] != nil
		if !exists {
			return fmt.Sprintf("Invalid target id '%s' in %s: no %s with this id exists.", t.id, list, t.targetType)
		}
	}
	return ""
}

// ----- the other method configurations (spec §3.3) -----

// configOrder is the order of the root policy's configurations, as in the documented example.
var configOrder = []string{"Fido2", "MicrosoftAuthenticator", "Sms", tapConfigID, "SoftwareOath", "Voice", "Email", "X509Certificate"}

func allUsersInclude(extra map[string]any) []any {
	t := map[string]any{"targetType": "group", "id": allUsersTarget, "isRegistrationRequired": false}
	for k, v := range extra {
		t[k] = v
	}
	return []any{t}
}

func defaultMethodConfigurations() map[string]map[string]any {
	out := map[string]map[string]any{}
	cfg := func(id, typ, state string, include []any, extra map[string]any) {
		m := map[string]any{"@odata.type": "#microsoft.graph." + typ, "id": id, "state": state,
			"excludeTargets": []any{}, "includeTargets": include}
		for k, v := range extra {
			m[k] = v
		}
		out[strings.ToLower(id)] = m
	}
	cfg("Fido2", "fido2AuthenticationMethodConfiguration", "disabled", allUsersInclude(nil), map[string]any{
		"isSelfServiceRegistrationAllowed": true, "isAttestationEnforced": false,
		"keyRestrictions": map[string]any{"isEnforced": false, "enforcementType": "block", "aaGuids": []any{}}})
	cfg("MicrosoftAuthenticator", "microsoftAuthenticatorAuthenticationMethodConfiguration", "enabled",
		allUsersInclude(map[string]any{"authenticationMode": "any"}), map[string]any{"isSoftwareOathEnabled": false,
			"featureSettings": map[string]any{}})
	cfg("Sms", "smsAuthenticationMethodConfiguration", "disabled", allUsersInclude(map[string]any{"isUsableForSignIn": true}), nil)
	cfg("SoftwareOath", "softwareOathAuthenticationMethodConfiguration", "disabled", allUsersInclude(nil), nil)
	cfg("Voice", "voiceAuthenticationMethodConfiguration", "disabled", allUsersInclude(nil), map[string]any{"isOfficePhoneAllowed": false})
	cfg("Email", "emailAuthenticationMethodConfiguration", "enabled", allUsersInclude(nil), map[string]any{"allowExternalIdToUseEmailOtp": "default"})
	cfg("X509Certificate", "x509CertificateAuthenticationMethodConfiguration", "disabled", allUsersInclude(nil), map[string]any{
		"certificateUserBindings":         []any{},
		"authenticationModeConfiguration": map[string]any{"x509CertificateAuthenticationDefaultMode": "x509CertificateSingleFactor", "rules": []any{}}})
	return out
}

// configurationJSON renders one configuration by id, or nil when there is none.
func (c *call) configurationJSON(id string) map[string]any {
	if strings.EqualFold(id, tapConfigID) {
		return c.s.tapPolicy.json(c.e.url)
	}
	stored := c.s.configs[strings.ToLower(id)]
	if stored == nil {
		return nil
	}
	out := make(map[string]any, len(stored))
	for k, v := range stored {
		out[k] = v
	}
	return out
}

func (c *call) configurationNotFound(id string) reply {
	return svcError(svcAuthMethods, http.StatusNotFound, "itemNotFound",
		fmt.Sprintf("Authentication method configuration '%s' was not found.", id))
}

func (c *call) listConfigurations() reply {
	items := make([]map[string]any, 0, len(configOrder))
	for _, id := range configOrder {
		items = append(items, c.configurationJSON(id))
	}
	return jsonReply(http.StatusOK, map[string]any{
		"@odata.context": c.e.url + "/v1.0/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
		"value":          items,
	})
}

func (c *call) getConfiguration() reply {
	body := c.configurationJSON(c.params[0])
	if body == nil {
		return c.configurationNotFound(c.params[0])
	}
	body["@odata.context"] = c.e.url + "/v1.0/$metadata#authenticationMethodConfigurations/$entity"
	return jsonReply(http.StatusOK, body)
}

func (c *call) patchConfiguration() reply {
	o, err := parseObject(c.body)
	if err != nil {
		return badRequest(svcAuthMethods, invalidJSONMessage)
	}
	if strings.EqualFold(c.params[0], tapConfigID) {
		return c.patchTAPPolicy(o)
	}
	stored := c.s.configs[strings.ToLower(c.params[0])]
	if stored == nil {
		return c.configurationNotFound(c.params[0])
	}
	typ, _ := stored["@odata.type"].(string)
	if rep := c.checkODataType(o, typ); rep != nil {
		return *rep
	}
	next := make(map[string]any, len(stored))
	for k, v := range stored {
		next[k] = v
	}
	for k, raw := range o {
		if strings.Contains(k, "@") || k == "id" {
			continue
		}
		if _, known := stored[k]; !known {
			return badRequest(svcAuthMethods, propertyDoesNotExist(k, strings.TrimPrefix(typ, "#microsoft.graph.")))
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return badRequest(svcAuthMethods, invalidJSONMessage)
		}
		next[k] = v
	}
	if st, _ := next["state"].(string); st != "enabled" && st != "disabled" {
		return badRequest(svcAuthMethods, "Invalid State specified. The valid values are enabled and disabled.")
	}
	c.s.configs[strings.ToLower(c.params[0])] = next
	c.s.root.lastModified = c.now
	return noContent()
}

// deleteConfiguration reverts a configuration to its default (spec §2.5; the post-reset state is an
// EMULATOR CHOICE, settings.policyResetState).
func (c *call) deleteConfiguration() reply {
	id := c.params[0]
	if strings.EqualFold(id, tapConfigID) {
		state := c.s.tapPolicy.state
		c.s.tapPolicy = defaultTAPPolicy()
		switch c.s.settings.PolicyResetState {
		case "enabled":
			c.s.tapPolicy.state = "enabled"
		case "keep":
			c.s.tapPolicy.state = state
		}
		c.s.root.lastModified = c.now
		return noContent()
	}
	def := defaultMethodConfigurations()[strings.ToLower(id)]
	if def == nil {
		return c.configurationNotFound(id)
	}
	c.s.configs[strings.ToLower(id)] = def
	c.s.root.lastModified = c.now
	return noContent()
}

// ----- policy root (spec §3) -----

type registrationCampaign struct {
	SnoozeDurationInDays int              `json:"snoozeDurationInDays"`
	State                string           `json:"state"`
	ExcludeTargets       []map[string]any `json:"excludeTargets"`
	IncludeTargets       []map[string]any `json:"includeTargets"`
}

type rootPolicy struct {
	lastModified         time.Time
	policyMigrationState string
	reconfirmationInDays int
	campaign             registrationCampaign
}

func defaultRootPolicy(now time.Time) rootPolicy {
	return rootPolicy{
		lastModified: now, policyMigrationState: "preMigration", reconfirmationInDays: 180,
		campaign: registrationCampaign{SnoozeDurationInDays: 1, State: "default", ExcludeTargets: []map[string]any{},
			IncludeTargets: []map[string]any{{"id": allUsersTarget, "targetType": "group", "targetedAuthenticationMethod": "microsoftAuthenticator"}}},
	}
}

func (c *call) rootPolicyJSON() map[string]any {
	configs := make([]map[string]any, 0, len(configOrder))
	for _, id := range configOrder {
		configs = append(configs, c.configurationJSON(id))
	}
	r := c.s.root
	return map[string]any{
		"@odata.context":       c.e.url + "/v1.0/$metadata#authenticationMethodsPolicy",
		"id":                   "authenticationMethodsPolicy",
		"displayName":          "Authentication Methods Policy",
		"description":          "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
		"lastModifiedDateTime": graphTime(r.lastModified),
		"policyVersion":        "1.4",
		"policyMigrationState": r.policyMigrationState,
		"reconfirmationInDays": r.reconfirmationInDays,
		"registrationEnforcement": map[string]any{
			"authenticationMethodsRegistrationCampaign": r.campaign,
		},
		"authenticationMethodConfigurations@odata.context": c.e.url + "/v1.0/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
		"authenticationMethodConfigurations":               configs,
	}
}

func (c *call) getRootPolicy() reply { return jsonReply(http.StatusOK, c.rootPolicyJSON()) }

// patchRootPolicy merges registrationEnforcement, policyMigrationState and reconfirmationInDays and answers
// 200 with the whole policy (spec §3.2). Validation errors are UNKNOWN; settings.validateRootPolicy.
func (c *call) patchRootPolicy() reply {
	o, err := parseObject(c.body)
	if err != nil {
		return badRequest(svcAuthMethods, invalidJSONMessage)
	}
	if unknown := o.unknownKeys("id", "displayName", "description", "lastModifiedDateTime", "policyVersion",
		"policyMigrationState", "reconfirmationInDays", "registrationEnforcement", "authenticationMethodConfigurations"); len(unknown) > 0 {
		return badRequest(svcAuthMethods, propertyDoesNotExist(unknown[0], "authenticationMethodsPolicy"))
	}
	next := c.s.root
	next.campaign.ExcludeTargets = append([]map[string]any{}, next.campaign.ExcludeTargets...)
	next.campaign.IncludeTargets = append([]map[string]any{}, next.campaign.IncludeTargets...)
	if _, err := o.decode("policyMigrationState", &next.policyMigrationState); err != nil {
		return badRequest(svcAuthMethods, literalError("policyMigrationState", o["policyMigrationState"], "microsoft.graph.authenticationMethodsPolicyMigrationState"))
	}
	if _, err := o.decode("reconfirmationInDays", &next.reconfirmationInDays); err != nil {
		return badRequest(svcAuthMethods, literalError("reconfirmationInDays", o["reconfirmationInDays"], "Edm.Int32"))
	}
	var enforcement map[string]json.RawMessage
	if _, err := o.decode("registrationEnforcement", &enforcement); err != nil {
		return badRequest(svcAuthMethods, literalError("registrationEnforcement", o["registrationEnforcement"], "microsoft.graph.registrationEnforcement"))
	}
	if raw, ok := enforcement["authenticationMethodsRegistrationCampaign"]; ok {
		campaign := jsonObject{}
		if err := json.Unmarshal(raw, &campaign); err != nil {
			return badRequest(svcAuthMethods, invalidJSONMessage)
		}
		for _, f := range []struct {
			key string
			dst any
		}{{"snoozeDurationInDays", &next.campaign.SnoozeDurationInDays}, {"state", &next.campaign.State},
			{"excludeTargets", &next.campaign.ExcludeTargets}, {"includeTargets", &next.campaign.IncludeTargets}} {
			if _, err := campaign.decode(f.key, f.dst); err != nil {
				return badRequest(svcAuthMethods, literalError(f.key, campaign[f.key], "microsoft.graph.authenticationMethodsRegistrationCampaign"))
			}
		}
	}
	if c.s.settings.ValidateRootPolicy {
		if msg := validateRootPolicy(next); msg != "" {
			return badRequest(svcAuthMethods, msg)
		}
	}
	next.lastModified = c.now
	c.s.root = next
	return jsonReply(http.StatusOK, c.rootPolicyJSON())
}

func validateRootPolicy(r rootPolicy) string {
	switch r.policyMigrationState {
	case "preMigration", "migrationInProgress", "migrationComplete":
	default:
		return "Invalid PolicyMigrationState specified. The valid values are preMigration, migrationInProgress and migrationComplete."
	}
	if r.reconfirmationInDays < 0 || r.reconfirmationInDays > 730 {
		return rangeMessage("ReconfirmationInDays", 0, 730)
	}
	camp := r.campaign
	if camp.SnoozeDurationInDays < 0 || camp.SnoozeDurationInDays > 14 {
		return rangeMessage("SnoozeDurationInDays", 0, 14)
	}
	switch camp.State {
	case "default", "enabled", "disabled":
	default:
		return "Invalid State specified. The valid values are default, enabled and disabled."
	}
	for _, t := range camp.IncludeTargets {
		if m, _ := t["targetedAuthenticationMethod"].(string); m != "" && m != "microsoftAuthenticator" {
			return "Invalid TargetedAuthenticationMethod specified. It must be microsoftAuthenticator."
		}
		if tt, _ := t["targetType"].(string); tt != "user" && tt != "group" {
			return "Invalid TargetType specified. The valid values are user and group."
		}
	}
	return ""
}
