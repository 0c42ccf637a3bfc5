package issuance_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// The engine is tested against the emulator with the provider's own Graph client: every guarantee in the
// package documentation has a test here.

func TestMain(m *testing.M) { acctest.Main(m) }

// tenantPolicy reads the tenant's policy for every check, as the provider's cache does once.
type tenantPolicy struct{ client *graph.Client }

func (p tenantPolicy) ForPasses(ctx context.Context) (tap.Policy, bool, error) {
	policy, err := p.client.GetTAPPolicy(ctx)
	if err != nil {
		return tap.Policy{}, false, err
	}
	return *policy, false, nil
}

func newEngine(t *testing.T, tenant *acctest.Tenant) *issuance.Engine {
	t.Helper()
	client := tenant.GraphClient()
	return issuance.New(issuance.Options{Graph: client, Policies: tenantPolicy{client}})
}

func lookUp(t *testing.T, e *issuance.Engine, ref string) graph.User {
	t.Helper()
	u, err := e.Resolve(context.Background(), ref, issuance.NoPatience)
	if err != nil {
		t.Fatal(err)
	}
	return *u
}

func methodTypes(t *testing.T, tenant *acctest.Tenant, userID string) []string {
	t.Helper()
	ms, err := tenant.Graph.ListMethods(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, strings.TrimPrefix(fmt.Sprint(m["@odata.type"]), "#microsoft.graph."))
	}
	return out
}

// Guarantee 1: checking writes nothing, and says what to change.
func TestCheckWritesNothing(t *testing.T) {
	tenant := acctest.NewTenant(t)
	ada := tenant.CreateUser("ada")
	disabled := tenant.CreateUser("dora", control.Disabled())
	e := newEngine(t, tenant)
	ctx := context.Background()
	writes := func() int64 { return tenant.Counters().Writes }
	setup := writes()

	_, findings, err := e.Check(ctx, ada.ID, tap.PassRequest{}, issuance.NoPatience)
	if err != nil || len(findings) != 1 || !strings.Contains(findings[0].Summary, "disabled in the tenant") {
		t.Fatalf("a disabled policy must be the one finding, got %+v %v", findings, err)
	}
	tenant.EnableTAP(nil)
	setup++
	checked, findings, err := e.Check(ctx, strings.ToUpper(ada.UserPrincipalName), tap.PassRequest{}, issuance.NoPatience)
	if err != nil || len(findings) != 0 || checked.User.ID != ada.ID {
		t.Fatalf("a user named in upper case resolves to them, got %+v %+v %v", checked, findings, err)
	}
	checked, findings, err = e.Check(ctx, disabled.ID, tap.PassRequest{}, issuance.NoPatience)
	if err != nil || checked == nil || len(findings) != 1 || !findings[0].Warning || !strings.Contains(findings[0].Detail, "AADSTS50057") {
		t.Fatalf("a disabled account passes with a warning, got %+v %+v %v", checked, findings, err)
	}
	_, findings, err = e.Check(ctx, "nobody@"+tenant.Domain, tap.PassRequest{}, issuance.NoPatience)
	if err != nil || len(findings) != 1 || findings[0].Summary != "User not found" {
		t.Fatalf("an unknown user is a finding on user_id, got %+v %v", findings, err)
	}
	if w := writes(); w != setup {
		t.Fatalf("checks wrote to Graph: %v", tenant.Counters().ByRoute)
	}
}

// Guarantees 2 and 4: a delivery that fails revokes the pass and removes nothing.
func TestFailedDeliveryRevokesAndRemovesNothing(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	linus := tenant.LostKeyUser("linus")
	e := newEngine(t, tenant)
	before := methodTypes(t, tenant, linus.ID)

	issued, err := e.Issue(context.Background(), issuance.IssueRequest{
		User: lookUp(t, e, linus.ID), RemoveMethods: []string{"fido2"},
		Deliveries: []issuance.Delivery{failingDelivery{}},
	})
	var ierr *issuance.Error
	if issued != nil || !errors.As(err, &ierr) || ierr.Step != issuance.StepDeliver || !ierr.Revoked {
		t.Fatalf("want a revoked delivery failure, got %+v %v", issued, err)
	}
	for _, want := range []string{"vault refused", "revoked", "no method was removed", ierr.PassID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error must say %q: %s", want, err)
		}
	}
	if passes, _ := tenant.Graph.ListTAPs(context.Background(), linus.ID); len(passes) != 0 {
		t.Errorf("the undelivered pass is still live: %v", passes)
	}
	if after := methodTypes(t, tenant, linus.ID); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("methods changed from %v to %v", before, after)
	}
}

