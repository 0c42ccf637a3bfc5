package emulator

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"time"
)

// signInResult is what a sign-in with a pass would do now (control API).
type signInResult struct {
	Success         bool     `json:"success"`
	Reason          string   `json:"reason"`
	ErrorCode       string   `json:"errorCode,omitempty"` // the AADSTS code Entra shows, where one is documented
	Message         string   `json:"message,omitempty"`   // the documented sign-in message, where there is one
	PromptedMethods []string `json:"promptedMethods"`
}

// Sign-in failure reasons beyond the methodUsabilityReason values.
const (
	reasonUserNotFound  = "UserNotFound"
	reasonUserDisabled  = "UserDisabled"
	reasonNoPass        = "NoTemporaryAccessPass"
	reasonWrongPass     = "InvalidTemporaryAccessPass"
	reasonPolicyBlocked = "DisabledByPolicy"
)

// Documented sign-in errors (README "Sources").
const (
	userDisabledCode     = "AADSTS50057"
	userDisabledMessage  = "User account is disabled."
	policyBlockedMessage = "Temporary Access Pass sign in was blocked due to User Credential Policy"
	promptedMethodsNone  = "none"
)

// signIn simulates an interactive sign-in with a pass by the tenant clock. It always enforces the policy
// (state, targets, one-time rule), whatever settings.reportDisabledByPolicy says about reads, and marks a
// one-time pass used on success. A disabled account fails first, as Entra refuses it before any method
// (AADSTS50057). Registered methods never block the sign-in: a pass is a strong method on its own, so a
// default phone that Graph refuses to delete does not stop the recovery sign-in. Caller holds t.mu.
func (s *tenantState) signIn(body []byte) (signInResult, error) {
	var req struct {
		User string `json:"user"`
		Pass string `json:"temporaryAccessPass"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.User == "" {
		return signInResult{}, errors.New(`body must be {"user": "<id or UPN>", "temporaryAccessPass": "..."}`)
	}
	res := signInResult{PromptedMethods: []string{}}
	u := s.findUser(req.User)
	if u == nil {
		res.Reason = reasonUserNotFound
		return res, nil
	}
	now := s.now()
	requestID := newGUID()
	defer func() { u.recordSignIn(now, requestID, res.Success) }()
	switch {
	case !u.accountEnabled:
		res.Reason, res.ErrorCode, res.Message = reasonUserDisabled, userDisabledCode, userDisabledMessage
		return res, nil
	case u.tap == nil:
		res.Reason = reasonNoPass
		return res, nil
	case subtle.ConstantTimeCompare([]byte(u.tap.value), []byte(req.Pass)) != 1:
		res.Reason = reasonWrongPass
		return res, nil
	}
	t := u.tap
	if !s.policyAllowsSignIn(u, t) {
		res.Reason, res.Message = reasonPolicyBlocked, policyBlockedMessage
		return res, nil
	}
	if usable, reason := s.usability(u, t, now); !usable {
		res.Reason = reason
		if reason == "OneTimeUsed" {
			res.Message = policyBlockedMessage // "Check if a one-time Temporary Access Pass was already used."
		}
		return res, nil
	}
	if t.usableOnce {
		t.used = true
	}
	res.Success, res.Reason = true, "EnabledByPolicy"
	if s.settings.SignInPromptedMethods != promptedMethodsNone {
		res.PromptedMethods = promptedMethods(u)
	}
	return res, nil
}

// recordSignIn keeps the user's signInActivity (user resource, v1.0): every attempt sets the last sign-in,
// a success the last successful one too.
func (u *user) recordSignIn(now time.Time, requestID string, success bool) {
	if u.signInActivity == nil {
		u.signInActivity = map[string]any{
			"lastSignInDateTime": nil, "lastSignInRequestId": nil,
			"lastNonInteractiveSignInDateTime": nil, "lastNonInteractiveSignInRequestId": nil,
			"lastSuccessfulSignInDateTime": nil, "lastSuccessfulSignInRequestId": nil,
		}
	}
	u.signInActivity["lastSignInDateTime"] = graphTime(now)
	u.signInActivity["lastSignInRequestId"] = requestID
	if success {
		u.signInActivity["lastSuccessfulSignInDateTime"] = graphTime(now)
		u.signInActivity["lastSuccessfulSignInRequestId"] = requestID
	}
}
