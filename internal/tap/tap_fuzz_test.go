package tap

import (
	"strings"
	"testing"
	"time"
)

const (
	fuzzGUID  = "0b8f4d3c-1a2b-4c5d-8e9f-000000000001"
	fuzzGUID2 = "8D1A9C2E-3B4F-4A5D-9E6F-000000000002"
)

// FuzzCheckTargets checks CheckTargets, CheckTargetID and Policy.Scope on three include and two exclude
// targets with fuzzed ids and types:
//   - nothing panics;
//   - every include id that is neither a GUID nor exactly all_users gets an include_targets problem naming it,
//     and so does every exclude id that is not a GUID;
//   - an exclude id equal (case-insensitively) to an include id always gets an exclude_targets problem;
//   - all_users (in any case) in exclude_targets always gets a problem;
//   - a configuration without problems has only GUIDs and all_users as ids;
//   - GroupIDs is lower case, sorted and distinct;
//   - Scope (no group memberships): a user excluded as a user target is out of scope whatever is included;
//     otherwise the user is in scope iff all_users or the user itself is included.
func FuzzCheckTargets(f *testing.F) {
	f.Add(AllUsers, TargetGroup, fuzzGUID, TargetUser, fuzzGUID2, TargetGroup, fuzzGUID, TargetUser, "", "", fuzzGUID)
	f.Add(AllUsers, TargetGroup, "", "", "", "", AllUsers, TargetGroup, "", "", fuzzGUID)
	f.Add("ALL_USERS", TargetGroup, "not-a-guid", TargetUser, "", "", strings.ToUpper(fuzzGUID), TargetUser, fuzzGUID2, TargetGroup, fuzzGUID)
	f.Add(fuzzGUID, TargetUser, fuzzGUID, TargetGroup, AllUsers, TargetUser, "", "", "", "", strings.ToUpper(fuzzGUID))
	f.Add("{"+fuzzGUID+"}", TargetGroup, fuzzGUID+"\n", TargetUser, " "+fuzzGUID, TargetUser, "all_users ", TargetGroup, "All_Users", TargetGroup, "")

	f.Fuzz(func(t *testing.T, in1, in1Type, in2, in2Type, in3, in3Type, ex1, ex1Type, ex2, ex2Type, userID string) {
		include := []Target{{in1, in1Type}, {in2, in2Type}, {in3, in3Type}}
		exclude := []Target{{ex1, ex1Type}, {ex2, ex2Type}}
		problems := CheckTargets(include, exclude)

		count := func(attr, id string) int {
			n := 0
			for _, p := range problems {
				if p.Attribute == attr && p.TargetID == id {
					n++
				}
			}
			return n
		}
		for _, p := range problems {
			if p.Attribute != "include_targets" && p.Attribute != "exclude_targets" {
				t.Fatalf("problem on attribute %q: %+v", p.Attribute, p)
			}
			if p.Summary == "" || p.Detail == "" {
				t.Fatalf("problem without summary or detail: %+v", p)
			}
		}
		if len(problems) > len(include)+len(exclude) {
			t.Fatalf("%d problems for %d targets: %+v", len(problems), len(include)+len(exclude), problems)
		}

		invalidInclude := map[string]int{}
		for _, tg := range include {
			if !IsObjectID(tg.ID) && tg.ID != AllUsers {
				invalidInclude[tg.ID]++
			}
		}
		for id, n := range invalidInclude {
			if got := count("include_targets", id); got < n {
				t.Fatalf("include id %q (%d times) got %d problems: %+v", id, n, got, problems)
			}
		}
		invalidExclude := map[string]int{}
		for _, tg := range exclude {
			if !IsObjectID(tg.ID) || strings.EqualFold(tg.ID, AllUsers) || includesFold(include, tg.ID) {
				invalidExclude[tg.ID]++
			}
		}
		for id, n := range invalidExclude {
			if got := count("exclude_targets", id); got < n {
				t.Fatalf("exclude id %q (%d times; invalid, all_users or also included) got %d problems: %+v", id, n, got, problems)
			}
		}
		if len(problems) == 0 {
			for _, tg := range append(append([]Target{}, include...), exclude...) {
				if !IsObjectID(tg.ID) && tg.ID != AllUsers {
					t.Fatalf("no problem reported, yet %q is neither a GUID nor all_users", tg.ID)
				}
			}
		}

		p := Policy{Enabled: true, ExcludeTargets: exclude}
		for _, tg := range include {
			p.IncludeTargets = append(p.IncludeTargets, IncludeTarget{ID: tg.ID, Type: tg.Type})
		}
		inScope, why := p.Scope(userID, nil)
		if why == "" {
			t.Fatalf("Scope gave no reason")
		}
		uid := strings.ToLower(userID)
		excluded, included := false, false
		for _, tg := range exclude {
			excluded = excluded || tg.Type == TargetUser && strings.ToLower(tg.ID) == uid
		}
		for _, tg := range include {
			included = included || tg.ID == AllUsers || tg.Type == TargetUser && strings.ToLower(tg.ID) == uid
		}
		if want := included && !excluded; inScope != want {
			t.Fatalf("Scope(%q) = %v (%s); want %v (included %v, excluded %v)", userID, inScope, why, want, included, excluded)
		}
		ids := p.GroupIDs()
		for i, id := range ids {
			if id != strings.ToLower(id) || i > 0 && ids[i-1] >= id {
				t.Fatalf("GroupIDs = %q: not lower case, sorted and distinct", ids)
			}
		}
	})
}

