package provider

import (
	"context"
	"errors"
	"fmt"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// providerData is what Configure hands to every resource, data source and ephemeral resource.
type providerData struct {
	graph  *graph.Client
	policy *policyCache
	users  *userBatcher
	engine *issuance.Engine
	// tenantID keys the hand-over journal.
	tenantID string
	// cred is the provider's sign-in, shared with the Key Vault delivery.
	cred azcore.TokenCredential
}

func newProviderData(client *graph.Client, tenantID string) *providerData {
	d := &providerData{graph: client, policy: &policyCache{client: client}, users: newUserBatcher(client, openRunNotes(tenantID)), tenantID: tenantID}
	d.engine = issuance.New(issuance.Options{Graph: client, Policies: d.policy, UserByID: d.users.Get, Users: d.users.Get,
		MemberGroups: d.users.CheckMemberGroups, Handovers: handovers})
	return d
}

// handovers holds, for the life of the provider process, the passes the managed resource minted for the
// ephemeral hand-over (issuance.Handovers): Terraform serves one provider process per run phase, and the
// managed resource's create and the ephemeral resource's open meet there.
var handovers = issuance.NewHandovers()

// journal records the hand-overs not yet confirmed on this machine's disk (issuance.Journal), so that the next
// run recognises a pass whose provider process died before its consumers received it. Opened on first use.
var journal = sync.OnceValue(issuance.OpenJournal)

// Shutdown revokes the passes handed over in this process whose consumers Terraform never confirmed. main
// calls it when Terraform stops the provider; it returns one line per pass it handled, for the log.
func Shutdown(ctx context.Context) []string {
	var lines []string
	for _, u := range handovers.RevokeUnconfirmed(ctx) {
		lines = append(lines, u.String())
	}
	return lines
}

// providerDataFrom is the standard Configure guard: nil before the provider is configured, an error
// when the framework hands over something unexpected.
func providerDataFrom(in any, diags *diag.Diagnostics) *providerData {
	if in == nil {
		return nil
	}
	data, ok := in.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. Please report this issue to the provider developers.", in))
		return nil
	}
	return data
}

// policyCache reads the tenant's TAP policy once per provider process and shares it between every
// pass being validated or issued; the policy resource writes through it so that later reads in the same
// run see its changes.
//
// Its mutex is never held across a Graph call: concurrent callers share one read in flight and wait for
// it (or for their own context), and a read that fails is remembered for the run, so that N passes get
// one failure, not N reads with a retry budget each. A read cut short by its own context (every caller
// gave up, or the first caller's deadline passed) is not remembered.
type policyCache struct {
	client *graph.Client

	mu     sync.Mutex
	policy *tap.Policy
	// failure is the error of the last read, remembered for Get until a read or a write succeeds.
	failure error
	// gen counts writes (Set, Forget): a read started before a write does not satisfy a Refresh after it.
	gen    uint64
	flight *policyRead
	// planned is the policy as a plan of the policy resource in this run will leave it.
	planned *tap.Policy
}

// policyRead is one read of the policy in flight, shared by every caller waiting for it.
type policyRead struct {
	gen     uint64
	done    chan struct{}
	policy  tap.Policy
	err     error
	waiters int
	cancel  context.CancelFunc
}

// Get returns the cached policy, reading it on first use; a failed read is returned again without a new
// read.
func (c *policyCache) Get(ctx context.Context) (tap.Policy, error) {
	c.mu.Lock()
	if c.policy != nil {
		p := *c.policy
		c.mu.Unlock()
		return p, nil
	}
	if c.failure != nil {
		err := c.failure
		c.mu.Unlock()
		return tap.Policy{}, err
	}
	return c.join(ctx)
}

// Refresh reads the policy from Graph and updates the cache. Concurrent refreshes share one read.
func (c *policyCache) Refresh(ctx context.Context) (tap.Policy, error) {
	c.mu.Lock()
	return c.join(ctx)
}

// join waits for the read in flight, starting one if none of the current generation is. It is called
// with c.mu held and releases it.
func (c *policyCache) join(ctx context.Context) (tap.Policy, error) {
	f := c.flight
	if f == nil || f.gen != c.gen {
		f = c.start(ctx)
	}
	f.waiters++
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.policy, f.err
	case <-ctx.Done():
		c.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			// Nobody waits for it any more (an interrupt cancels every caller): stop it, and let the next
			// caller start afresh.
			f.cancel()
			if c.flight == f {
				c.flight = nil
			}
		}
		c.mu.Unlock()
		if errors.Is(ctx.Err(), context.Canceled) {
			return tap.Policy{}, fmt.Errorf("reading the Temporary Access Pass policy: interrupted (%w)", ctx.Err())
		}
		return tap.Policy{}, fmt.Errorf("reading the Temporary Access Pass policy: gave up when the operation's timeout ran out (%w)", ctx.Err())
	}
}

// start begins a shared read. Its context keeps the first caller's values (the logger) and deadline but
// not its cancellation: it is cancelled when every waiter has given up. Called with c.mu held.
func (c *policyCache) start(ctx context.Context) *policyRead {
	readCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if deadline, ok := ctx.Deadline(); ok {
		var cancelDeadline context.CancelFunc
		readCtx, cancelDeadline = context.WithDeadline(readCtx, deadline)
		cancelParent := cancel
		cancel = func() { cancelDeadline(); cancelParent() }
	}
	f := &policyRead{gen: c.gen, done: make(chan struct{}), cancel: cancel}
	c.flight = f
	go func() {
		defer cancel()
		p, err := c.client.GetTAPPolicy(readCtx)
		c.mu.Lock()
		if c.flight == f {
			c.flight = nil
		}
		switch {
		case err == nil:
			f.policy = *p
			if c.gen == f.gen {
				c.policy, c.failure = p, nil
			}
		case readCtx.Err() == nil && c.gen == f.gen:
			c.failure = err
		}
		f.err = err
		c.mu.Unlock()
		close(f.done)
	}()
	return f
}

// Set records a policy this process just wrote or read.
func (c *policyCache) Set(p tap.Policy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.policy, c.failure = &p, nil
}

// Forget drops the cached policy (and a remembered failure), e.g. after a reset whose result Graph does
// not return.
func (c *policyCache) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.policy, c.failure = nil, nil
}

// SetPlanned records the policy a planned change of the policy resource will write. Passes planned in
// the same run (with depends_on on the policy resource) are then checked against the policy they will
// meet at apply, not the one the tenant has now.
func (c *policyCache) SetPlanned(p tap.Policy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.planned = &p
}

// ForPasses returns the policy passes are checked against: the planned one when this run changes the
// policy, otherwise the tenant's.
func (c *policyCache) ForPasses(ctx context.Context) (tap.Policy, bool, error) {
	c.mu.Lock()
	planned := c.planned
	c.mu.Unlock()
	if planned != nil {
		return *planned, true, nil
	}
	p, err := c.Get(ctx)
	return p, false, err
}
