//go:build !linux && !darwin && !windows

package provider

// cliRun cannot name the parent process here: run notes are off, and every provider process reads Graph.
func cliRun() (string, bool) { return "", false }

func processAlive(int) bool { return false }
