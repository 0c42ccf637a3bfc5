package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

func goBuildArgs(dir string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if o, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %v in %s: %v\n%s", args, dir, err, o)
	}
	return nil
}

func machine() string {
	model := runtime.GOARCH
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d vCPU %s, %s/%s, %s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func perPass(d time.Duration, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000/float64(n))
}

// ideal is the wall time the latency alone must cost: one round trip per pass, parallelism at a time.
func ideal(n int, latency time.Duration, parallelism int) time.Duration {
	return time.Duration(n) * latency / time.Duration(parallelism)
}

func kinds(byRoute map[string]int64) string {
	short := map[string]string{
		"GET /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}":   "policy GET",
		"PATCH /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}": "policy PATCH",
		"GET /v1.0/users/{id}":                 "user GET",
		"GET /v1.0/users":                      "users $filter",
		"POST /v1.0/$batch":                    "$batch",
		"POST /v1.0/directoryObjects/getByIds": "getByIds",
		"POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods":        "pass POST",
		"GET /v1.0/users/{id}/authentication/temporaryAccessPassMethods":         "pass LIST",
		"GET /v1.0/users/{id}/authentication/temporaryAccessPassMethods/{id}":    "pass GET",
		"DELETE /v1.0/users/{id}/authentication/temporaryAccessPassMethods/{id}": "pass DELETE",
		"POST /v1.0/users/{id}/checkMemberGroups":                                "checkMemberGroups",
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

// requests describes a command's Graph traffic: HTTP requests, and the operations carried inside $batch.
func requests(m measure) string {
	s := strconv.FormatInt(m.roundTrips(), 10)
	if m.counters.Batched > 0 {
		s += fmt.Sprintf(" (%d in $batch)", m.counters.Batched)
	}
	if m.counters.TokenRequests > 0 {
		s += fmt.Sprintf(" +%d token", m.counters.TokenRequests)
	}
	return s
}

func printResult(w io.Writer, r result, o options) {
	a := r.at.apply
	fmt.Fprintf(w, "bench:   %s N=%d: apply %s, %s requests [%s], provider CPU %s in %d processes, peak RSS %s, CLI CPU %s, host CPU %s",
		r.mode, r.passes, ms(a.wall), requests(a), kinds(a.counters.ByRoute), ms(a.pluginCPU()), len(a.plugins), mib(a.peakRSSKiB()), ms(a.cliCPU), ms(a.hostCPU))
	if r.zero != nil {
		fmt.Fprintf(w, "; at 0 ms: %s (share %s, ideal %s)", ms(r.zero.apply.wall), ms(a.wall-r.zero.apply.wall), ms(ideal(r.passes, r.latency, o.parallelism)))
	}
	if o.reapply {
		fmt.Fprintf(w, "; re-apply %s, %s requests [%s]; plan %s requests", ms(r.at.reapply.wall), requests(r.at.reapply), kinds(r.at.reapply.counters.ByRoute), requests(r.at.plan))
	}
	fmt.Fprintln(w)
}

func printTable(w io.Writer, results []result, o options) {
	fmt.Fprintf(w, "| mode | passes | apply wall | wall at 0 ms | latency share (ideal) | Graph requests (apply) | by kind | requests / pass | no-change re-apply: requests (wall) | plan requests | passes minted: apply / re-apply / plan | provider CPU (per pass) | CLI CPU per instance | emulator + consumers CPU | provider peak RSS |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		a := r.at.apply
		zero, share := "-", "-"
		if r.zero != nil {
			zero = ms(r.zero.apply.wall)
			id := ideal(r.passes, r.latency, o.parallelism)
			s := a.wall - r.zero.apply.wall
			share = fmt.Sprintf("%s (%s, %.2fx)", ms(s), ms(id), float64(s)/float64(max(id, time.Millisecond)))
		}
		perReq := "-"
		if r.passes > 0 {
			perReq = fmt.Sprintf("%.2f", float64(a.roundTrips())/float64(r.passes))
		}
		reapply, plan, minted := "-", "-", fmt.Sprintf("%d", a.minted())
		if o.reapply {
			reapply = fmt.Sprintf("%s (%s)", requests(r.at.reapply), ms(r.at.reapply.wall))
			plan = requests(r.at.plan)
			minted = fmt.Sprintf("%d / %d / %d", a.minted(), r.at.reapply.minted(), r.at.plan.minted())
		}
		instances := max(r.passes*instancesPerPass(r.mode), 1)
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s (%d processes) |\n",
			r.mode, r.passes, ms(a.wall), zero, share, requests(a), kinds(a.counters.ByRoute), perReq, reapply, plan, minted,
			ms(a.pluginCPU()), perPass(a.pluginCPU(), r.passes), perPass(a.cliCPU, instances), ms(a.hostCPU), mib(a.peakRSSKiB()), len(a.plugins))
	}
	fmt.Fprintln(w)
}

// startup is the provider's start: the time to its plugin handshake, measured on its own.
type startup struct {
	size      int64
	handshake []time.Duration
}

// measureStartup starts the provider as Terraform would (the go-plugin handshake variables), five times,
// and times each start to its handshake line.
func measureStartup(bin string) startup {
	var s startup
	if fi, err := os.Stat(bin); err == nil {
		s.size = fi.Size()
	}
	for range 5 {
		cmd := exec.Command(bin)
		cmd.Env = append(cleanEnv(), "TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
			"PLUGIN_PROTOCOL_VERSIONS=6", "PLUGIN_MIN_PORT=10000", "PLUGIN_MAX_PORT=25000")
		out, err := cmd.StdoutPipe()
		if err != nil {
			return s
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return s
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err == nil {
			s.handshake = append(s.handshake, time.Since(start))
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	return s
}

func printStartup(w io.Writer, bin string, s startup) {
	sort.Slice(s.handshake, func(i, j int) bool { return s.handshake[i] < s.handshake[j] })
	median := time.Duration(0)
	if len(s.handshake) > 0 {
		median = s.handshake[len(s.handshake)/2]
	}
	fmt.Fprintf(w, "Provider binary (%s, -trimpath -ldflags \"-s -w\"): %.1f MiB; start to plugin handshake, median of %d: %s\n\n",
		filepath.Base(bin), float64(s.size)/(1<<20), len(s.handshake), median.Round(100*time.Microsecond))
}

// printProfiles sums the CPU samples of every profile in dir by the "type" label the profiled provider sets
// (the resource type of the RPC, or "provider" for the provider's own RPCs); samples without a label are the
// gRPC transport, the HTTP client's connections, and the Go runtime.
func printProfiles(w io.Writer, dir string, results []result) {
	files, _ := filepath.Glob(filepath.Join(dir, "cpu.*"))
	if len(files) == 0 {
		return
	}
	args := append([]string{"tool", "pprof", "-tags", "-tagfocus=", "-unit=ms"}, files...)
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(w, "pprof: %v\n%s\n", err, out)
		return
	}
	fmt.Fprintf(w, "CPU profiles of %d provider processes (`go tool pprof -tags %s/cpu.*`):\n\n```\n%s```\n", len(files), dir, bytes.TrimSpace(out))
	_ = results
}
