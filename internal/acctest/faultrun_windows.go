//go:build windows

package acctest

// killProvider is not implemented on Windows: the fault tests run on Linux.
func (r *Run) killProvider() int { return 0 }
