package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/acctest/consumers"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// Faults real pipelines meet, with the provider as its own process: killed mid-apply, or stopped after a
// consumer failed. After every fault and the plain apply that follows it, the invariant holds: every live pass
// is held by whoever asked for it (the consumer, or the state), and every pass nobody holds was revoked.

const faultPasses = 50

func skipUnlessAcc(t *testing.T) {
	t.Helper()
	if !acctestEnabled() {
		t.Skip("needs TF_ACC")
	}
}

// handedOverEverywhere checks, for every user, that the consumer's latest value is the user's live pass.
func handedOverEverywhere(t *testing.T, tenant *acctest.Tenant, users []control.User) acctest.Ledger {
	t.Helper()
	l := tenant.Ledger(vaultID(tenant)+"/tap-", userIDs(users)...)
	for _, u := range users {
		held, ok := l.Held[vaultID(tenant)+"/tap-"+u.ID]
		switch {
		case !ok && l.Live[u.ID] != "":
			t.Errorf("%s holds a live pass no consumer received", u.UserPrincipalName)
		case ok && !tenant.SignsIn(u.ID, held):
			t.Errorf("the pass the consumer of %s holds does not sign in", u.UserPrincipalName)
		}
	}
	return l
}

func reportFault(t *testing.T, scenario string, after, repaired acctest.Ledger) {
	t.Helper()
	line := fmt.Sprintf("fault (%s): %s: after the fault %s; after the repair apply %s", acctest.CLIName(), scenario, after, repaired)
	t.Log(line)
	acctest.Report(line)
}

func TestAccFaults_providerKilledMidApplyHandover(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false})
	users := createUsers(t, tenant, faultPasses)
	run := acctest.NewRun(t, passConfig(tenant, userIDs(users), ""))

	out, killed, err := run.ApplyKilling(func() bool { return len(tenant.IssuedPasses()) >= 10 }, "-parallelism=10")
	if !killed || err == nil {
		t.Fatalf("the provider must have been killed mid-apply (killed %v, err %v):\n%s", killed, err, out)
	}
	after := tenant.Ledger(vaultID(tenant)+"/tap-", userIDs(users)...)

	out, err = run.Apply("-parallelism=10")
	if err != nil {
		t.Fatalf("the plain apply after the kill must repair:\n%s", out)
	}
	repaired := handedOverEverywhere(t, tenant, users)
	if len(repaired.Held) != faultPasses || len(repaired.Live) != faultPasses {
		t.Errorf("after the repair: %s; want every user to hold a delivered pass", repaired)
	}
	reportFault(t, fmt.Sprintf("provider SIGKILLed after 10 of %d hand-overs (parallelism 10)", faultPasses), after, repaired)
}

// Killed later, while the batch's creations are still going: the passes already created were never handed
// over (Terraform opens the ephemeral block once every instance exists), and the provider was not there to
// revoke them. The journal tells the next run on this machine, which issues new ones.
func TestAccFaults_providerKilledAfterCreationsBeforeHandover(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false})
	if _, err := acctest.Control().PatchSettings(context.Background(), tenant.TenantID, control.Settings{"latencyMs": 30}); err != nil {
		t.Fatal(err)
	}
	users := createUsers(t, tenant, faultPasses)
	run := acctest.NewRun(t, passConfig(tenant, userIDs(users), ""))

	out, killed, err := run.ApplyKilling(func() bool { return len(tenant.IssuedPasses()) >= 30 }, "-parallelism=10")
	if !killed || err == nil {
		t.Fatalf("the provider must have been killed mid-apply (killed %v, err %v):\n%s", killed, err, out)
	}
	after := tenant.Ledger(vaultID(tenant)+"/tap-", userIDs(users)...)
	out, err = run.Apply("-parallelism=10")
	if err != nil {
		t.Fatalf("the plain apply after the kill must repair:\n%s", out)
	}
	repaired := handedOverEverywhere(t, tenant, users)
	if len(repaired.Held) != faultPasses || len(repaired.Live) != faultPasses {
		t.Errorf("after the repair: %s; want every user to hold a delivered pass", repaired)
	}
	reportFault(t, fmt.Sprintf("provider SIGKILLed after 30 of %d creations, before any hand-over (30 ms latency)", faultPasses), after, repaired)
}

func TestAccFaults_providerKilledMidApplyPassInState(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, faultPasses)
	ids := userIDs(users)
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	run := acctest.NewRun(t, tenant.Config(fmt.Sprintf(`
locals {
  users = [%s]
}
resource "entra_temporary_access_pass" "hire" {
  count   = length(local.users)
  user_id = local.users[count.index]
}
output "passes" {
  value     = { for p in entra_temporary_access_pass.hire : p.user_object_id => p.temporary_access_pass }
  sensitive = true
}
`, strings.Join(quoted, ", "))))
	out, killed, err := run.ApplyKilling(func() bool { return len(tenant.IssuedPasses()) >= 10 }, "-parallelism=10")
	if !killed || err == nil {
		t.Fatalf("the provider must have been killed mid-apply (killed %v, err %v):\n%s", killed, err, out)
	}
	after := tenant.Ledger("none", ids...)
	if out, err := run.Apply("-parallelism=10"); err != nil {
		t.Fatalf("the plain apply after the kill must repair:\n%s", out)
	}
	passes, err := run.Output("passes")
	if err != nil {
		t.Fatal(err)
	}
	repaired := tenant.Ledger("none", ids...)
	for _, u := range users {
		if p := passes[u.ID]; p == "" || !tenant.SignsIn(u.ID, p) {
			t.Errorf("the state does not hold a working pass of %s", u.UserPrincipalName)
		}
	}
	if len(repaired.Live) != faultPasses {
		t.Errorf("after the repair: %s", repaired)
	}
	reportFault(t, fmt.Sprintf("provider SIGKILLed after 10 of %d passes kept in state", faultPasses), after, repaired)
}

