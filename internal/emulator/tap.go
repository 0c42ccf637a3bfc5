package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

const tapMethodType = "#microsoft.graph.temporaryAccessPassAuthenticationMethod"

// Documented messages (spec §4.2, §11).
const (
	convergedPolicyMessage = "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."
	externalGuestMessage   = "Temporary Access Pass cannot be added to an external guest user."
	pastStartMessage       = "Invalid StartDateTime specified. It can not be a time in the past."
	// disabledUserMessage is an EMULATOR CHOICE: no source shows Graph refusing a pass for a disabled account.
	disabledUserMessage = "Temporary Access Pass cannot be added to a disabled user."
)

// tapMethod is a user's one Temporary Access Pass. The value is kept only so sign-in simulation can
// check it; Graph never returns it after creation.
type tapMethod struct {
	id           string
	value        string
	created      time.Time
	start        time.Time
	startOmitted bool
	lifetime     int
	usableOnce   bool
	used         bool // a one-time pass after a successful sign-in
}

// usability computes isUsable/methodUsabilityReason at read time from the tenant clock (spec §4.6).
func (s *tenantState) usability(u *user, t *tapMethod, now time.Time) (bool, string) {
	switch {
	case now.Before(t.start):
		return false, "NotYetValid"
	case !now.Before(t.start.Add(time.Duration(t.lifetime) * time.Minute)):
		return false, "Expired"
	case t.usableOnce && t.used:
		return false, "OneTimeUsed"
	case s.settings.ReportDisabledByPolicy && !s.policyAllowsSignIn(u, t):
		return false, "DisabledByPolicy"
	}
	return true, "EnabledByPolicy"
}

// policyAllowsSignIn: the policy is enabled, targets the user, and does not demand one-time passes of a
// multi-use one (ED howto, Troubleshooting).
func (s *tenantState) policyAllowsSignIn(u *user, t *tapMethod) bool {
	p := s.tapPolicy
	return p.state == "enabled" && s.targets(p, u) && (!p.isUsableOnce || t.usableOnce)
}

func (s *tenantState) reasonCase(reason string) string {
	if s.settings.UsabilityReasonCase == "camel" {
		return strings.ToLower(reason[:1]) + reason[1:]
	}
	return reason
}

// tapJSON renders a pass; value is only passed by the create response.
func (c *call) tapJSON(u *user, t *tapMethod, value *string, withType bool) map[string]any {
	usable, reason := c.s.usability(u, t, c.now)
	m := map[string]any{
		"id": t.id, "temporaryAccessPass": nil, "createdDateTime": graphTime(t.created),
		"startDateTime": graphTime(t.start), "lifetimeInMinutes": t.lifetime, "isUsableOnce": t.usableOnce,
		"isUsable": usable, "methodUsabilityReason": c.s.reasonCase(reason),
	}
	if t.startOmitted && c.s.settings.OmittedStartDateTime == "null" {
		m["startDateTime"] = nil
	}
	if value != nil {
		m["temporaryAccessPass"] = *value
	}
	if withType {
		m["@odata.type"] = tapMethodType
	}
	return m
}

// tapReject answers a creation the policy or the user type forbids. The status is UNKNOWN in the spec
// (settings.tapRejectStatus, default 400 badRequest).
func (c *call) tapReject(message string) reply {
	status := c.s.settings.TAPRejectStatus
	code := "badRequest"
	switch status {
	case http.StatusForbidden:
		code = "accessDenied"
	case http.StatusConflict:
		code = "conflict"
	default:
		if status >= 500 {
			code = "generalException"
		}
	}
	return svcError(svcAuthMethods, status, code, message)
}