func includesFold(targets []Target, id string) bool {
	for _, tg := range targets {
		if strings.EqualFold(tg.ID, id) {
			return true
		}
	}
	return false
}

// FuzzCheckPassRequest checks CheckPassRequest and StartForGraph on fuzzed policies and requests:
//   - nothing panics;
//   - a requested lifetime outside [minimum, maximum] always yields a lifetime_in_minutes problem, and one
//     inside never does (nor does leaving the lifetime to the policy);
//   - a disabled policy always yields a problem, an enabled one never yields the user_id problem;
//   - is_usable_once = false under a one-time-only policy yields an is_usable_once problem, and nothing else does;
//   - a start more than StartGrace before now yields a start_date_time problem, and a later one never does;
//   - StartForGraph returns nil for no start or a start not after now, and otherwise the same instant in UTC,
//     after now.
func FuzzCheckPassRequest(f *testing.F) {
	f.Add(true, 10, 60, 480, false, int64(60), true, int64(0), int64(0), int32(3600), false, true, true)
	f.Add(false, 60, 60, 60, true, int64(59), true, int64(-301), int64(0), int32(-18000), false, true, true)
	f.Add(true, 10, 60, 480, true, int64(481), true, int64(300), int64(999999999), int32(0), true, true, true)
	f.Add(true, 480, 60, 10, false, int64(100), false, int64(-300), int64(0), int32(0), true, false, false)
	f.Add(true, -1<<63, 0, 1<<63-1, false, int64(-1<<63), false, int64(1<<63-1), int64(-1), int32(1<<31-1), true, true, true)

	f.Fuzz(func(t *testing.T, enabled bool, minimum, def, maximum int, policyUsableOnce bool,
		lifetime int64, usableOnce bool, startOffsetSeconds, startNanos int64, zoneOffsetSeconds int32,
		setLifetime, setUsableOnce, setStart bool,
	) {
		now := time.Date(2026, 10, 21, 7, 28, 0, 123456789, time.UTC)
		p := Policy{Enabled: enabled, DefaultLifetimeInMinutes: def, MinimumLifetimeInMinutes: minimum,
			MaximumLifetimeInMinutes: maximum, IsUsableOnce: policyUsableOnce, DefaultLength: 8}
		var r PassRequest
		if setLifetime {
			r.LifetimeInMinutes = &lifetime
		}
		if setUsableOnce {
			r.IsUsableOnce = &usableOnce
		}
		var start time.Time
		if setStart {
			start = time.Unix(now.Unix()+startOffsetSeconds, startNanos).In(time.FixedZone("fuzz", int(zoneOffsetSeconds)))
			r.StartDateTime = &start
		}

		problems := CheckPassRequest(p, r, now)
		has := map[string]int{}
		for _, pr := range problems {
			has[pr.Attribute]++
			if pr.Summary == "" || pr.Detail == "" {
				t.Fatalf("problem without summary or detail: %+v", pr)
			}
		}
		for attr, n := range has {
			if n > 1 {
				t.Fatalf("%d problems on %s: %+v", n, attr, problems)
			}
		}
		if len(has) != len(problems) || len(problems) > 4 {
			t.Fatalf("unexpected problems: %+v", problems)
		}

		outside := setLifetime && (lifetime < int64(minimum) || lifetime > int64(maximum))
		if got := has["lifetime_in_minutes"] > 0; got != outside {
			t.Fatalf("lifetime %d (set %v) in [%d, %d]: lifetime problem = %v, want %v", lifetime, setLifetime, minimum, maximum, got, outside)
		}
		if got := has["user_id"] > 0; got != !enabled {
			t.Fatalf("enabled = %v: user_id problem = %v", enabled, got)
		}
		if !enabled && len(problems) == 0 {
			t.Fatalf("disabled policy, no problem")
		}
		reusable := setUsableOnce && !usableOnce && policyUsableOnce
		if got := has["is_usable_once"] > 0; got != reusable {
			t.Fatalf("is_usable_once problem = %v, want %v", got, reusable)
		}
		past := setStart && start.Before(now.Add(-StartGrace))
		if got := has["start_date_time"] > 0; got != past {
			t.Fatalf("start %v, now %v: start_date_time problem = %v, want %v", start, now, got, past)
		}

		if effective := p.EffectiveLifetime(r); setLifetime && effective != lifetime || !setLifetime && effective != int64(def) {
			t.Fatalf("EffectiveLifetime = %d", effective)
		}

		sent := StartForGraph(r.StartDateTime, now)
		switch {
		case !setStart || !start.After(now):
			if sent != nil {
				t.Fatalf("StartForGraph(%v, %v) = %v; want nil", start, now, *sent)
			}
		case sent == nil:
			t.Fatalf("StartForGraph(%v, %v) = nil for a start after now", start, now)
		case sent.Location() != time.UTC:
			t.Fatalf("StartForGraph(%v) = %v, not in UTC", start, *sent)
		case !sent.After(now):
			t.Fatalf("StartForGraph(%v, %v) = %v, not after now", start, now, *sent)
		case !sent.Equal(start):
			t.Fatalf("StartForGraph(%v) = %v, another instant", start, *sent)
		case sent == r.StartDateTime:
			t.Fatalf("StartForGraph returned the caller's pointer")
		}
	})
}

