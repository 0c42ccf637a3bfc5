package provider

import (
	"context"
	"fmt"
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
}

func newProviderData(client *graph.Client) *providerData {
	d := &providerData{graph: client, policy: &policyCache{client: client}, users: newUserBatcher(client)}
	d.engine = issuance.New(issuance.Options{Graph: client, Policies: d.policy, UserByID: d.users.Get, Handovers: handovers})
	return d
}

// handovers holds, for the life of the provider process, the passes the managed resource minted for the
// ephemeral hand-over (issuance.Handovers): Terraform serves one provider process per run phase, and the
// managed resource's create and the ephemeral resource's open meet there.
var handovers = issuance.NewHandovers()

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
type policyCache struct {
	client *graph.Client

	mu     sync.Mutex
	policy *tap.Policy
	// planned is the policy as a plan of the policy resource in this run will leave it.
	planned *tap.Policy
}

// Get returns the cached policy, reading it on first use. Concurrent first callers wait for one read.
func (c *policyCache) Get(ctx context.Context) (tap.Policy, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.policy == nil {
		p, err := c.client.GetTAPPolicy(ctx)
		if err != nil {
			return tap.Policy{}, err
		}
		c.policy = p
	}
	return *c.policy, nil
}

// Refresh reads the policy from Graph and updates the cache.
func (c *policyCache) Refresh(ctx context.Context) (tap.Policy, error) {
	p, err := c.client.GetTAPPolicy(ctx)
	if err != nil {
		return tap.Policy{}, err
	}
	c.Set(*p)
	return *p, nil
}

// Set records a policy this process just wrote or read.
func (c *policyCache) Set(p tap.Policy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.policy = &p
}

// Forget drops the cached policy, e.g. after a reset whose result Graph does not return.
func (c *policyCache) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.policy = nil
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
