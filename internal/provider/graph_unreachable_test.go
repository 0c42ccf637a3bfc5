package provider

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
)

// A plan of several policy data sources and passes against a Graph endpoint where nothing listens (the
// token side stays on the emulator) fails once, quickly: every resource reports the same verdict, which
// names the endpoint and the cause, reached within one reachability budget for the whole run rather than
// one retry budget per resource. The time is logged, not asserted.
func TestAccGraphUnreachable_planFailsOnceWithOneClearError(t *testing.T) {
	tenant := acctest.NewTenant(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	_ = l.Close()

	const passes = 5
	config := fmt.Sprintf(`
terraform {
  required_providers {
    entra = {
      source = %q
    }
  }
}

provider "entra" {
  tenant_id        = %q
  msgraph_endpoint = "https://%s"
}

data "entra_temporary_access_pass_policy" "a" {}
data "entra_temporary_access_pass_policy" "b" {}
data "entra_temporary_access_pass_policy" "c" {}

resource "entra_temporary_access_pass" "this" {
  count   = %d
  user_id = "user${count.index}@%s"
}
`, acctest.ProviderSource, tenant.TenantID, dead, passes, tenant.Domain)

	var output string
	start := time.Now()
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// ErrorCheck sees the CLI's whole output (ExpectError only matches it), to count the diagnostics.
		ErrorCheck: func(err error) error {
			output = strings.Join(strings.Fields(err.Error()), " ")
			return checkOneVerdict(output, dead)
		},
		Steps: []resource.TestStep{{Config: config, PlanOnly: true}},
	})
	elapsed := time.Since(start)
	if output == "" {
		t.Fatal("the plan succeeded against a closed port")
	}
	errorsShown := strings.Count(output, "Error: ")
	t.Logf("the plan of 3 data sources and %d passes failed after %s (whole test step, CLI included), with %d diagnostics, all the same verdict:\n%s",
		passes, elapsed.Round(100*time.Millisecond), errorsShown, firstDiagnostic(output))
}

// With Graph and the token endpoint both gone (an emulator, a proxy or a VPN stopped), the first sign-in
// fails after azidentity's own retries and every other resource fails at once with the same error, which
// is about reaching the endpoint, not about the credential.
func TestAccGraphUnreachable_tokenEndpointToo(t *testing.T) {
	tenant := acctest.NewTenant(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	_ = l.Close()
	config := fmt.Sprintf(`
terraform {
  required_providers {
    entra = {
      source = %q
    }
  }
}

provider "entra" {
  tenant_id        = %q
  msgraph_endpoint = "https://%s"
  authority_host   = "https://%s/"
}

data "entra_temporary_access_pass_policy" "a" {}
data "entra_temporary_access_pass_policy" "b" {}

resource "entra_temporary_access_pass" "this" {
  count   = 5
  user_id = "user${count.index}@%s"
}
`, acctest.ProviderSource, tenant.TenantID, dead, dead, tenant.Domain)
	var output string
	start := time.Now()
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		ErrorCheck: func(err error) error {
			output = strings.Join(strings.Fields(err.Error()), " ")
			diagnostics := strings.Split(output, "Error: ")[1:]
			for _, d := range diagnostics {
				if !strings.HasPrefix(d, "Could not reach the Microsoft Entra token endpoint") || !strings.Contains(d, "connection refused") ||
					!strings.Contains(d, "authority_host") || strings.Contains(d, "wrong client secret") {
					return fmt.Errorf("want the token endpoint named as unreachable, got: %s", d)
				}
			}
			if len(diagnostics) == 0 {
				return errors.New("no diagnostics: " + output)
			}
			return nil
		},
		Steps: []resource.TestStep{{Config: config, PlanOnly: true}},
	})
	if output == "" {
		t.Fatal("the plan succeeded against a closed port")
	}
	t.Logf("with the token endpoint gone too, the plan of 2 data sources and 5 passes failed after %s with %d diagnostics:\n%s",
		time.Since(start).Round(100*time.Millisecond), strings.Count(output, "Error: "), firstDiagnostic(output))
}

var verdict = regexp.MustCompile(`Microsoft Graph at https://[^ ]+ is unreachable: .*?Other requests of this run to it fail at once with this error`)

// checkOneVerdict requires every error diagnostic to be the unreachable verdict, the same one for all
// (one set of attempts for the run), naming the endpoint and the cause, with advice about the endpoint.
func checkOneVerdict(output, dead string) error {
	diagnostics := strings.Split(output, "Error: ")[1:]
	if len(diagnostics) == 0 {
		return errors.New("no error diagnostics in: " + output)
	}
	var seen string
	for _, d := range diagnostics {
		v := verdict.FindString(d)
		switch {
		case !strings.HasPrefix(d, "Microsoft Graph is unreachable"):
			return fmt.Errorf("a diagnostic other than the verdict: %s", d)
		case v == "":
			return fmt.Errorf("a diagnostic without the verdict: %s", d)
		case seen != "" && v != seen:
			return fmt.Errorf("two different verdicts in one run (each resource retried on its own):\n%s\n%s", seen, v)
		case !strings.Contains(v, "https://"+dead) || !strings.Contains(v, "was refused"):
			return fmt.Errorf("the verdict must name the endpoint and the cause: %s", v)
		case !strings.Contains(d, "Check the host and port in msgraph_endpoint"):
			return fmt.Errorf("the diagnostic must say what to check: %s", d)
		case strings.Contains(d, "client secret") || strings.Contains(d, "tenant_id"):
			return fmt.Errorf("a connection failure is not a credential problem: %s", d)
		}
		seen = v
	}
	return nil
}

func firstDiagnostic(output string) string {
	parts := strings.Split(output, "Error: ")
	if len(parts) < 2 {
		return output
	}
	return "Error: " + parts[1]
}
