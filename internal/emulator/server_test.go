package emulator_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

func TestStartOptions(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state")
	const tid = "4d3c2b1a-0000-4000-8000-000000000001"
	emu, err := emulator.Start(emulator.Options{StateDir: dir, TenantID: tid, Latency: 60 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if emu.CAFile() != filepath.Join(dir, "ca.pem") || emu.CABundleFile() != filepath.Join(dir, "ca-bundle.pem") {
		t.Errorf("files %s %s", emu.CAFile(), emu.CABundleFile())
	}
	creds := emu.DefaultTenant()
	if creds.TenantID != tid || creds.ClientID == "" || creds.ClientSecret == "" || creds.Domain == "" {
		t.Fatalf("default tenant %+v", creds)
	}
	hc, err := control.NewHTTPClient(emu.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	g := control.New(emu.URL(), hc).Graph(control.TenantCredentials(creds))
	start := time.Now()
	if _, err := g.GetPolicy(context.Background()); err != nil { // a token request and a Graph request
		t.Fatal(err)
	}
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Errorf("Options.Latency applies to token and Graph requests; took %v", d)
	}
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	if err := emu.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(emu.CAFile()); err != nil {
		t.Errorf("a caller's state dir is kept: %v", err)
	}

	// Without StateDir the emulator owns a temp dir and removes it on Close.
	emu2, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Dir(emu2.CAFile())
	_ = emu2.Close()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temp state dir left behind: %v", err)
	}
}