type failingDelivery struct{}

func (failingDelivery) Channel() string { return "Key Vault secret tap-linus" }
func (failingDelivery) Deliver(context.Context, issuance.Pass) (issuance.Receipt, error) {
	return issuance.Receipt{}, errors.New("the vault refused the write (403 ForbiddenByRbac)")
}

// Guarantee 4: methods go after the pass is delivered, in an order Graph accepts.
func TestRemovalFollowsDelivery(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	linus := tenant.LostKeyUser("linus")
	e := newEngine(t, tenant)
	var order []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	issued, err := e.Issue(context.Background(), issuance.IssueRequest{
		User: lookUp(t, e, linus.ID), RemoveMethods: []string{"fido2", "microsoftAuthenticator"},
		Deliveries: []issuance.Delivery{recordingDelivery{note}}, Progress: note,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(issued.Removed) != 2 || len(order) != 5 || !strings.HasPrefix(order[0], "Issued") || !strings.HasPrefix(order[1], "delivered") ||
		!strings.Contains(order[3], "fido2") || !strings.Contains(order[4], "microsoftAuthenticator") {
		t.Fatalf("want issue, delivery, then the key and Authenticator removed: %q", order)
	}
	if !tenant.SignsIn(linus.ID, issued.Pass.Value) {
		t.Error("the recovery pass does not sign in")
	}
}

type recordingDelivery struct{ note func(string) }

func (recordingDelivery) Channel() string { return "test" }
func (d recordingDelivery) Deliver(_ context.Context, p issuance.Pass) (issuance.Receipt, error) {
	d.note("delivered " + p.ID)
	return issuance.Receipt{Channel: "test", Destination: "memory"}, nil
}

// Guarantee 4: a removal that fails says what was and was not removed; the pass stays, delivered.
func TestFailedRemovalListsWhatWasAndWasNotRemoved(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	linus := tenant.LostKeyUser("linus")
	if _, err := acctest.Control().AddFault(context.Background(), tenant.TenantID, control.Fault{Method: "DELETE", Path: "microsoftAuthenticatorMethods",
		Status: 503, ErrorCode: "serviceNotAvailable", Count: 100}); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, tenant)
	ctx, cancel := context.WithTimeout(context.Background(), 20e9)
	defer cancel()
	issued, err := e.Issue(ctx, issuance.IssueRequest{User: lookUp(t, e, linus.ID), RemoveMethods: []string{"fido2", "microsoftAuthenticator"}})
	var ierr *issuance.Error
	if !errors.As(err, &ierr) || ierr.Step != issuance.StepRemove || issued == nil || len(ierr.Removed) != 1 || len(ierr.NotRemoved) != 1 {
		t.Fatalf("want the key removed and Authenticator not, got %+v %v", issued, err)
	}
	if !strings.Contains(err.Error(), "Removed: fido2") || !strings.Contains(err.Error(), "Not removed: microsoftAuthenticator") {
		t.Errorf("the error must list both: %s", err)
	}
	if !tenant.SignsIn(linus.ID, issued.Pass.Value) {
		t.Error("the pass must still work")
	}
}

// Guarantee 3: Graph created the pass and answered 500. Once: the creation is sent again and replaces it.
// Twice: the pass created is revoked, and the error names the user and the pass.
func TestAnswerLostAfterGraphActed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault control.Fault
		fails int
	}{
		{"500 once", control.Fault{FailAfter: true, Status: 500, Count: 1}, 1},
		{"500 twice", control.Fault{FailAfter: true, Status: 500, Count: 2}, 2},
		{"connection dropped once", control.Fault{Drop: "after", Count: 1}, 1},
		{"connection dropped twice", control.Fault{Drop: "after", Count: 2}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tenant := acctest.NewTenant(t)
			tenant.EnableTAP(nil)
			ada := tenant.CreateUser("ada")
			tc.fault.Method, tc.fault.Path = "POST", "temporaryAccessPassMethods"
			if _, err := acctest.Control().AddFault(context.Background(), tenant.TenantID, tc.fault); err != nil {
				t.Fatal(err)
			}
			e := newEngine(t, tenant)
			issued, err := e.Issue(context.Background(), issuance.IssueRequest{User: lookUp(t, e, ada.ID)})
			passes, listErr := tenant.Graph.ListTAPs(context.Background(), ada.ID)
			if listErr != nil {
				t.Fatal(listErr)
			}
			if tc.fails == 1 {
				if err != nil || len(passes) != 1 || passes[0]["id"] != issued.Pass.ID || !tenant.SignsIn(ada.ID, issued.Pass.Value) {
					t.Fatalf("want the one live pass to be the one returned, got %v, %v", passes, err)
				}
				return
			}
			var ierr *issuance.Error
			if !errors.As(err, &ierr) || !ierr.Revoked || len(passes) != 0 {
				t.Fatalf("want the unreadable pass revoked, got %v and passes %v", err, passes)
			}
			if !strings.Contains(err.Error(), ada.UserPrincipalName) || !strings.Contains(err.Error(), ierr.PassID) {
				t.Errorf("the error must name the user and the pass: %s", err)
			}
		})
	}
}

