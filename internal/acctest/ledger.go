package acctest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest/consumers"
)

// Route names of the pass lifecycle, for the ledger and request budgets.
const (
	RouteDeleteTAP = "DELETE /v1.0/users/{id}/authentication/temporaryAccessPassMethods/{id}"
	RouteGetTAP    = "GET /v1.0/users/{id}/authentication/temporaryAccessPassMethods/{id}"
)

// Ledger is what happened to the passes of a tenant, as the emulator and the consumers saw it: the invariant
// the provider keeps is that every live pass is held by the consumer that asked for it.
type Ledger struct {
	// Minted is the number of passes the emulator issued; Revoked the deletions it answered.
	Minted, Revoked int
	// Live maps each user holding a pass that has not expired to the pass's id.
	Live map[string]string
	// Delivered counts the values consumers received; Held maps each consumer key to its latest value.
	Delivered int
	Held      map[string]string
}

// Ledger reads the tenant's passes and the deliveries of the consumers whose key starts with keyPrefix.
func (tn *Tenant) Ledger(keyPrefix string, users ...string) Ledger {
	tn.t.Helper()
	l := Ledger{Minted: len(tn.IssuedPasses()), Live: map[string]string{}, Held: map[string]string{}}
	l.Revoked = int(tn.Counters().ByRoute[RouteDeleteTAP])
	// Read concurrently: under a throttling fault each read may wait out a Retry-After.
	passes := make([][]map[string]any, len(users))
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			passes[i], errs[i] = tn.Graph.ListTAPs(context.Background(), u)
		}()
	}
	wg.Wait()
	for i, u := range users {
		if errs[i] != nil {
			tn.t.Fatalf("acctest: listing the passes of %s: %v", u, errs[i])
		}
		for _, p := range passes[i] {
			if usable, _ := p["methodUsabilityReason"].(string); !strings.EqualFold(usable, "Expired") {
				l.Live[u], _ = p["id"].(string)
			}
		}
	}
	for _, k := range consumers.Keys(keyPrefix) {
		d := consumers.Deliveries(k)
		l.Delivered += len(d)
		l.Held[k] = d[len(d)-1].Value
	}
	return l
}

func (l Ledger) String() string {
	keys := make([]string, 0, len(l.Held))
	for k := range l.Held {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Sprintf("minted %d, revoked %d, live %d, delivered %d to %d consumers", l.Minted, l.Revoked, len(l.Live), l.Delivered, len(keys))
}

// SignsIn reports whether the user can sign in with the pass now, by the tenant's clock. A one-time pass is
// used up by a successful sign-in.
func (tn *Tenant) SignsIn(user, pass string) bool {
	tn.t.Helper()
	res, err := shared.control.SignIn(context.Background(), tn.TenantID, user, pass)
	if err != nil {
		tn.t.Fatalf("acctest: signing in as %s: %v", user, err)
	}
	return res.Success
}

// IsIssued reports whether the value is a pass the emulator issued in this tenant.
func (tn *Tenant) IsIssued(value string) bool {
	tn.t.Helper()
	for _, p := range tn.IssuedPasses() {
		if p == value {
			return true
		}
	}
	return false
}
