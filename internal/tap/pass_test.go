package tap

import (
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestScope(t *testing.T) {
	const (
		user    = "aaaaaaaa-0000-0000-0000-000000000001"
		other   = "aaaaaaaa-0000-0000-0000-000000000002"
		starter = "bbbbbbbb-0000-0000-0000-000000000001"
		admins  = "bbbbbbbb-0000-0000-0000-000000000002"
	)
	tests := []struct {
		name     string
		policy   Policy
		memberOf map[string]bool
		want     bool
	}{
		{"all users", Policy{IncludeTargets: []IncludeTarget{{ID: AllUsers, Type: TargetGroup}}}, nil, true},
		{"all users but excluded user", Policy{IncludeTargets: []IncludeTarget{{ID: AllUsers, Type: TargetGroup}}, ExcludeTargets: []Target{{user, TargetUser}}}, nil, false},
		{"member of included group", Policy{IncludeTargets: []IncludeTarget{{ID: starter, Type: TargetGroup}}}, map[string]bool{starter: true}, true},
		{"not a member", Policy{IncludeTargets: []IncludeTarget{{ID: starter, Type: TargetGroup}}}, nil, false},
		{"member of excluded group wins", Policy{IncludeTargets: []IncludeTarget{{ID: starter, Type: TargetGroup}}, ExcludeTargets: []Target{{admins, TargetGroup}}}, map[string]bool{starter: true, admins: true}, false},
		{"included user", Policy{IncludeTargets: []IncludeTarget{{ID: user, Type: TargetUser}}}, nil, true},
		{"another included user", Policy{IncludeTargets: []IncludeTarget{{ID: other, Type: TargetUser}}}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, why := tt.policy.Scope(user, tt.memberOf); got != tt.want {
				t.Fatalf("Scope = %v (%s), want %v", got, why, tt.want)
			}
		})
	}
}

func TestCheckPassRequest(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	policy := Policy{Enabled: true, MinimumLifetimeInMinutes: 10, DefaultLifetimeInMinutes: 60, MaximumLifetimeInMinutes: 480}
	oneTime := policy
	oneTime.IsUsableOnce = true
	disabled := policy
	disabled.Enabled = false
	tests := []struct {
		name     string
		policy   Policy
		req      PassRequest
		wantAttr []string
	}{
		{name: "policy default", policy: policy},
		{name: "helpdesk 10 minutes", policy: policy, req: PassRequest{LifetimeInMinutes: ptr[int64](10)}},
		{name: "too short", policy: policy, req: PassRequest{LifetimeInMinutes: ptr[int64](9)}, wantAttr: []string{"lifetime_in_minutes"}},
		{name: "too long", policy: policy, req: PassRequest{LifetimeInMinutes: ptr[int64](481)}, wantAttr: []string{"lifetime_in_minutes"}},
		{name: "reusable under one-time policy", policy: oneTime, req: PassRequest{IsUsableOnce: ptr(false)}, wantAttr: []string{"is_usable_once"}},
		{name: "one-time under one-time policy", policy: oneTime, req: PassRequest{IsUsableOnce: ptr(true)}},
		{name: "disabled", policy: disabled, wantAttr: []string{"user_id"}},
		{name: "start yesterday", policy: policy, req: PassRequest{StartDateTime: ptr(now.Add(-24 * time.Hour))}, wantAttr: []string{"start_date_time"}},
		{name: "start a minute ago is now", policy: policy, req: PassRequest{StartDateTime: ptr(now.Add(-time.Minute))}},
		{name: "hire date 08:00 Paris", policy: policy, req: PassRequest{StartDateTime: ptr(time.Date(2026, 12, 7, 8, 0, 0, 0, time.FixedZone("CET", 3600)))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range CheckPassRequest(tt.policy, tt.req, now) {
				got = append(got, p.Attribute)
			}
			if len(got) != len(tt.wantAttr) {
				t.Fatalf("problems on %v, want %v", got, tt.wantAttr)
			}
			for i := range got {
				if got[i] != tt.wantAttr[i] {
					t.Fatalf("problems on %v, want %v", got, tt.wantAttr)
				}
			}
		})
	}
}

func TestStartForGraph(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	if StartForGraph(ptr(now.Add(-time.Second)), now) != nil {
		t.Error("a start in the past must be sent as 'now' (omitted)")
	}
	paris := time.Date(2026, 12, 7, 8, 0, 0, 0, time.FixedZone("CET", 3600))
	got := StartForGraph(&paris, now)
	if got == nil || got.Location() != time.UTC || !got.Equal(paris) || got.Hour() != 7 {
		t.Errorf("StartForGraph = %v, want 07:00 UTC", got)
	}
}