// Guarantee 2, hand-over: a pass read and confirmed is kept and forgotten; a pass never read, or read and not
// confirmed, is revoked.
func TestHandoversRevokeWhatWasNotConfirmed(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	client := tenant.GraphClient()
	e := issuance.New(issuance.Options{Graph: client, Policies: tenantPolicy{client}})
	h := e.Handovers()
	users := []control.User{tenant.CreateUser("read"), tenant.CreateUser("unread"), tenant.CreateUser("unconfirmed")}
	ids := map[string]string{}
	for _, u := range users {
		issued, err := e.Issue(context.Background(), issuance.IssueRequest{User: lookUp(t, e, u.ID)})
		if err != nil {
			t.Fatal(err)
		}
		pass := issued.Pass
		h.Put(pass, func(ctx context.Context) error { return client.DeleteTAP(ctx, pass.User.ID, pass.ID) }, nil)
		ids[u.DisplayName] = pass.ID
	}
	if p, ok := h.Open(ids["read"]); !ok || p.Value == "" {
		t.Fatal("a pass put must open with its value")
	}
	h.Confirm(ids["read"])
	if _, ok := h.Open(ids["unconfirmed"]); !ok {
		t.Fatal("open")
	}
	if _, ok := h.Open("6f1967b7-15e8-4935-ac26-d50770ed07a7"); ok {
		t.Fatal("a pass this process did not mint must not open")
	}
	unconfirmed := h.RevokeUnconfirmed(context.Background())
	if len(unconfirmed) != 2 || h.Pending() != 0 {
		t.Fatalf("want the unread and the unconfirmed pass revoked, got %v", unconfirmed)
	}
	for _, u := range users {
		passes, _ := tenant.Graph.ListTAPs(context.Background(), u.ID)
		if live := len(passes) == 1; live != (u.DisplayName == "read") {
			t.Errorf("%s: live = %v", u.DisplayName, live)
		}
	}
}

// Guarantee 5: a second label for a claimed user is refused; the same label may claim again.
func TestClaimsOneUserOnePass(t *testing.T) {
	var c issuance.Claims
	if _, ok := c.Claim("7A3C0000-0000-0000-0000-000000000000", `user_id = "ada@contoso.com"`); !ok {
		t.Fatal("first claim")
	}
	if _, ok := c.Claim("7a3c0000-0000-0000-0000-000000000000", `user_id = "ada@contoso.com"`); !ok {
		t.Fatal("the same label may claim again (a replacement is planned twice)")
	}
	if holder, ok := c.Claim("7a3c0000-0000-0000-0000-000000000000", `user_id = "7a3c0000-0000-0000-0000-000000000000"`); ok || !strings.Contains(holder, "ada@") {
		t.Fatalf("another label for the same user must be refused, naming the holder: %q", holder)
	}
}

