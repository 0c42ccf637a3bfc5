package provider

import (
	"os"
	"runtime/debug"
	"strings"
)

// TuneProcess sets up the provider process before it serves Terraform. main calls it first.
//
// Logging. terraform-plugin-go and the framework log every RPC at TRACE unless TF_LOG_SDK* say otherwise, as
// JSON on stderr, and Terraform parses each line and drops it unless TF_LOG (or TF_LOG_PROVIDER) asks for
// provider logs. Without either, nobody can see them: formatting them cost a third of the provider's CPU per
// pass, and parsing them a quarter of Terraform's (BENCHMARKS.md). So when Terraform will not show provider logs,
// the SDK's loggers are turned off; any TF_LOG_SDK* the user set is kept, and with TF_LOG or TF_LOG_PROVIDER
// set nothing changes.
//
// Garbage collection. The provider's live heap is a few MiB and every RPC allocates its request's copies, so
// with GOGC=100 the collector runs every few MiB allocated and took a fifth of the provider's CPU. Unless GOGC
// or GOMEMLIMIT is set, the collector runs at 4x the live heap, under a soft limit of 64 MiB that brings it
// back to the default pace before the process grows large.
func TuneProcess() {
	if !providerLogsShown() {
		for _, v := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
			if _, set := os.LookupEnv(v); !set {
				_ = os.Setenv(v, "OFF")
			}
		}
	}
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(400)
		debug.SetMemoryLimit(64 << 20)
	}
}

// providerLogsShown reports whether Terraform (or OpenTofu) shows provider logs: TF_LOG or TF_LOG_PROVIDER set
// to a level (the provider inherits the CLI's environment).
func providerLogsShown() bool {
	for _, v := range []string{"TF_LOG", "TF_LOG_PROVIDER"} {
		if level := strings.TrimSpace(os.Getenv(v)); level != "" && !strings.EqualFold(level, "off") {
			return true
		}
	}
	return false
}
