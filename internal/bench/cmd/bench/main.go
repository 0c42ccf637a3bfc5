// Command bench runs the real Terraform CLI against the emulator on generated configurations and prints the
// tables committed in BENCHMARKS.md. Each scenario is a mode (the hand-over, the pass kept in state, or a
// peer), a number of passes and a latency the emulator adds to every Graph and token request; it is one fresh
// `terraform apply` (plan and apply walks) of a tenant whose policy targets all users, then a re-apply with no
// change, then a plan. The provider runs exactly as users run it, as Terraform's child; its CPU time and peak
// resident set are read from /proc while it runs.
//
//	go run ./internal/bench/cmd/bench [-latency 30ms] [-sizes 50,200,1000] [-modes handover,state]
//	    [-parallelism 10] [-cli terraform] [-zero=true] [-peers DIR] [-profile DIR]
//
// -zero also runs every scenario with no latency, for the latency share: wall(latency) - wall(0).
// -profile runs the provider built from internal/bench/profiledprovider, which writes a CPU profile per
// process with its samples labelled by RPC and resource type, and prints the CPU by resource type.
// -peers names a directory holding the peers' source trees (terraform-provider-restful, and
// terraform-provider-msgraph), which the harness builds; without it the peers are skipped.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

type options struct {
	latency     time.Duration
	sizes       []int
	modes       []string
	parallelism int
	cli         string
	zero        bool
	peersDir    string
	profileDir  string
	reapply     bool
	// providerBin is a provider binary to measure instead of building this tree (a before/after comparison).
	providerBin string
}

func main() {
	var o options
	var sizes, modes string
	flag.DurationVar(&o.latency, "latency", 30*time.Millisecond, "latency the emulator adds to every Graph and token request")
	flag.StringVar(&sizes, "sizes", "50,200,1000", "numbers of passes, one scenario each")
	flag.StringVar(&modes, "modes", "handover,state", "modes: handover, state, restful, msgraph (the peers need -peers)")
	flag.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism")
	flag.StringVar(&o.cli, "cli", "terraform", "the Terraform CLI to run")
	flag.BoolVar(&o.zero, "zero", true, "also run each scenario with no latency, for the latency share")
	flag.BoolVar(&o.reapply, "reapply", true, "re-apply each scenario with no change, and plan it")
	flag.StringVar(&o.peersDir, "peers", os.Getenv("PEERS_DIR"), "directory with the peers' sources (terraform-provider-restful, terraform-provider-msgraph)")
	flag.StringVar(&o.profileDir, "profile", "", "write CPU profiles of the provider processes here, labelled by RPC and resource type")
	flag.StringVar(&o.providerBin, "provider", "", "measure this provider binary instead of building the working tree")
	flag.Parse()
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: bad size %q\n", s)
			os.Exit(2)
		}
		o.sizes = append(o.sizes, n)
	}
	for _, m := range strings.Split(modes, ",") {
		if m = strings.TrimSpace(m); m != "" {
			o.modes = append(o.modes, m)
		}
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// benchEnv is what every scenario shares.
type benchEnv struct {
	work         string
	emulatorURL  string
	clientID     string
	clientSecret string
	env          []string
	ctl          *control.Client
	binaries     map[string]string // mode -> plugin binary
}

func run(o options) error {
	work, err := os.MkdirTemp("", "entra-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	emu, err := emulator.Start(emulator.Options{StateDir: filepath.Join(work, "emulator"), ExtraHosts: peerHosts})
	if err != nil {
		return err
	}
	defer func() { _ = emu.Close() }()
	hc, err := control.NewHTTPClient(emu.CAFile())
	if err != nil {
		return err
	}
	def := emu.DefaultTenant()
	e := benchEnv{work: work, emulatorURL: emu.URL(), clientID: def.ClientID, clientSecret: def.ClientSecret, ctl: control.New(emu.URL(), hc),
		binaries: map[string]string{}}

	plugins := filepath.Join(work, "plugins")
	overrides := map[string]string{}
	fmt.Fprintln(os.Stderr, "bench: building the provider")
	source := "."
	if o.profileDir != "" {
		source = "./internal/bench/profiledprovider"
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}
	entraDir := filepath.Join(plugins, "entra")
	entraBin := filepath.Join(entraDir, "terraform-provider-entra")
	if o.providerBin != "" {
		if err := copyFile(o.providerBin, entraBin); err != nil {
			return err
		}
	} else if err := goBuild(".", entraBin, source); err != nil {
		return err
	}
	e.binaries[modeHandover], e.binaries[modeHandoverModule], e.binaries[modeState] = entraBin, entraBin, entraBin
	overrides[providerSource] = entraDir
	for _, m := range o.modes {
		if m != modeRestful && m != modeMSGraph {
			continue
		}
		bin, err := buildPeer(m, o.peersDir, plugins)
		if err != nil {
			return err
		}
		e.binaries[m] = bin
		overrides[peerSource(m)] = filepath.Dir(bin)
	}

	var cfg strings.Builder
	cfg.WriteString("provider_installation {\n  dev_overrides {\n")
	for src, dir := range overrides {
		fmt.Fprintf(&cfg, "    %q = %q\n", src, dir)
	}
	cfg.WriteString("  }\n  direct {}\n}\n")
	cliConfig := filepath.Join(work, "cli.tfrc")
	if err := os.WriteFile(cliConfig, []byte(cfg.String()), 0o600); err != nil {
		return err
	}
	reattach, err := serveConsumers(ctx)
	if err != nil {
		return err
	}
	proxy, err := startConnectProxy(ctx, emu.URL())
	if err != nil {
		return err
	}
	e.env = append(cleanEnv(), "SSL_CERT_FILE="+emu.CABundleFile(), "ARM_MSGRAPH_ENDPOINT="+emu.URL(), "ARM_AUTHORITY_HOST="+emu.URL()+"/",
		"ARM_DISABLE_INSTANCE_DISCOVERY=true", "ARM_USE_CLI=false", "ARM_CLIENT_ID="+def.ClientID, "ARM_CLIENT_SECRET="+def.ClientSecret,
		"TF_CLI_CONFIG_FILE="+cliConfig, "TF_REATTACH_PROVIDERS="+reattach, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"HTTPS_PROXY="+proxy, "NO_PROXY=127.0.0.1,localhost",
		"ENTRA_HANDOVER_JOURNAL_DIR="+filepath.Join(work, "journal"))
	if o.profileDir != "" {
		e.env = append(e.env, "BENCH_CPUPROFILE="+filepath.Join(o.profileDir, "cpu"))
	}
	if extra := os.Getenv("BENCH_ENV"); extra != "" {
		e.env = append(e.env, strings.Fields(extra)...)
	}

	startup := measureStartup(entraBin)
	var results []result
	for _, mode := range o.modes {
		sizes := o.sizes
		if mode == modeHandover || mode == modeHandoverModule || mode == modeState {
			if mode == o.modes[0] {
				sizes = append([]int{0}, sizes...) // the policy alone, once
			}
		}
		for _, n := range sizes {
			r := result{mode: mode, passes: n, latency: o.latency}
			var err error
			if r.at, err = scenario(ctx, e, o, mode, n, o.latency, o.reapply); err != nil {
				return err
			}
			if o.zero {
				zero, err := scenario(ctx, e, o, mode, n, 0, false)
				if err != nil {
					return err
				}
				r.zero = &zero
			}
			results = append(results, r)
			printResult(os.Stderr, r, o)
		}
	}
	version, _ := exec.Command(o.cli, "version").Output()
	fmt.Printf("Emulator latency %s per request, -parallelism=%d, %s, %s\n\n", o.latency, o.parallelism,
		strings.SplitN(string(version), "\n", 2)[0], machine())
	printTable(os.Stdout, results, o)
	printStartup(os.Stdout, entraBin, startup)
	if o.profileDir != "" {
		printProfiles(os.Stdout, o.profileDir, results)
	}
	return nil
}

func copyFile(from, to string) error {
	raw, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, raw, 0o755)
}

// cleanEnv is this process's environment without the variables that would point a CLI or a provider
// elsewhere.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "ARM_") || strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "AZURE_") || strings.EqualFold(k, "HTTPS_PROXY") ||
			strings.EqualFold(k, "HTTP_PROXY") || strings.EqualFold(k, "NO_PROXY") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func goBuild(dir, out, pkg string, tags ...string) error {
	args := []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", out}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = dir
	if o, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s in %s: %v\n%s", pkg, dir, err, o)
	}
	return nil
}