// FuzzCheckLifetimes checks CheckLifetimes on fuzzed effective values:
//   - nothing panics, and at most one problem is reported;
//   - there is a problem iff not (minimum ≤ maximum and minimum ≤ default ≤ maximum);
//   - the problem names one of the three lifetime attributes, and one set in the configuration whenever
//     one of the values it is about is (minimum and maximum; the default too when minimum ≤ maximum).
func FuzzCheckLifetimes(f *testing.F) {
	f.Add(int64(10), int64(60), int64(480), true, true, true)
	f.Add(int64(60), int64(60), int64(60), false, false, false)
	f.Add(int64(500), int64(500), int64(480), true, true, true)
	f.Add(int64(500), int64(60), int64(480), true, false, false)
	f.Add(int64(60), int64(30), int64(480), false, false, true)
	f.Add(int64(120), int64(60), int64(480), true, false, false)
	f.Add(int64(-1<<63), int64(1<<63-1), int64(1<<63-1), false, true, false)

	f.Fuzz(func(t *testing.T, minimum, def, maximum int64, minCfg, defCfg, maxCfg bool) {
		mn, df, mx := Setting{minimum, minCfg}, Setting{def, defCfg}, Setting{maximum, maxCfg}
		problems := CheckLifetimes(mn, df, mx)
		valid := minimum <= maximum && minimum <= def && def <= maximum
		if valid != (len(problems) == 0) || len(problems) > 1 {
			t.Fatalf("CheckLifetimes(%d, %d, %d) = %+v", minimum, def, maximum, problems)
		}
		if valid {
			return
		}
		settings := map[string]Setting{
			"minimum_lifetime_in_minutes": mn, "default_lifetime_in_minutes": df, "maximum_lifetime_in_minutes": mx,
		}
		attr := problems[0].Attribute
		s, known := settings[attr]
		if !known || problems[0].Summary == "" || problems[0].Detail == "" {
			t.Fatalf("problem %+v", problems[0])
		}
		involvedCfg := minCfg || maxCfg || minimum <= maximum && defCfg
		if involvedCfg && !s.FromConfig {
			t.Fatalf("CheckLifetimes(%+v, %+v, %+v) points at %s, which is not set in the configuration", mn, df, mx, attr)
		}
		if minimum > maximum && attr == "default_lifetime_in_minutes" {
			t.Fatalf("minimum above maximum reported on the default: %+v", problems[0])
		}
	})
}
