package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// The demo's seed file (examples/demo/tenant.json), with its managers, mailboxes and vault.
func TestSeedDemoFile(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = emu.Close() }()
	vars := filepath.Join(t.TempDir(), "seed.auto.tfvars.json")
	if err := seed(context.Background(), emu, filepath.Join("..", "..", "..", "..", "examples", "demo", "tenant.json"), vars); err != nil {
		t.Fatal(err)
	}
	got := readVars(t, vars)
	if got["ada_id"] == "" || got["staff_group_id"] == "" || got["ada_mail"] == "" || got["onboarding_vault_uri"] == "" {
		t.Errorf("tfvars %v", got)
	}
}

func TestSeedManagersMailAndVaults(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = emu.Close() }()
	dir := t.TempDir()
	file := filepath.Join(dir, "tenant.json")
	if err := os.WriteFile(file, []byte(`{
	  "users": [
	    {"key": "ada", "displayName": "Ada", "mailNickname": "ada", "mail": "ada", "manager": "grace"},
	    {"key": "grace", "displayName": "Grace", "mailNickname": "grace", "mail": "grace.hopper@example.org", "mailboxDisabled": true},
	    {"key": "linus", "displayName": "Linus", "mailNickname": "linus"}
	  ],
	  "vaults": [{"key": "passes", "name": "seededpasses"}]
	}`), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := filepath.Join(dir, "vars.json")
	ctx := context.Background()
	if err := seed(ctx, emu, file, vars); err != nil {
		t.Fatal(err)
	}
	creds := emu.DefaultTenant()
	got := readVars(t, vars)
	if got["ada_mail"] != "ada@"+creds.Domain || got["grace_mail"] != "grace.hopper@example.org" || got["linus_mail"] != "" ||
		got["passes_vault_name"] != "seededpasses" || got["passes_vault_uri"] != emu.KeyVaultURL("seededpasses") {
		t.Fatalf("tfvars %v", got)
	}
	hc, err := control.NewHTTPClient(emu.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	ctl := control.New(emu.URL(), hc)
	m, err := ctl.Manager(ctx, creds.TenantID, got["ada_id"])
	if err != nil || m.ManagerID == nil || *m.ManagerID != got["grace_id"] {
		t.Fatalf("manager %+v %v", m, err)
	}
	boxes, err := ctl.Mailboxes(ctx, creds.TenantID)
	if err != nil || len(boxes) != 2 || !boxes[0].Enabled || boxes[1].Enabled {
		t.Fatalf("mailboxes %+v %v", boxes, err)
	}
	v, err := ctl.Vault(ctx, creds.TenantID, "seededpasses")
	if err != nil || len(v.RoleAssignments) != 1 {
		t.Fatalf("vault %+v %v", v, err)
	}

	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"users": [{"key": "x", "displayName": "X", "mailNickname": "x", "manager": "nobody"}]}`), 0o600)
	if err := seed(ctx, emu, bad, ""); err == nil {
		t.Error("an unknown manager key was accepted")
	}
}

func readVars(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