// run is what one CLI command cost.
type measure struct {
	started  time.Time
	wall     time.Duration
	counters control.Counters
	// cliCPU is the CLI's own CPU time: its rusage (its own and its reaped children's) less the plugins'.
	cliCPU  time.Duration
	plugins []procSample
	// hostCPU is this process's CPU time meanwhile: the emulator and the write-only consumers.
	hostCPU time.Duration
}

func (m measure) pluginCPU() time.Duration {
	var d time.Duration
	for _, p := range m.plugins {
		d += p.cpu
	}
	return d
}

func (m measure) peakRSSKiB() int64 {
	var peak int64
	for _, p := range m.plugins {
		peak = max(peak, p.hwmKiB)
	}
	return peak
}

// roundTrips is the number of HTTP requests to Graph: a $batch counts once.
func (m measure) roundTrips() int64 { return m.counters.Total - m.counters.Batched }

func (m measure) minted() int64 {
	return m.counters.ByRoute["POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods"]
}

// scenarioRun is one scenario at one latency.
type scenarioRun struct {
	apply, reapply, plan measure
}

type result struct {
	mode    string
	passes  int
	latency time.Duration
	at      scenarioRun
	zero    *scenarioRun
}

func scenario(ctx context.Context, e benchEnv, o options, mode string, n int, latency time.Duration, reapply bool) (scenarioRun, error) {
	name := fmt.Sprintf("%s, %d passes, %s", mode, n, latency)
	fmt.Fprintf(os.Stderr, "bench: %s\n", name)
	creds, err := e.ctl.CreateTenant(ctx, "")
	if err != nil {
		return scenarioRun{}, err
	}
	defer func() { _ = e.ctl.DeleteTenant(context.Background(), creds.TenantID) }()
	g := e.ctl.Graph(creds)
	if err := g.PatchPolicy(ctx, map[string]any{"state": "enabled"}); err != nil {
		return scenarioRun{}, err
	}
	ids, err := createUsers(ctx, g, creds.Domain, n)
	if err != nil {
		return scenarioRun{}, err
	}
	if _, err := e.ctl.PatchSettings(ctx, creds.TenantID, control.Settings{"latencyMs": int(latency / time.Millisecond)}); err != nil {
		return scenarioRun{}, err
	}
	dir := filepath.Join(e.work, fmt.Sprintf("%s-%d-%s", mode, n, latency))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return scenarioRun{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(configFor(mode, e, creds.TenantID, ids)), 0o600); err != nil {
		return scenarioRun{}, err
	}
	if mode == modeHandoverModule {
		if err := os.MkdirAll(filepath.Join(dir, "hire"), 0o700); err != nil {
			return scenarioRun{}, err
		}
		if err := os.WriteFile(filepath.Join(dir, "hire", "main.tf"), []byte(handoverModule), 0o600); err != nil {
			return scenarioRun{}, err
		}
	}
	env := append(append([]string{}, e.env...), "ARM_TENANT_ID="+creds.TenantID)
	cmd := func(args ...string) (measure, error) {
		if err := e.ctl.ClearRequests(ctx, creds.TenantID); err != nil {
			return measure{}, err
		}
		m, err := runCLI(dir, env, o.cli, e.binaries[mode], append(args, "-input=false", "-no-color", fmt.Sprintf("-parallelism=%d", o.parallelism))...)
		if err != nil {
			return m, fmt.Errorf("%s: %w", name, err)
		}
		m.counters, err = e.ctl.Counters(ctx, creds.TenantID)
		if err == nil && os.Getenv("BENCH_VERBOSE") != "" {
			if reqs, err := e.ctl.Requests(ctx, creds.TenantID); err == nil {
				printSpans(os.Stderr, args[0], start(m), reqs)
			}
		}
		return m, err
	}
	var r scenarioRun
	if mode == modeHandoverModule {
		if _, err := runCLI(dir, env, o.cli, "", "get", "-no-color"); err != nil {
			return r, err
		}
	}
	if r.apply, err = cmd("apply", "-auto-approve"); err != nil {
		return r, err
	}
	if got := r.apply.minted(); got != int64(n) {
		return r, fmt.Errorf("%s: %d passes issued, want %d", name, got, n)
	}
	if !reapply {
		return r, nil
	}
	if r.reapply, err = cmd("apply", "-auto-approve"); err != nil {
		return r, err
	}
	if r.plan, err = cmd("plan"); err != nil {
		return r, err
	}
	if w := r.plan.counters.Writes; w != 0 {
		return r, fmt.Errorf("%s: the plan wrote %d times", name, w)
	}
	return r, nil
}

