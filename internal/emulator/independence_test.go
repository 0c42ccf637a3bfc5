package emulator_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The emulator is a second, independent implementation of Graph: if it imported the provider's code (or
// the SDKs the provider uses) the acceptance tests would only check that code against itself.
func TestEmulatorImportsNothingOfTheProvider(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/entra-tap/terraform-provider-entra/internal/provider",
		"github.com/entra-tap/terraform-provider-entra/internal/graph",
		"github.com/entra-tap/terraform-provider-entra/internal/auth",
		"github.com/entra-tap/terraform-provider-entra/internal/tap",
		"github.com/entra-tap/terraform-provider-entra/internal/validators",
		"github.com/entra-tap/terraform-provider-entra/internal/acctest",
		"github.com/microsoftgraph/",
		"github.com/Azure/azure-sdk-for-go/",
		"github.com/microsoft/kiota",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("the emulator depends on %s", dep)
			}
		}
	}
}
