package tap

import (
	"fmt"
	"testing"
	"time"
)

func benchPolicy(groups int) Policy {
	p := Policy{Enabled: true, DefaultLength: 12, MinimumLifetimeInMinutes: 10, DefaultLifetimeInMinutes: 60, MaximumLifetimeInMinutes: 480}
	for i := range groups {
		p.IncludeTargets = append(p.IncludeTargets, IncludeTarget{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Type: TargetGroup})
		p.ExcludeTargets = append(p.ExcludeTargets, Target{ID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), Type: TargetGroup})
	}
	return p
}

// Checked once per pass, while planning and while applying.
func BenchmarkCheckPassRequest(b *testing.B) {
	p := benchPolicy(10)
	lifetime, once := int64(480), true
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.FixedZone("CET", 3600))
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	req := PassRequest{LifetimeInMinutes: &lifetime, IsUsableOnce: &once, StartDateTime: &start}
	for b.Loop() {
		if problems := CheckPassRequest(p, req, now); len(problems) != 0 {
			b.Fatal(problems)
		}
	}
}

// Scope and GroupIDs run once per pass for a group-targeted policy.
func BenchmarkScope(b *testing.B) {
	p := benchPolicy(50)
	memberOf := map[string]bool{"00000000-0000-4000-8000-000000000049": true}
	for b.Loop() {
		_ = p.GroupIDs()
		if in, _ := p.Scope("20000000-0000-4000-8000-000000000001", memberOf); !in {
			b.Fatal("not in scope")
		}
	}
}

// CheckTargets validates a large policy at every plan of the policy resource.
func BenchmarkCheckTargets(b *testing.B) {
	p := benchPolicy(500)
	include := make([]Target, len(p.IncludeTargets))
	for i, t := range p.IncludeTargets {
		include[i] = Target{ID: t.ID, Type: t.Type}
	}
	for b.Loop() {
		if problems := CheckTargets(include, p.ExcludeTargets); len(problems) != 0 {
			b.Fatal(problems)
		}
	}
}
