// Package bench measures the provider as users run it: the real CLI applying generated configurations
// against the emulator with injected latency. Its command prints the table committed in BENCHMARKS.md.
package bench
