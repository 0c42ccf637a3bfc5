//go:build darwin

package provider

import (
	"errors"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// cliRun names the process that started this one (Terraform, or OpenTofu) by pid and start time
// (sysctl kern.proc.pid).
func cliRun() (string, bool) {
	ppid := os.Getppid()
	if ppid <= 1 {
		return "", false
	}
	p, err := unix.SysctlKinfoProc("kern.proc.pid", ppid)
	if err != nil {
		return "", false
	}
	t := p.Proc.P_starttime
	return runKey(ppid, strconv.FormatInt(int64(t.Sec), 10)+"."+strconv.FormatInt(int64(t.Usec), 10)), true
}

// processAlive reports whether a process with this id runs (signal 0 checks without signalling).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
