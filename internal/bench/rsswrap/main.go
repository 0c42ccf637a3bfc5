// Command rsswrap stands in for the provider binary during benchmarks: it runs the real provider (named by
// BENCH_PROVIDER) with the same standard input, output and environment, and when the provider exits
// appends one line to BENCH_RSS_FILE: its peak resident set size in KiB, how long it took from start to
// the plugin handshake (the schema is served right after), and the CPU time it used, in microseconds.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	started := time.Now()
	cmd := exec.Command(os.Getenv("BENCH_PROVIDER"), os.Args[1:]...)
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	// Runtime settings for the provider alone, not the terraform process that started it.
	cmd.Env = os.Environ()
	for _, v := range []string{"GOMEMLIMIT", "GOGC"} {
		if value := os.Getenv("BENCH_" + v); value != "" {
			cmd.Env = append(cmd.Env, v+"="+value)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fail(err)
	}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	var handshake time.Duration
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); err == nil {
		handshake = time.Since(started)
		_, _ = os.Stdout.WriteString(line)
	}
	_, _ = io.Copy(os.Stdout, out)
	waitErr := cmd.Wait()
	if usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && os.Getenv("BENCH_RSS_FILE") != "" {
		if f, err := os.OpenFile(os.Getenv("BENCH_RSS_FILE"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
			_, _ = fmt.Fprintf(f, "%d %d %d\n", usage.Maxrss, handshake.Microseconds(), cpu.Microseconds())
			_ = f.Close()
		}
	}
	if waitErr != nil {
		if exit, ok := waitErr.(*exec.ExitError); ok {
			os.Exit(exit.ExitCode())
		}
		fail(waitErr)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "rsswrap:", err)
	os.Exit(1)
}