// A consumer fails after the pass was handed over: Terraform does not close the ephemeral resource, so when it
// stops the provider, the provider revokes the pass; the next plain apply issues and delivers a new one.
func TestAccFaults_consumerFailureRevokesThenRepairs(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false})
	users := createUsers(t, tenant, 3)
	run := acctest.NewRun(t, passConfig(tenant, userIDs(users), ""))
	failing := vaultID(tenant) + "/tap-" + users[1].ID
	consumers.FailWrites(failing, 1)

	out, err := run.Apply()
	if err == nil || !strings.Contains(out, "the vault refused the write") {
		t.Fatalf("the consumer must have failed:\n%s", out)
	}
	// Terraform closes an ephemeral block (all its instances) only when every consumer succeeded, so when it
	// stopped the provider, the provider revoked all three: safe, and repaired by the next apply.
	after := tenant.Ledger(vaultID(tenant)+"/tap-", userIDs(users)...)
	if len(after.Live) != 0 || after.Minted != 3 || after.Delivered != 2 {
		t.Errorf("after the failure: %s; want 3 minted, 2 delivered, all revoked", after)
	}
	if out, err := run.Apply(); err != nil {
		t.Fatalf("the plain apply after the failure must repair:\n%s", out)
	}
	repaired := handedOverEverywhere(t, tenant, users)
	if len(repaired.Live) != 3 || len(repaired.Held) != 3 {
		t.Errorf("after the repair: %s", repaired)
	}
	reportFault(t, "a consumer failed after the hand-over (1 of 3)", after, repaired)
}

// Graph unreachable while applying: no pass is minted that nobody holds.
func TestAccFaults_graphGoneMidApply(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false})
	users := createUsers(t, tenant, 20)
	run := acctest.NewRun(t, passConfig(tenant, userIDs(users), ""))
	var fault bool
	out, _, err := run.ApplyKilling(func() bool {
		if fault || len(tenant.IssuedPasses()) < 5 {
			return false
		}
		fault = true
		addFault(t, tenant, control.Fault{Path: "^/v1.0/", Drop: "before"}) // every Graph request from now on: connection dropped
		return false
	}, "-parallelism=5")
	if err == nil {
		t.Fatalf("the apply must fail while Graph is gone:\n%s", out)
	}
	if err := acctest.Control().ClearFaults(context.Background(), tenant.TenantID); err != nil {
		t.Fatal(err)
	}
	// With Graph gone, the provider could not revoke the passes created before it went: they stay until the
	// next apply, which the journal makes replace them.
	after := tenant.Ledger(vaultID(tenant)+"/tap-", userIDs(users)...)
	if out, err := run.Apply(); err != nil {
		t.Fatalf("the plain apply once Graph is back must repair:\n%s", out)
	}
	repaired := handedOverEverywhere(t, tenant, users)
	if len(repaired.Live) != len(users) {
		t.Errorf("after the repair: %s", repaired)
	}
	reportFault(t, "Graph unreachable after 5 of 20 hand-overs", after, repaired)
}

// The provider killed between minting a pass and mailing it (issue 11): the next plain apply mints and mails a
// new one, which replaces the first; exactly one working pass has been delivered and none is left undelivered.
func TestAccFaults_providerKilledBetweenMintAndMail(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	ot := newOnboardingTenant(t)
	addFault(t, ot.Tenant, control.Fault{Method: "POST", Path: "/sendMail$", LatencyMs: 3000, Count: 1})
	run := acctest.NewRun(t, ot.onboardingConfig(ot.emailToManager(), ""))
	out, killed, err := run.ApplyKilling(func() bool { return len(ot.IssuedPasses()) >= 1 })
	if !killed || err == nil {
		t.Fatalf("the provider must have been killed before the mail (killed %v, err %v):\n%s", killed, err, out)
	}
	after := ot.Ledger("none", ot.hire.ID)
	if out, err := run.Apply(); err != nil {
		t.Fatalf("the plain apply after the kill must deliver:\n%s", out)
	}
	msgs := ot.mailed(t)
	working := 0
	for _, m := range msgs {
		if passes, _ := ot.Graph.ListTAPs(context.Background(), ot.hire.ID); len(passes) == 1 && ot.IsIssued(passIn(m)) && passIn(m) == ot.IssuedPasses()[len(ot.IssuedPasses())-1] {
			working++
		}
	}
	repaired := ot.Ledger("none", ot.hire.ID)
	if working != 1 || len(repaired.Live) != 1 {
		t.Errorf("want exactly one working pass mailed: %d messages, %d carrying the live pass; %s", len(msgs), working, repaired)
	}
	reportFault(t, fmt.Sprintf("provider SIGKILLed between mint and mail (%d message(s) in the end)", len(msgs)), after, repaired)
}
