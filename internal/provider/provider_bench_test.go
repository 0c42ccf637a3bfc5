package provider

import (
	"fmt"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

func benchPolicy() tap.Policy {
	p := tap.Policy{Enabled: true, DefaultLength: 12, MinimumLifetimeInMinutes: 10, DefaultLifetimeInMinutes: 60, MaximumLifetimeInMinutes: 480}
	for i := range 50 {
		p.IncludeTargets = append(p.IncludeTargets, tap.IncludeTarget{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Type: tap.TargetGroup})
		p.ExcludeTargets = append(p.ExcludeTargets, tap.Target{ID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), Type: tap.TargetUser})
	}
	return p
}

// BenchmarkPolicyModelRoundTrip maps a 100-target policy from Graph to Terraform and back, as every
// policy plan and apply does.
func BenchmarkPolicyModelRoundTrip(b *testing.B) {
	p := benchPolicy()
	for b.Loop() {
		var m policyModel
		if d := m.fromGraph(p); d.HasError() {
			b.Fatal(d)
		}
		_ = m.toGraph()
	}
}
