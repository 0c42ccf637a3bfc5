//go:build !linux

package main

import (
	"os"
	"time"
)

// On systems without /proc the harness reports no per-process CPU or memory.
type watcher struct{}

type procSample struct {
	exe    string
	cpu    time.Duration
	hwmKiB int64
}

func watch(int, ...string) *watcher { return &watcher{} }

func (w *watcher) finish() []procSample { return nil }

func selfCPU() time.Duration { return 0 }

func childCPU(ps *os.ProcessState) time.Duration {
	if ps == nil {
		return 0
	}
	return ps.UserTime() + ps.SystemTime()
}