// BenchmarkIssue measures the engine's own cost of minting one pass against the emulator without latency:
// the Graph SDK, TLS and the emulator's work, all on this machine.
func BenchmarkIssue(b *testing.B) {
	tenant := acctest.NewTenant(b)
	tenant.EnableTAP(nil)
	client := tenant.GraphClient()
	e := issuance.New(issuance.Options{Graph: client, Policies: tenantPolicy{client}})
	user, err := e.Resolve(context.Background(), tenant.CreateUser("bench").ID, issuance.NoPatience)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.Issue(context.Background(), issuance.IssueRequest{User: *user}); err != nil {
			b.Fatal(err)
		}
	}
}

// Microsoft documents two readings of issuing to a user outside the policy's targets: Graph refuses, or Graph
// creates a pass that cannot sign in. Under either, the user keeps every method and holds no pass.
func TestOutOfScopeUserKeepsEveryMethodUnderBothReadings(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allowCreateOutOfScope=%v", allow), func(t *testing.T) {
			tenant := acctest.NewTenant(t)
			group, err := tenant.Graph.CreateGroup(context.Background(), "New starters")
			if err != nil {
				t.Fatal(err)
			}
			tenant.EnableTAP(map[string]any{"includeTargets": []map[string]any{{"id": group.ID, "targetType": "group", "isRegistrationRequired": false}}})
			if _, err := acctest.Control().PatchSettings(context.Background(), tenant.TenantID, control.Settings{"allowCreateOutOfScope": allow}); err != nil {
				t.Fatal(err)
			}
			linus := tenant.LostKeyUser("linus") // not in the group
			e := newEngine(t, tenant)
			before := methodTypes(t, tenant, linus.ID)
			_, err = e.Issue(context.Background(), issuance.IssueRequest{User: lookUp(t, e, linus.ID), RemoveMethods: []string{"all"}})
			if err == nil || !strings.Contains(err.Error(), "no method was removed") {
				t.Fatalf("want a refusal that removed nothing, got %v", err)
			}
			if after := methodTypes(t, tenant, linus.ID); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("methods changed from %v to %v", before, after)
			}
			if passes, _ := tenant.Graph.ListTAPs(context.Background(), linus.ID); len(passes) != 0 {
				t.Errorf("the user holds a pass that cannot sign in: %v", passes)
			}
		})
	}
}

// The token's own grants say what a read-only plan identity cannot do; the full app warns of nothing.
func TestPermissionWarningsFromTheTokensGrants(t *testing.T) {
	tenant := acctest.NewTenant(t)
	e := newEngine(t, tenant)
	if w := e.PermissionWarnings(context.Background(), graph.IssuePasses, graph.RemoveMethods); len(w) != 0 {
		t.Fatalf("the default app may do everything, got %+v", w)
	}
	reader, err := acctest.Control().CreateApp(context.Background(), tenant.TenantID, control.App{
		Roles: []string{"Policy.Read.AuthenticationMethod", "User.Read.All", "UserAuthMethod-TAP.Read.All"}})
	if err != nil {
		t.Fatal(err)
	}
	readOnly := *tenant
	readOnly.ClientID, readOnly.ClientSecret = reader.ClientID, reader.ClientSecret
	client := readOnly.GraphClient()
	e = issuance.New(issuance.Options{Graph: client, Policies: tenantPolicy{client}})
	w := e.PermissionWarnings(context.Background(), graph.IssuePasses, graph.RemoveMethods)
	if len(w) != 2 || !w[0].Warning || !strings.Contains(w[0].Detail, "UserAuthMethod-TAP.ReadWrite.All") {
		t.Fatalf("want two warnings naming the write permissions, got %+v", w)
	}
}