func createUsers(ctx context.Context, g *control.Graph, domain string, n int) ([]string, error) {
	ids := make([]string, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			u, err := g.CreateUser(ctx, fmt.Sprintf("Hire %04d", i), fmt.Sprintf("hire%04d@%s", i, domain))
			if err != nil {
				errs <- err
				return
			}
			ids[i] = u.ID
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return nil, err
	}
	sort.Strings(ids)
	return ids, nil
}

func start(m measure) time.Time { return m.started }

// printSpans prints when each kind of Graph request first and last came, relative to the command's start: the
// plan walk's checks, then the apply walk's creations.
func printSpans(w io.Writer, command string, t0 time.Time, reqs []control.Request) {
	type span struct{ first, last time.Time }
	spans := map[string]*span{}
	for _, r := range reqs {
		at, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil || r.Kind != "graph" {
			continue
		}
		sp := spans[r.Route]
		if sp == nil {
			sp = &span{first: at}
			spans[r.Route] = sp
		}
		sp.last = at
	}
	for route, sp := range spans {
		fmt.Fprintf(w, "bench:     %s %s: %s .. %s\n", command, route, sp.first.Sub(t0).Round(time.Millisecond), sp.last.Sub(t0).Round(time.Millisecond))
	}
}

// runCLI runs one CLI command, watching the plugin processes it starts.
func runCLI(dir string, env []string, cli, plugin string, args ...string) (measure, error) {
	cmd := exec.Command(cli, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.log", args[0], time.Now().UnixNano())))
	if err != nil {
		return measure{}, err
	}
	defer func() { _ = out.Close() }()
	cmd.Stdout, cmd.Stderr = out, out
	hostBefore := selfCPU()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measure{}, err
	}
	w := watch(cmd.Process.Pid, plugin)
	err = cmd.Wait()
	m := measure{started: start, wall: time.Since(start), plugins: w.finish(), hostCPU: selfCPU() - hostBefore}
	m.cliCPU = max(childCPU(cmd.ProcessState)-m.pluginCPU(), 0)
	if err != nil {
		tail, _ := os.ReadFile(out.Name())
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		return m, fmt.Errorf("%s %v: %v\n%s", cli, args, err, tail)
	}
	return m, nil
}
