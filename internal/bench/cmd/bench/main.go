// Command bench runs the real Terraform CLI against the emulator with injected latency on generated
// configurations (the policy alone; N = 1, 50, 200, 1000 passes) and prints, for each: wall time, Graph
// requests by kind, requests per pass, the provider's peak RSS and time to handshake, and the ratio of the
// wall time to the ideal (requests x latency / parallelism).
//
//	go run ./internal/bench/cmd/bench [-latency 30ms] [-sizes 1,50,200,1000] [-parallelism 10] [-cli terraform]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
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

const providerSource = "registry.terraform.io/entra-tap/entra"

type result struct {
	scenario    string
	passes      int
	wall        time.Duration
	requests    control.Counters
	peakRSSKiB  int64
	handshake   time.Duration
	processes   int
	providerCPU time.Duration
	planRequest int64
}

func main() {
	latency := flag.Duration("latency", 30*time.Millisecond, "latency the emulator adds to every Graph and token request")
	sizes := flag.String("sizes", "1,50,200,1000", "numbers of passes to issue, one apply each")
	parallelism := flag.Int("parallelism", 10, "terraform -parallelism")
	cli := flag.String("cli", "terraform", "the Terraform CLI to run")
	flag.Parse()
	if err := run(*latency, *sizes, *parallelism, *cli); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(latency time.Duration, sizes string, parallelism int, cli string) error {
	work, err := os.MkdirTemp("", "entra-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	fmt.Fprintln(os.Stderr, "bench: building the provider")
	providerBin := filepath.Join(work, "real", "terraform-provider-entra")
	source := "."
	if os.Getenv("BENCH_CPUPROFILE") != "" || os.Getenv("BENCH_HEAPPROFILE") != "" {
		source = "./internal/bench/profiledprovider"
	}
	for _, b := range [][]string{{"-o", providerBin, source}, {"-o", filepath.Join(work, "plugins", "terraform-provider-entra"), "./internal/bench/rsswrap"}} {
		if out, err := exec.Command("go", append([]string{"build"}, b...)...).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %v: %v\n%s", b, err, out)
		}
	}
	emu, err := emulator.Start(emulator.Options{Latency: latency, StateDir: filepath.Join(work, "emulator")})
	if err != nil {
		return err
	}
	defer func() { _ = emu.Close() }()
	hc, err := control.NewHTTPClient(emu.CAFile())
	if err != nil {
		return err
	}
	ctl := control.New(emu.URL(), hc)
	cliConfig := filepath.Join(work, "cli.tfrc")
	if err := os.WriteFile(cliConfig, fmt.Appendf(nil, "provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		providerSource, filepath.Join(work, "plugins")), 0o600); err != nil {
		return err
	}
	def := emu.DefaultTenant()
	env := append(os.Environ(), "SSL_CERT_FILE="+emu.CABundleFile(), "ARM_MSGRAPH_ENDPOINT="+emu.URL(), "ARM_AUTHORITY_HOST="+emu.URL()+"/",
		"ARM_DISABLE_INSTANCE_DISCOVERY=true", "ARM_USE_CLI=false", "ARM_CLIENT_ID="+def.ClientID, "ARM_CLIENT_SECRET="+def.ClientSecret,
		"TF_CLI_CONFIG_FILE="+cliConfig, "BENCH_PROVIDER="+providerBin, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")

	var results []result
	scenarios := []int{0}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("bad size %q", s)
		}
		scenarios = append(scenarios, n)
	}
	for _, n := range scenarios {
		r, err := scenario(ctl, env, work, cli, n, parallelism)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	printTable(results, latency, parallelism, cli)
	return nil
}

func scenario(ctl *control.Client, baseEnv []string, work, cli string, n, parallelism int) (result, error) {
	ctx := context.Background()
	name := "policy only"
	if n > 0 {
		name = fmt.Sprintf("%d passes", n)
	}
	fmt.Fprintf(os.Stderr, "bench: %s\n", name)
	creds, err := ctl.CreateTenant(ctx, "")
	if err != nil {
		return result{}, err
	}
	g := ctl.Graph(creds)
	if err := g.PatchPolicy(ctx, map[string]any{"state": "enabled"}); err != nil {
		return result{}, err
	}
	ids, err := createUsers(ctx, g, creds.Domain, n)
	if err != nil {
		return result{}, err
	}
	dir := filepath.Join(work, fmt.Sprintf("n%d", n))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return result{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(configFor(creds.TenantID, ids)), 0o600); err != nil {
		return result{}, err
	}
	rssFile := filepath.Join(dir, "rss")
	env := append(append([]string{}, baseEnv...), "BENCH_RSS_FILE="+rssFile)
	terraform := func(args ...string) error {
		cmd := exec.Command(cli, append(args, "-no-color")...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %v: %v\n%s", cli, args, err, out)
		}
		return nil
	}
	// No init: with dev_overrides the provider needs no installation, and the configuration has no other.
	if err := ctl.ClearRequests(ctx, creds.TenantID); err != nil {
		return result{}, err
	}
	_ = os.Remove(rssFile)
	start := time.Now()
	if err := terraform("apply", "-auto-approve", "-input=false", fmt.Sprintf("-parallelism=%d", parallelism)); err != nil {
		return result{}, err
	}
	r := result{scenario: name, passes: n, wall: time.Since(start)}
	if r.requests, err = ctl.Counters(ctx, creds.TenantID); err != nil {
		return result{}, err
	}
	if issued := r.requests.ByRoute["POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods"]; issued != int64(n) {
		return result{}, fmt.Errorf("%s: %d passes issued, want %d", name, issued, n)
	}
	r.peakRSSKiB, r.handshake, r.providerCPU, r.processes = readRSS(rssFile)
	if raw, err := os.ReadFile(rssFile); err == nil && os.Getenv("BENCH_VERBOSE") != "" {
		fmt.Fprintf(os.Stderr, "bench: provider processes (peak RSS KiB, handshake us, CPU us):\n%s", raw)
	}

	// A plan of the same configuration: validation reads only.
	if err := ctl.ClearRequests(ctx, creds.TenantID); err != nil {
		return result{}, err
	}
	if err := terraform("plan", "-input=false", fmt.Sprintf("-parallelism=%d", parallelism)); err != nil {
		return result{}, err
	}
	planCounters, err := ctl.Counters(ctx, creds.TenantID)
	if err != nil {
		return result{}, err
	}
	r.planRequest = planCounters.Total
	if writes := planCounters.Writes; writes != 0 {
		return result{}, fmt.Errorf("%s: the plan wrote %d times", name, writes)
	}
	_ = ctl.DeleteTenant(ctx, creds.TenantID)
	return r, nil
}

func configFor(tenantID string, ids []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "terraform {\n  required_providers {\n    entra = { source = %q }\n  }\n}\n\nprovider \"entra\" {\n  tenant_id = %q\n}\n\n", providerSource, tenantID)
	if len(ids) == 0 {
		b.WriteString(`resource "entra_temporary_access_pass_policy" "this" {
  enabled                     = true
  minimum_lifetime_in_minutes = 10
  default_lifetime_in_minutes = 60
  maximum_lifetime_in_minutes = 480
  include_targets             = [{ id = "all_users", target_type = "group" }]
}
`)
		return b.String()
	}
	b.WriteString("locals {\n  users = [\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "    %q,\n", id)
	}
	b.WriteString(`  ]
}

ephemeral "entra_temporary_access_pass" "hire" {
  for_each            = toset(local.users)
  user_id             = each.value
  lifetime_in_minutes = 60
  issue               = terraform.applying
}
`)
	return b.String()
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

// readRSS returns the largest peak RSS of the provider processes the run started, the slowest
// handshake, and how many processes there were.
func readRSS(path string) (peak int64, handshake, cpu time.Duration, processes int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, 0
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 {
			continue
		}
		if len(fields) > 2 {
			cpuUs, _ := strconv.ParseInt(fields[2], 10, 64)
			cpu += time.Duration(cpuUs) * time.Microsecond
		}
		kib, _ := strconv.ParseInt(fields[0], 10, 64)
		us, _ := strconv.ParseInt(fields[1], 10, 64)
		peak = max(peak, kib)
		handshake = max(handshake, time.Duration(us)*time.Microsecond)
		processes++
	}
	return peak, handshake, cpu, processes
}

func printTable(results []result, latency time.Duration, parallelism int, cli string) {
	version, _ := exec.Command(cli, "version").Output()
	fmt.Printf("Emulator latency %s per request, -parallelism=%d, %s\n\n", latency, parallelism, strings.SplitN(string(version), "\n", 2)[0])
	fmt.Println("| scenario | apply wall | Graph requests (apply) | by kind | requests / pass | ideal | wall / ideal | wall / pass | provider CPU | provider peak RSS | handshake | plan requests |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		total := r.requests.Total + r.requests.TokenRequests
		ideal := time.Duration(total) * latency / time.Duration(parallelism)
		perPass, wallPerPass := "-", "-"
		if r.passes > 0 {
			perPass = fmt.Sprintf("%.2f", float64(r.requests.Total)/float64(r.passes))
			wallPerPass = (r.wall / time.Duration(r.passes)).Round(time.Millisecond).String()
		}
		fmt.Printf("| %s | %s | %d (+%d token) | %s | %s | %s | %.2fx | %s | %s | %.1f MiB (%d processes) | %s | %d |\n",
			r.scenario, r.wall.Round(10*time.Millisecond), r.requests.Total, r.requests.TokenRequests, kinds(r.requests.ByRoute), perPass,
			ideal.Round(10*time.Millisecond), float64(r.wall)/float64(max(ideal, 1)), wallPerPass, r.providerCPU.Round(10*time.Millisecond),
			float64(r.peakRSSKiB)/1024, r.processes,
			r.handshake.Round(time.Millisecond), r.planRequest)
	}
}

func kinds(byRoute map[string]int64) string {
	short := map[string]string{
		"GET /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}":   "policy GET",
		"PATCH /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}": "policy PATCH",
		"GET /v1.0/users/{id}":                                            "user GET",
		"POST /v1.0/directoryObjects/getByIds":                            "getByIds",
		"POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods": "pass POST",
		"GET /v1.0/users/{id}/authentication/temporaryAccessPassMethods":  "pass LIST",
		"POST /v1.0/users/{id}/checkMemberGroups":                         "checkMemberGroups",
	}
	var parts []string
	for route, n := range byRoute {
		name := short[route]
		if name == "" {
			name = route
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
