// Command entra-emulator runs the local Microsoft Graph + Entra token emulator in the foreground and
// writes a sourceable env file that points the provider (and azidentity) at it.
//
//	go run ./internal/emulator/cmd/entra-emulator [-addr 127.0.0.1:0] [-env-file .emulator/env]
//	    [-state-dir .emulator] [-tenant-id GUID] [-latency 0s] [-seed tenant.json [-seed-tfvars out.tfvars.json]] [-v]
//	go run ./internal/emulator/cmd/entra-emulator -version
//
// stdout gets two lines, the URL and the env file path, so scripts can read them. With -v every request
// is logged to stderr (method, path, route, status; never bodies, headers or secrets). SIGINT or SIGTERM
// removes the env file and exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it serves until ctx is done and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("entra-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defaultEnvFile := os.Getenv("EMULATOR_ENV_FILE")
	if defaultEnvFile == "" {
		defaultEnvFile = filepath.Join(".emulator", "env")
	}
	addr := fs.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	envFile := fs.String("env-file", defaultEnvFile, "where to write the sourceable env file (default $EMULATOR_ENV_FILE, else .emulator/env)")
	stateDir := fs.String("state-dir", ".emulator", "where ca.pem and ca-bundle.pem are written")
	tenantID := fs.String("tenant-id", "", "id of the default tenant (default: a random GUID)")
	latency := fs.Duration("latency", 0, "latency added to every Graph and token request")
	verbose := fs.Bool("v", false, "log one line per request to stderr")
	seedPath := fs.String("seed", "", "a JSON file of users, groups, methods, managers, mailboxes and vaults to create in the default tenant")
	seedVars := fs.String("seed-tfvars", "", "with -seed: write the ids Graph assigned as a Terraform variables file (.tfvars.json)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		say(stdout, "entra-emulator %s", version)
		return 0
	}

	opts := emulator.Options{Addr: *addr, StateDir: *stateDir, TenantID: *tenantID, Latency: *latency}
	if *verbose {
		opts.Logf = func(format string, a ...any) {
			say(stderr, "%s "+format, append([]any{time.Now().Format("15:04:05.000")}, a...)...)
		}
	}
	emu, err := emulator.Start(opts)
	if err != nil {
		say(stderr, "entra-emulator: %v", err)
		return 1
	}
	defer func() { _ = emu.Close() }()

	if *seedPath != "" {
		if err := seed(ctx, emu, *seedPath, *seedVars); err != nil {
			say(stderr, "entra-emulator: %v", err)
			return 1
		}
		say(stderr, "entra-emulator: %s", seedSummary(*seedPath))
	}

	// The env file is written last: its presence tells scripts that the tenant is ready.
	if err := writeEnvFile(*envFile, emu); err != nil {
		say(stderr, "entra-emulator: %v", err)
		return 1
	}
	defer func() { _ = os.Remove(*envFile) }()

	say(stdout, "%s", emu.URL())
	say(stdout, "%s", *envFile)
	say(stderr, "entra-emulator: serving %s (default tenant %s); source %s; Ctrl-C to stop",
		emu.URL(), emu.DefaultTenant().TenantID, *envFile)

	<-ctx.Done()
	say(stderr, "entra-emulator: stopping")
	return 0
}

// say writes one line. A failed write to stdout or stderr has nowhere better to be reported.
func say(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format+"\n", args...)
}

// writeEnvFile writes one `export NAME='value'` per line. The file holds the default app's client secret,
// so it is created private.
func writeEnvFile(path string, emu *emulator.Emulator) error {
	bundle, err := filepath.Abs(emu.CABundleFile())
	if err != nil {
		return err
	}
	ca, err := filepath.Abs(emu.CAFile())
	if err != nil {
		return err
	}
	creds := emu.DefaultTenant()
	vars := [][2]string{
		{"ARM_TENANT_ID", creds.TenantID},
		{"ARM_CLIENT_ID", creds.ClientID},
		{"ARM_CLIENT_SECRET", creds.ClientSecret},
		{"ARM_USE_CLI", "false"},
		{"ARM_ENVIRONMENT", "public"},
		{"ARM_MSGRAPH_ENDPOINT", emu.URL()},
		{"ARM_AUTHORITY_HOST", emu.URL() + "/"},
		{"ARM_DISABLE_INSTANCE_DISCOVERY", "true"},
		{"SSL_CERT_FILE", bundle},
		{"ENTRA_EMULATOR_URL", emu.URL()},
		{"ENTRA_EMULATOR_CA_FILE", ca},
		{"ENTRA_EMULATOR_KEYVAULT_URL", emu.URL() + "/_keyvault"}, // a vault's URI is this plus "/" + its name
	}
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "export %s='%s'\n", v[0], strings.ReplaceAll(v[1], "'", `'\''`))
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}
