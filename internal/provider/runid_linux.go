//go:build linux

package provider

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// cliRun names the process that started this one (Terraform, or OpenTofu) by pid and start time, from
// /proc/<ppid>/stat (field 22, in clock ticks since boot).
func cliRun() (string, bool) {
	ppid := os.Getppid()
	if ppid <= 1 {
		return "", false
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/stat")
	if err != nil {
		return "", false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", false
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return "", false
	}
	return runKey(ppid, fields[19]), true // field 22 is the 20th after the command name
}

// processAlive reports whether a process with this id runs (signal 0 checks without signalling).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
