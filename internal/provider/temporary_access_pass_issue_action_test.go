package provider

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
)

func lostPhoneCall(ot onboardingTenant, remove ...string) map[string]any {
	return map[string]any{
		"user_id": ot.hire.UserPrincipalName, "lifetime_in_minutes": 60, "is_usable_once": true, "remove_methods": remove,
		"delivery": map[string]any{"email": map[string]any{"sender": ot.sender.UserPrincipalName, "to": []string{"grace@" + ot.Domain}}},
	}
}

func TestTemporaryAccessPassIssueAction_protocol(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	ot := newOnboardingTenant(t)
	ot.SeedMethod(ot.hire.ID, map[string]any{"type": "fido2", "displayName": "Lost key"})
	server := newProtocolServer(t, ot.Tenant)

	progress, diags := invokeAction(t, server, "entra_temporary_access_pass_issue", lostPhoneCall(ot, "fido2"))
	failOnDiagnostics(t, "invoke", diags)
	want := []string{"Checked", "Issued pass", "Delivered it: email", "Removed fido2", "Done:"}
	if len(progress) != len(want) {
		t.Fatalf("progress = %q", progress)
	}
	for i, w := range want {
		if !strings.Contains(progress[i], w) {
			t.Errorf("progress[%d] = %q, want %q", i, progress[i], w)
		}
	}
	msgs := ot.mailed(t)
	if len(msgs) != 1 || !ot.SignsIn(ot.hire.ID, passIn(msgs[0])) {
		t.Fatalf("the helpdesk must receive one working pass: %d messages", len(msgs))
	}
	if err := removalsAfterCreation(ot.Tenant); err != nil {
		t.Error(err)
	}
}

func TestTemporaryAccessPassIssueAction_protocolBadInputWritesNothing(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	ot := newOnboardingTenant(t)
	ot.ClearRequests()
	server := newProtocolServer(t, ot.Tenant)
	call := lostPhoneCall(ot)
	call["lifetime_in_minutes"] = 600 // the policy allows 480 at most
	_, diags := invokeAction(t, server, "entra_temporary_access_pass_issue", call)
	if len(diags) == 0 || diags[0].Summary != "Lifetime outside the tenant policy's range" {
		t.Fatalf("want the lifetime refused, got %+v", diags)
	}
	call = lostPhoneCall(ot)
	call["delivery"] = map[string]any{}
	if _, diags := invokeAction(t, server, "entra_temporary_access_pass_issue", call); len(diags) == 0 || diags[0].Summary != "No delivery channel" {
		t.Fatalf("want the empty delivery refused, got %+v", diags)
	}
	if c := ot.Counters(); c.Writes != 0 {
		t.Fatalf("a refused action wrote: %v", c.ByRoute)
	}
}

// Through the real CLI's `terraform apply -invoke`, for Terraform 1.14 and later.
func TestAccTemporaryAccessPassIssueAction_invoke(t *testing.T) {
	skipUnlessAcc(t)
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		cli = "terraform"
	}
	version, _ := exec.Command(cli, "version").Output()
	if m := regexp.MustCompile(`Terraform v1\.(\d+)`).FindSubmatch(version); m == nil || atoi(string(m[1])) < 14 {
		t.Skip("actions are a Terraform 1.14 feature")
	}
	t.Parallel()
	ot := newOnboardingTenant(t)
	run := acctest.NewRun(t, ot.Config(fmt.Sprintf(`
action "entra_temporary_access_pass_issue" "lost_phone" {
  config {
    user_id             = %q
    lifetime_in_minutes = 60
    is_usable_once      = true
    delivery = {
      email = {
        sender = %q
        to     = ["grace@%s"]
      }
    }
  }
}
`, ot.hire.UserPrincipalName, ot.sender.UserPrincipalName, ot.Domain)))
	out, err := run.Apply("-invoke=action.entra_temporary_access_pass_issue.lost_phone")
	if err != nil {
		t.Fatalf("invoke:\n%s", out)
	}
	for _, want := range []string{"Issued pass", "Delivered it: email"} {
		if !strings.Contains(out, want) {
			t.Errorf("the CLI output lacks the progress %q:\n%s", want, out)
		}
	}
	if msgs := ot.mailed(t); len(msgs) != 1 || !ot.SignsIn(ot.hire.ID, passIn(msgs[0])) {
		t.Fatalf("the helpdesk must receive one working pass")
	}
	if st, err := os.ReadFile(run.Dir() + "/terraform.tfstate"); err == nil && strings.Contains(string(st), "temporary_access_pass\"") {
		t.Errorf("an action must store nothing in the state")
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
