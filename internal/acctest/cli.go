package acctest

import (
	"os"
	"os/exec"
	"strings"
	"sync"
)

var cliName = sync.OnceValue(func() string {
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if path == "" {
		path = "terraform"
	}
	out, err := exec.Command(path, "version").Output()
	if err != nil {
		return "unknown"
	}
	if strings.Contains(string(out), "OpenTofu") {
		return "opentofu"
	}
	return "terraform"
})

// IsOpenTofu reports whether the acceptance tests drive OpenTofu rather than Terraform.
func IsOpenTofu() bool { return cliName() == "opentofu" }

// CLIName is "terraform" or "opentofu", for test names and messages.
func CLIName() string { return cliName() }
