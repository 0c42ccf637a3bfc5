package issuance

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// Handovers keeps the passes the managed resource mints for another provider's write-only argument until
// Terraform has read them (the ephemeral resource's Open) and confirmed that every consumer succeeded (its
// Close, which Terraform skips when a consumer fails). Entries live in process memory only: the pass is never
// written anywhere.
//
// When the provider process ends, RevokeUnconfirmed revokes every pass that was never read, or was read but
// not confirmed: nobody may keep a live pass that no consumer received. The next plan then finds the pass gone
// and issues a new one, and the consumers, whose version follows the pass, receive it.
type Handovers struct {
	mu      sync.Mutex
	entries map[string]*handover
}

type handover struct {
	pass   Pass
	revoke func(context.Context) error
	// settled runs once the pass is confirmed, or revoked: nothing is left to repair.
	settled func()
	// opens counts reads not yet confirmed; read says the pass was read at least once.
	opens int
	read  bool
}

// NewHandovers returns an empty registry.
func NewHandovers() *Handovers { return &Handovers{entries: map[string]*handover{}} }

// Put keeps a pass for the hand-over; revoke deletes it from Graph; settled, when not nil, runs once the pass
// is confirmed or revoked.
func (h *Handovers) Put(p Pass, revoke func(context.Context) error, settled func()) {
	if settled == nil {
		settled = func() {}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries[p.ID] = &handover{pass: p, revoke: revoke, settled: settled}
}

// Open returns the pass with this id if this process minted it, and counts one read to be confirmed.
func (h *Handovers) Open(passID string) (Pass, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.entries[passID]
	if !ok {
		return Pass{}, false
	}
	e.opens++
	e.read = true
	return e.pass, true
}

// Confirm records that Terraform closed one read: its consumers succeeded. When every read is confirmed the
// pass is forgotten, its value with it.
func (h *Handovers) Confirm(passID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.entries[passID]
	if !ok {
		return
	}
	if e.opens > 0 {
		e.opens--
	}
	if e.read && e.opens == 0 {
		delete(h.entries, passID)
		e.settled()
	}
}

// Pending counts the passes not yet confirmed.
func (h *Handovers) Pending() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.entries)
}

// Unconfirmed describes a pass RevokeUnconfirmed handled.
type Unconfirmed struct {
	User    graph.User
	PassID  string
	Read    bool
	Revoked bool
	Err     error
}

// RevokeUnconfirmed revokes every pass not confirmed, in parallel, and empties the registry.
func (h *Handovers) RevokeUnconfirmed(ctx context.Context) []Unconfirmed {
	h.mu.Lock()
	entries := h.entries
	h.entries = map[string]*handover{}
	h.mu.Unlock()

	out := make([]Unconfirmed, 0, len(entries))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, e := range entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := e.revoke(ctx)
			u := Unconfirmed{User: e.pass.User, PassID: e.pass.ID, Read: e.read, Revoked: err == nil || errors.Is(err, graph.ErrNotFound)}
			if u.Revoked {
				e.settled()
			} else {
				u.Err = err // the journal keeps the pass, so that the next run on this machine replaces it
			}
			mu.Lock()
			out = append(out, u)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (u Unconfirmed) String() string {
	what := "was never read by an ephemeral entra_temporary_access_pass"
	if u.Read {
		what = "was read, but Terraform did not confirm that its consumers succeeded"
	}
	if u.Revoked {
		return fmt.Sprintf("pass %s of %s %s: revoked", u.PassID, u.User.UserPrincipalName, what)
	}
	return fmt.Sprintf("pass %s of %s %s, and revoking it failed (%v): delete it by hand", u.PassID, u.User.UserPrincipalName, what, u.Err)
}
