package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// BenchmarkOpenEphemeralPass measures the provider's own cost of issuing one pass through the protocol
// (OpenEphemeralResource with issue = true) against the emulator without latency: schema conversion,
// the Graph SDK, TLS and the emulator's work, all on this machine.
func BenchmarkOpenEphemeralPass(b *testing.B) {
	tenant := acctest.NewTenant(b)
	tenant.EnableTAP(nil)
	server := newProtocolServer(b, tenant)
	schema := server.schemas.EphemeralResourceSchemas["entra_temporary_access_pass"]
	users := make([]string, b.N)
	for i := range users {
		users[i] = tenant.CreateUser(fmt.Sprintf("bench%d", i)).ID
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		config := objectValue(b, schema.ValueType(), map[string]tftypes.Value{
			"user_id": tftypes.NewValue(tftypes.String, users[i%len(users)]),
			"issue":   tftypes.NewValue(tftypes.Bool, true),
			"rotate":  tftypes.NewValue(tftypes.Bool, true),
		})
		resp, err := server.OpenEphemeralResource(context.Background(), &tfprotov6.OpenEphemeralResourceRequest{
			TypeName: "entra_temporary_access_pass", Config: &config,
		})
		if err != nil || len(resp.Diagnostics) > 0 {
			b.Fatalf("%v %+v", err, resp.Diagnostics)
		}
	}
}

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