func (c *call) createTAP() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	o, err := parseObject(c.body)
	if err != nil {
		return badRequest(svcAuthMethods, "Unable to parse request body as an authentication method.")
	}
	if unknown := o.unknownKeys("startDateTime", "lifetimeInMinutes", "isUsableOnce", "id", "temporaryAccessPass",
		"createdDateTime", "isUsable", "methodUsabilityReason"); len(unknown) > 0 {
		return badRequest(svcAuthMethods, propertyDoesNotExist(unknown[0], "temporaryAccessPassAuthenticationMethod"))
	}
	var (
		startRaw   string
		lifetime   int
		usableOnce bool
	)
	hasStart, err := o.decode("startDateTime", &startRaw)
	if err != nil {
		return badRequest(svcAuthMethods, literalError("startDateTime", o["startDateTime"], "Edm.DateTimeOffset"))
	}
	hasLifetime, err := o.decode("lifetimeInMinutes", &lifetime)
	if err != nil {
		return badRequest(svcAuthMethods, literalError("lifetimeInMinutes", o["lifetimeInMinutes"], "Edm.Int32"))
	}
	hasUsableOnce, err := o.decode("isUsableOnce", &usableOnce)
	if err != nil {
		return badRequest(svcAuthMethods, literalError("isUsableOnce", o["isUsableOnce"], "Edm.Boolean"))
	}
	var start time.Time
	if hasStart {
		// Any RFC 3339 offset is accepted (spec §1.2); Kiota writes the value's own offset.
		if start, err = time.Parse(time.RFC3339Nano, startRaw); err != nil {
			return badRequest(svcAuthMethods, literalError("startDateTime", o["startDateTime"], "Edm.DateTimeOffset"))
		}
		start = start.UTC()
	}

	// Checks in this order (the real order is UNKNOWN): user type, disabled account (off by default),
	// policy state, targets, one-time rule, lifetime, start time (by the tenant clock).
	p := c.s.tapPolicy
	settings := c.s.settings
	if strings.EqualFold(u.creationType, "Invitation") {
		return c.tapReject(externalGuestMessage)
	}
	if !u.accountEnabled && settings.RejectTAPForDisabledUser {
		return c.tapReject(disabledUserMessage)
	}
	if p.state != "enabled" && !settings.AllowCreateWhenPolicyDisabled {
		return c.tapReject(convergedPolicyMessage)
	}
	if !c.s.targets(p, u) && !settings.AllowCreateOutOfScope {
		return c.tapReject(convergedPolicyMessage)
	}
	if !hasUsableOnce {
		usableOnce = p.isUsableOnce
	}
	if p.isUsableOnce && !usableOnce {
		if settings.OneTimePolicyViolation == "reject" {
			return c.tapReject(convergedPolicyMessage)
		}
		usableOnce = true
	}
	if !hasLifetime {
		lifetime = p.defaultLifetime
	}
	if lifetime < p.minLifetime || lifetime > p.maxLifetime || lifetime < minLifetimeMins || lifetime > maxLifetimeMins {
		return badRequest(svcAuthMethods, fmt.Sprintf("Invalid LifetimeInMinutes specified. The valid range between %d and %d.", p.minLifetime, p.maxLifetime))
	}
	if hasStart {
		tolerance := time.Duration(settings.StartDateTimePastToleranceSeconds) * time.Second
		if start.Before(c.now.Add(-tolerance)) {
			return c.tapReject(pastStartMessage)
		}
		if d := settings.MaxStartDateTimeDays; d > 0 && start.After(c.now.Add(time.Duration(d)*24*time.Hour)) {
			return c.tapReject(fmt.Sprintf("Invalid StartDateTime specified. It can not be more than %d days in the future.", d))
		}
	} else {
		start = c.now
	}

	// One pass per user: a new one replaces the old, whatever its state (spec §4.2).
	value := newTAPValue(p.defaultLength)
	t := &tapMethod{id: newGUID(), value: value, created: c.now, start: start, startOmitted: !hasStart,
		lifetime: lifetime, usableOnce: usableOnce}
	u.tap = t
	c.e.secrets.add(c.t.id, secretTAP, value)

	body := c.tapJSON(u, t, &value, true)
	body["@odata.context"] = c.e.url + "/v1.0/$metadata#users('" + u.id + "')/authentication/temporaryAccessPassMethods/$entity"
	created := jsonReply(http.StatusCreated, body)
	created.setHeader("Location", c.e.url+"/v1.0/users/"+u.id+"/authentication/temporaryAccessPassMethods/"+t.id)
	return created
}

func (c *call) listTAPs() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	items := []map[string]any{}
	if u.tap != nil {
		// The documented list example has no @odata.type on items (spec §4.3).
		items = append(items, c.tapJSON(u, u.tap, nil, c.s.settings.TAPListIncludesODataType))
	}
	return jsonReply(http.StatusOK, map[string]any{
		"@odata.context": c.e.url + "/v1.0/$metadata#users('" + u.id + "')/authentication/temporaryAccessPassMethods",
		"value":          items,
	})
}

// addressTAP resolves users/{id}/authentication/temporaryAccessPassMethods/{id}.
func (c *call) addressTAP() (*user, *tapMethod, *reply) {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return nil, nil, rep
	}
	if u.tap == nil || !strings.EqualFold(u.tap.id, c.params[1]) {
		r := c.methodNotFound(c.params[1])
		return nil, nil, &r
	}
	return u, u.tap, nil
}

func (c *call) getTAP() reply {
	u, t, rep := c.addressTAP()
	if rep != nil {
		return *rep
	}
	body := c.tapJSON(u, t, nil, true)
	body["@odata.context"] = c.e.url + "/v1.0/$metadata#users('" + u.id + "')/authentication/temporaryAccessPassMethods/$entity"
	return jsonReply(http.StatusOK, body)
}

func (c *call) deleteTAP() reply {
	u, _, rep := c.addressTAP()
	if rep != nil {
		return *rep
	}
	u.tap = nil
	return noContent()
}
