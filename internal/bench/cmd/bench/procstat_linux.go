//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on every Linux build Go supports).
const clockTick = 10 * time.Millisecond

// watcher follows the plugin processes a CLI process starts, by polling /proc: their CPU time and peak resident
// set (VmHWM). The provider keeps Terraform as its parent, exactly as users run it (no wrapper in between), so
// the last sample before a process exits stands for its total: a few milliseconds of CPU at exit can be missed,
// and are counted as Terraform's own (see cliCPU).
type watcher struct {
	cli  int
	exes map[string]bool

	mu    sync.Mutex
	procs map[int]procSample
	stop  chan struct{}
	done  chan struct{}
}

type procSample struct {
	exe    string
	cpu    time.Duration
	hwmKiB int64
}

func watch(cliPID int, exes ...string) *watcher {
	w := &watcher{cli: cliPID, exes: map[string]bool{}, procs: map[int]procSample{}, stop: make(chan struct{}), done: make(chan struct{})}
	for _, e := range exes {
		w.exes[e] = true
	}
	go w.loop()
	return w
}

func (w *watcher) loop() {
	defer close(w.done)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		w.sample()
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
	}
}

func (w *watcher) sample() {
	tasks, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(w.cli), "task"))
	for _, task := range tasks {
		raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(w.cli), "task", task.Name(), "children"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(raw)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			w.mu.Lock()
			prev, known := w.procs[pid]
			w.mu.Unlock()
			if !known {
				exe, err := os.Readlink(filepath.Join("/proc", f, "exe"))
				if err != nil || !w.exes[exe] {
					continue
				}
				prev.exe = exe
			}
			cpu, ok := processCPU(pid, false)
			if !ok {
				continue
			}
			prev.cpu = cpu
			if hwm := peakRSS(pid); hwm > prev.hwmKiB {
				prev.hwmKiB = hwm
			}
			w.mu.Lock()
			w.procs[pid] = prev
			w.mu.Unlock()
		}
	}
}

// finish stops the polling and returns one sample per plugin process seen.
func (w *watcher) finish() []procSample {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]procSample, 0, len(w.procs))
	for _, s := range w.procs {
		out = append(out, s)
	}
	return out
}

// processCPU reads utime+stime of a process (and, with children, of its reaped children).
func processCPU(pid int, children bool) (time.Duration, bool) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	s := string(raw)
	// The command name may hold spaces; fields resume after its closing parenthesis.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14 to 17.
	if len(fields) < 15 {
		return 0, false
	}
	var ticks int64
	end := 13 // utime, stime
	if children {
		end = 15 // and cutime, cstime
	}
	for _, f := range fields[11:end] {
		n, _ := strconv.ParseInt(f, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * clockTick, true
}

func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kib
		}
	}
	return 0
}

// selfCPU is this process's CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childCPU is the CPU time of a waited-for process, including the children it waited for (wait4 reports
// both).
func childCPU(ps *os.ProcessState) time.Duration {
	if ps == nil {
		return 0
	}
	return ps.UserTime() + ps.SystemTime()
}
