//go:build !windows

package acctest

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// killProvider sends SIGKILL to every running process of this run's provider binary.
func (r *Run) killProvider() int {
	entries, _ := os.ReadDir("/proc")
	killed := 0
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && exe == r.bin {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				killed++
			}
		}
	}
	return killed
}
