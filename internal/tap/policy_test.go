package tap

import (
	"strings"
	"testing"
)

func TestCheckLifetimes(t *testing.T) {
	cfg := func(v int64) Setting { return Setting{Value: v, FromConfig: true} }
	live := func(v int64) Setting { return Setting{Value: v} }
	tests := []struct {
		name          string
		min, def, max Setting
		wantAttr      string
		wantInDetail  string
	}{
		{name: "ordered", min: cfg(10), def: cfg(60), max: cfg(480)},
		{name: "all equal", min: cfg(60), def: cfg(60), max: cfg(60)},
		{name: "min above max", min: cfg(500), def: cfg(500), max: cfg(480), wantAttr: "maximum_lifetime_in_minutes", wantInDetail: "minimum_lifetime_in_minutes = 500"},
		{name: "min above live max points at min", min: cfg(500), def: live(60), max: live(480), wantAttr: "minimum_lifetime_in_minutes", wantInDetail: "tenant's current value"},
		{name: "default below min", min: cfg(60), def: cfg(30), max: cfg(480), wantAttr: "default_lifetime_in_minutes"},
		{name: "live default above configured max", min: live(60), def: live(480), max: cfg(240), wantAttr: "maximum_lifetime_in_minutes", wantInDetail: "default_lifetime_in_minutes is 480 (the tenant's current value"},
		{name: "live default below configured min", min: cfg(120), def: live(60), max: live(480), wantAttr: "minimum_lifetime_in_minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := CheckLifetimes(tt.min, tt.def, tt.max)
			if tt.wantAttr == "" {
				if len(problems) != 0 {
					t.Fatalf("want no problem, got %+v", problems)
				}
				return
			}
			if len(problems) != 1 {
				t.Fatalf("want one problem, got %+v", problems)
			}
			if problems[0].Attribute != tt.wantAttr {
				t.Errorf("attribute = %s, want %s", problems[0].Attribute, tt.wantAttr)
			}
			if !strings.Contains(problems[0].Detail, tt.wantInDetail) {
				t.Errorf("detail %q does not mention %q", problems[0].Detail, tt.wantInDetail)
			}
		})
	}
}

func TestCheckTargets(t *testing.T) {
	const g1 = "11111111-1111-1111-1111-111111111111"
	const u1 = "22222222-2222-2222-2222-222222222222"
	tests := []struct {
		name             string
		include, exclude []Target
		wantSummaries    []string
	}{
		{name: "all users and a break-glass exclusion", include: []Target{{AllUsers, TargetGroup}}, exclude: []Target{{u1, TargetUser}}},
		{name: "malformed id", include: []Target{{"new-starters", TargetGroup}}, wantSummaries: []string{"Invalid target id"}},
		{name: "all_users as user", include: []Target{{AllUsers, TargetUser}}, wantSummaries: []string{"all_users is a group target"}},
		{name: "all_users upper case", include: []Target{{"ALL_USERS", TargetGroup}}, wantSummaries: []string{"Invalid target id"}},
		{name: "all_users excluded", exclude: []Target{{AllUsers, TargetGroup}}, wantSummaries: []string{"all_users cannot be excluded"}},
		{name: "included and excluded", include: []Target{{g1, TargetGroup}}, exclude: []Target{{strings.ToUpper(g1), TargetGroup}}, wantSummaries: []string{"Target both included and excluded"}},
		{name: "same id twice in include", include: []Target{{g1, TargetGroup}, {g1, TargetUser}}, wantSummaries: []string{"Duplicate target"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := CheckTargets(tt.include, tt.exclude)
			var got []string
			for _, p := range problems {
				got = append(got, p.Summary)
			}
			if strings.Join(got, "|") != strings.Join(tt.wantSummaries, "|") {
				t.Fatalf("problems = %q, want %q", got, tt.wantSummaries)
			}
		})
	}
}
