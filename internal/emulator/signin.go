package emulator

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
)

// signInResult is what a sign-in with a pass would do now (control API).
type signInResult struct {
	Success         bool     `json:"success"`
	Reason          string   `json:"reason"`
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

// signIn simulates an interactive sign-in with a pass by the tenant clock. It always enforces the policy
// (state, targets, one-time rule), whatever settings.reportDisabledByPolicy says about reads, and marks a
// one-time pass used on success. Caller holds t.mu.
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
	switch {
	case u == nil:
		res.Reason = reasonUserNotFound
		return res, nil
	case !u.accountEnabled:
		res.Reason = reasonUserDisabled
		return res, nil
	case u.tap == nil:
		res.Reason = reasonNoPass
		return res, nil
	case subtle.ConstantTimeCompare([]byte(u.tap.value), []byte(req.Pass)) != 1:
		res.Reason = reasonWrongPass
		return res, nil
	}
	now := s.now()
	t := u.tap
	if !s.policyAllowsSignIn(u, t) {
		res.Reason = reasonPolicyBlocked
		return res, nil
	}
	if usable, reason := s.usability(u, t, now); !usable {
		res.Reason = reason
		return res, nil
	}
	if t.usableOnce {
		t.used = true
	}
	res.Success, res.Reason = true, "EnabledByPolicy"
	res.PromptedMethods = promptedMethods(u)
	return res, nil
}
