//go:build windows

package provider

import (
	"os"
	"strconv"

	"golang.org/x/sys/windows"
)

// cliRun names the process that started this one (Terraform, or OpenTofu) by pid and creation time.
func cliRun() (string, bool) {
	ppid := os.Getppid()
	if ppid <= 0 {
		return "", false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(ppid))
	if err != nil {
		return "", false
	}
	defer func() { _ = windows.CloseHandle(h) }()
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return "", false
	}
	return runKey(ppid, strconv.FormatInt(created.Nanoseconds(), 10)), true
}

// processAlive reports whether a process with this id runs.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer func() { _ = windows.CloseHandle(h) }()
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return false
	}
	return code == 259 // STILL_ACTIVE
}
