package tap

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// SignInURL is where a user goes to sign in with a pass and register their methods.
const SignInURL = "https://aka.ms/mysecurityinfo"

// LastInstant is the last time RFC 3339 (four-digit years) and Graph's DateTimeOffset can write.
var LastInstant = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// StartGrace is how far in the past a requested start may lie and still mean "now": a start computed
// from timestamp() is already a few seconds old when the pass is issued.
const StartGrace = 5 * time.Minute

// GroupIDs returns the distinct group ids the policy includes or excludes (all_users aside): the groups a
// user's membership must be checked against.
func (p Policy) GroupIDs() []string {
	seen := map[string]bool{}
	var ids []string
	add := func(id, typ string) {
		key := strings.ToLower(id)
		if typ == TargetGroup && id != AllUsers && !seen[key] {
			seen[key] = true
			ids = append(ids, key)
		}
	}
	for _, t := range p.IncludeTargets {
		add(t.ID, t.Type)
	}
	for _, t := range p.ExcludeTargets {
		add(t.ID, t.Type)
	}
	sort.Strings(ids)
	return ids
}

// NeedsMembership reports whether deciding a user's scope needs their group memberships.
func (p Policy) NeedsMembership() bool { return len(p.GroupIDs()) > 0 }

// Scope decides whether the policy applies to a user. memberOf holds the lower-case ids of the policy's
// groups (GroupIDs) the user belongs to, directly or through nesting. Exclusion wins over inclusion.
func (p Policy) Scope(userID string, memberOf map[string]bool) (bool, string) {
	uid := strings.ToLower(userID)
	for _, t := range p.ExcludeTargets {
		id := strings.ToLower(t.ID)
		if (t.Type == TargetUser && id == uid) || (t.Type == TargetGroup && memberOf[id]) {
			return false, fmt.Sprintf("the user is excluded by the policy's exclude target %s %s", t.Type, t.ID)
		}
	}
	for _, t := range p.IncludeTargets {
		id := strings.ToLower(t.ID)
		switch {
		case t.ID == AllUsers:
			return true, "the policy includes all users"
		case t.Type == TargetUser && id == uid:
			return true, "the policy includes the user"
		case t.Type == TargetGroup && memberOf[id]:
			return true, "the user is a member of included group " + t.ID
		}
	}
	return false, "the user is neither included directly nor a member of an included group"
}

// PassRequest is what the configuration asks for; nil means "leave it to the policy".
type PassRequest struct {
	LifetimeInMinutes *int64
	IsUsableOnce      *bool
	StartDateTime     *time.Time
}

// EffectiveLifetime is the lifetime Graph will give the pass.
func (p Policy) EffectiveLifetime(r PassRequest) int64 {
	if r.LifetimeInMinutes != nil {
		return *r.LifetimeInMinutes
	}
	return int64(p.DefaultLifetimeInMinutes)
}

// CheckPassRequest returns every reason Graph would refuse the request under this policy at time now.
// The user's scope is checked separately (Scope), because it needs the directory.
func CheckPassRequest(p Policy, r PassRequest, now time.Time) []Problem {
	var problems []Problem
	if !p.Enabled {
		problems = append(problems, Problem{Attribute: "user_id", Summary: "Temporary Access Pass is disabled in the tenant",
			Detail: "The tenant's Temporary Access Pass policy is disabled, so Graph refuses to issue passes. Enable it (entra_temporary_access_pass_policy with enabled = true) and plan again."})
	}
	if r.LifetimeInMinutes != nil {
		lifetime := *r.LifetimeInMinutes
		if lifetime < int64(p.MinimumLifetimeInMinutes) || lifetime > int64(p.MaximumLifetimeInMinutes) {
			problems = append(problems, Problem{Attribute: "lifetime_in_minutes", Summary: "Lifetime outside the tenant policy's range",
				Detail: fmt.Sprintf("lifetime_in_minutes = %d, but the tenant's Temporary Access Pass policy allows %d to %d minutes. "+
					"Choose a lifetime in that range, or change the policy's minimum_lifetime_in_minutes / maximum_lifetime_in_minutes.",
					lifetime, p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes)})
		}
	}
	if r.IsUsableOnce != nil && !*r.IsUsableOnce && p.IsUsableOnce {
		problems = append(problems, Problem{Attribute: "is_usable_once", Summary: "Reusable pass not allowed by the tenant policy",
			Detail: "is_usable_once = false asks for a reusable pass, but the tenant's Temporary Access Pass policy makes every pass one-time (is_usable_once = true). Remove the argument or set it to true."})
	}
	if r.StartDateTime != nil {
		if expiry := r.StartDateTime.Add(time.Duration(p.EffectiveLifetime(r)) * time.Minute); expiry.After(LastInstant) {
			problems = append(problems, Problem{Attribute: "start_date_time", Summary: "Pass would expire after the year 9999",
				Detail: fmt.Sprintf("start_date_time is %s and the pass lasts %d minutes, so it would expire after %s, which neither RFC 3339 nor Graph's "+
					"DateTimeOffset can write. Choose an earlier start.", r.StartDateTime.UTC().Format(time.RFC3339), p.EffectiveLifetime(r), LastInstant.Format(time.RFC3339))})
		}
	}
	if r.StartDateTime != nil && r.StartDateTime.Before(now.Add(-StartGrace)) {
		problems = append(problems, Problem{Attribute: "start_date_time", Summary: "Start time in the past",
			Detail: fmt.Sprintf("start_date_time is %s, which is in the past (it is %s by Graph's clock). Graph only accepts a start in the future: choose a later time, or omit start_date_time for a pass that works immediately.",
				r.StartDateTime.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))})
	}
	return problems
}

// StartForGraph returns the start time to send: nil (start immediately) when the requested start is not
// later than now, since Graph rejects past start times.
func StartForGraph(start *time.Time, now time.Time) *time.Time {
	if start == nil || !start.After(now) {
		return nil
	}
	utc := start.UTC()
	return &utc
}
