package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest/consumers"
)

// A Run drives one configuration with the real CLI, the provider running as its own process (the release
// binary, started by the CLI through dev_overrides, exactly as a user's Terraform starts it), so that fault
// tests can kill it mid-apply, and so that what happens when Terraform stops it (main's shutdown) is what
// users get. The write-only consumers stay in the test process, attached with TF_REATTACH_PROVIDERS, so their
// records survive the provider's death.
type Run struct {
	t   *testing.T
	dir string
	env []string
	cli string
	bin string
}

var providerBinary struct {
	once sync.Once
	dir  string
	err  error
}

// buildProvider builds the provider binary once per test binary, from the module this package is in.
func buildProvider() (string, error) {
	providerBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "entra-provider-bin-")
		if err != nil {
			providerBinary.err = err
			return
		}
		root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
		if err != nil {
			providerBinary.err = fmt.Errorf("finding the module root: %w", err)
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-entra"), ".")
		cmd.Dir = strings.TrimSpace(string(root))
		if out, err := cmd.CombinedOutput(); err != nil {
			providerBinary.err = fmt.Errorf("building the provider: %v\n%s", err, out)
			return
		}
		providerBinary.dir = dir
	})
	return providerBinary.dir, providerBinary.err
}

// serveConsumers serves the write-only consumers for one test, logging through the test's sink (to the
// acceptance log file when one is set), and returns their TF_REATTACH_PROVIDERS value.
func serveConsumers(t *testing.T) (string, error) {
	type addr struct{ Network, String string }
	type reattach struct {
		Protocol        string
		ProtocolVersion int
		Pid             int
		Test            bool
		Addr            addr
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	all := map[string]reattach{}
	for name, factory := range consumers.Factories() {
		server, err := factory()
		if err != nil {
			return "", err
		}
		configs := make(chan *plugin.ReattachConfig, 1)
		closed := make(chan struct{})
		go func() {
			_ = tf6server.Serve("registry.terraform.io/"+ProviderNamespace+"/"+name, func() tfprotov6.ProviderServer { return server },
				tf6server.WithDebug(ctx, configs, closed), tf6server.WithLoggingSink(t), tf6server.WithoutLogStderrOverride())
		}()
		select {
		case c := <-configs:
			all["registry.terraform.io/"+ProviderNamespace+"/"+name] = reattach{Protocol: string(c.Protocol), ProtocolVersion: c.ProtocolVersion,
				Pid: c.Pid, Test: c.Test, Addr: addr{Network: c.Addr.Network(), String: c.Addr.String()}}
		case <-time.After(10 * time.Second):
			return "", fmt.Errorf("the %s consumer did not start", name)
		}
	}
	b, err := json.Marshal(all)
	return string(b), err
}

// NewRun prepares a working directory with the configuration, for the CLI the tests drive
// (TF_ACC_TERRAFORM_PATH, else terraform).
func NewRun(t *testing.T, config string) *Run {
	t.Helper()
	bin, err := buildProvider()
	if err != nil {
		t.Fatal(err)
	}
	reattach, err := serveConsumers(t)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(os.Getenv("TF_ACC_TEMP_DIR"), "faultrun-") // kept for the leak scan when it runs
	if err != nil {
		t.Fatal(err)
	}
	// A link of its own, so that killing this run's provider (found by its executable's path) kills no other test's.
	runBin := filepath.Join(dir, "bin")
	if err := os.Mkdir(runBin, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(bin, "terraform-provider-entra"), filepath.Join(runBin, "terraform-provider-entra")); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(dir, "cli.tfrc")
	overrides := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", ProviderSource, runBin)
	for name, body := range map[string]string{"main.tf": config, "cli.tfrc": overrides} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		cli = "terraform"
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_REATTACH_PROVIDERS="+reattach, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	if os.Getenv("TF_LOG") != "" {
		env = append(env, "TF_LOG_PATH="+filepath.Join(dir, "terraform.log"))
	}
	return &Run{t: t, dir: dir, env: env, cli: cli, bin: filepath.Join(runBin, "terraform-provider-entra")}
}

// Apply runs `apply -auto-approve` with the arguments and returns the CLI's output and error.
func (r *Run) Apply(args ...string) (string, error) {
	return r.run(nil, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, args...)...)
}

// ApplyKilling runs apply and kills the provider process (SIGKILL) as soon as kill says so; it reports
// whether it did.
func (r *Run) ApplyKilling(kill func() bool, args ...string) (string, bool, error) {
	killed := false
	out, err := r.run(func() bool {
		if !kill() {
			return false
		}
		killed = r.killProvider() > 0
		return killed
	}, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, args...)...)
	return out, killed, err
}

func (r *Run) run(watch func() bool, args ...string) (string, error) {
	r.t.Helper()
	cmd := exec.Command(r.cli, args...)
	cmd.Dir, cmd.Env = r.dir, r.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case err := <-done:
			_ = os.WriteFile(filepath.Join(r.dir, fmt.Sprintf("output-%d.txt", time.Now().UnixNano())), out.Bytes(), 0o600)
			return out.String(), err
		case <-ticker.C:
			if watch != nil && watch() {
				watch = nil
			}
		}
	}
}

// Output reads a root module output of string values (`terraform output -json name`).
func (r *Run) Output(name string) (map[string]string, error) {
	cmd := exec.Command(r.cli, "output", "-json", name)
	cmd.Dir, cmd.Env = r.dir, r.env
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("terraform output %s: %w", name, err)
	}
	var out map[string]string
	return out, json.Unmarshal(raw, &out)
}

// Dir is the run's working directory.
func (r *Run) Dir() string { return r.dir }
