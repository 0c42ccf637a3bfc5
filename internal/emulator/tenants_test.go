package emulator_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// TestTenantIsolation runs several tenants side by side; none may see another's objects, policy, clock,
// faults or counters.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	for i := 0; i < 6; i++ {
		t.Run(fmt.Sprint("tenant", i), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.patchPolicy(map[string]any{"state": "enabled", "defaultLength": 8 + i})
			f.settings(control.Settings{"latencyMs": 5 * i})
			if _, err := f.ctl.AdvanceClock(f.ctx, f.tid, time.Duration(i)*time.Hour); err != nil {
				t.Fatal(err)
			}
			f.fault(control.Fault{Method: "GET", Path: "/groups$", Status: 503})
			u := f.user(fmt.Sprintf("Iso%d", i))
			for j := 0; j < 10; j++ {
				pass := asString(f.createTAP(u.ID, nil)["temporaryAccessPass"])
				if len(pass) != 8+i {
					t.Fatalf("pass length %d, want this tenant's %d", len(pass), 8+i)
				}
			}
			r := f.call("GET", "/users", nil)
			users := asSlice(r.json(t)["value"])
			if len(users) != 1 || asMap(users[0])["id"] != u.ID {
				t.Fatalf("tenant sees %d users", len(users))
			}
			expectStatus(t, f.call("GET", "/groups", nil), 503)
			c, _ := f.ctl.Counters(f.ctx, f.tid)
			if c.ByRoute["POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods"] != 10 {
				t.Errorf("counters mixed between tenants: %v", c.ByRoute)
			}
			clock, _ := f.ctl.Clock(f.ctx, f.tid)
			if got := time.Duration(clock.OffsetSeconds * float64(time.Second)).Round(time.Minute); got != time.Duration(i)*time.Hour {
				t.Errorf("clock offset %v", got)
			}
		})
	}
}

func TestCrossTenantAccess(t *testing.T) {
	t.Parallel()
	a, b := newFixture(t), newFixture(t)
	u := a.user("Private")
	// b's token is routed to b by its tid claim, so a's user does not exist there.
	expectStatus(t, b.call("GET", "/users/"+u.ID, nil), 404)
	// The same default client id and secret work in every tenant.
	if a.creds.ClientID != b.creds.ClientID || a.creds.ClientSecret != b.creds.ClientSecret {
		t.Error("the default app must be the same in every tenant")
	}
}

func TestTenantLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.ctl.CreateTenant(f.ctx, f.tid); !control.IsStatus(err, 409) {
		t.Errorf("duplicate tenant: %v", err)
	}
	custom := "c0ffee00-0000-4000-8000-" + strings.Repeat("0", 11) + "1"
	creds, err := f.ctl.CreateTenant(f.ctx, custom)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.ctl.DeleteTenant(f.ctx, custom) }()
	if creds.TenantID != custom || !strings.HasSuffix(creds.Domain, ".onmicrosoft.com") {
		t.Fatalf("creds %+v", creds)
	}
	list, err := f.ctl.Tenants(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tn := range list {
		found = found || tn.TenantID == custom
	}
	if !found {
		t.Error("new tenant not listed")
	}

	// Reset brings back a fresh tenant: directory, policy, faults, clock, settings, log.
	f.enableTAP()
	f.user("Gone")
	f.settings(control.Settings{"latencyMs": 1})
	f.fault(control.Fault{Path: "/nothing", Status: 500})
	if _, err := f.ctl.AdvanceClock(f.ctx, f.tid, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ctl.ResetTenant(f.ctx, f.tid); err != nil {
		t.Fatal(err)
	}
	if users := asSlice(f.call("GET", "/users", nil).json(t)["value"]); len(users) != 0 {
		t.Error("users survived reset")
	}
	if p, _ := f.graph.GetPolicy(f.ctx); p["state"] != "disabled" {
		t.Error("policy survived reset")
	}
	if fs, _ := f.ctl.Faults(f.ctx, f.tid); len(fs) != 0 {
		t.Error("faults survived reset")
	}
	if s, _ := f.ctl.Settings(f.ctx, f.tid); s["latencyMs"] != 0.0 {
		t.Error("settings survived reset")
	}
	if c, _ := f.ctl.Clock(f.ctx, f.tid); !c.Real {
		t.Error("clock survived reset")
	}

	if err := f.ctl.DeleteTenant(f.ctx, custom); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ctl.Tenant(f.ctx, custom); !control.IsStatus(err, 404) {
		t.Errorf("deleted tenant: %v", err)
	}
}

func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, bad := range []control.Settings{
		{"noSuchSwitch": true},
		{"passwordDeleteStatus": 404},
		{"defaultMethodDelete": "sometimes"},
		{"latencyMs": -1},
	} {
		if _, err := f.ctl.PatchSettings(f.ctx, f.tid, bad); !control.IsStatus(err, 400) {
			t.Errorf("settings %v: %v", bad, err)
		}
	}
	s, err := f.ctl.PatchSettings(f.ctx, f.tid, control.Settings{"replicationLagSeconds": 2.5})
	if err != nil || s["replicationLagSeconds"] != 2.5 || s["passwordDeleteStatus"] != 405.0 {
		t.Fatalf("patch merged %v (%v)", s, err)
	}
}
