package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// userBatcher coalesces the user lookups that many passes make at the same time (Terraform opens up to
// -parallelism of them at once) into directoryObjects/getByIds requests. A lookup is sent at once when none
// is in flight; lookups arriving meanwhile wait for it and go together in the next request, so batching
// never adds more than one round trip of delay.
type userBatcher struct {
	client *graph.Client

	mu       sync.Mutex
	pending  map[string][]userWaiter
	inFlight bool
	// oneByOne is set once getByIds is refused (it needs Directory.Read.All, where a single user
	// read needs only User.Read.All): lookups then go one per user.
	oneByOne bool
}

type userResult struct {
	user *graph.User
	err  error
}

// userWaiter is one Get waiting for its lookup; the request that serves it is abandoned once every
// waiter it serves has given up (an interrupt cancels them all at once).
type userWaiter struct {
	ctx context.Context
	ch  chan userResult
}

// batchLimit is Graph's maximum number of ids in one getByIds request.
const batchLimit = 1000

func newUserBatcher(client *graph.Client) *userBatcher {
	return &userBatcher{client: client, pending: map[string][]userWaiter{}}
}

// Get returns the user with this object id. A user that does not exist (or has not replicated yet)
// yields an error matching graph.ErrNotFound.
func (b *userBatcher) Get(ctx context.Context, id string) (*graph.User, error) {
	key := strings.ToLower(id)
	ch := make(chan userResult, 1)
	b.mu.Lock()
	if b.oneByOne {
		b.mu.Unlock()
		return b.client.GetUser(ctx, id)
	}
	b.pending[key] = append(b.pending[key], userWaiter{ctx: ctx, ch: ch})
	start := !b.inFlight
	b.inFlight = true
	b.mu.Unlock()
	if start {
		go b.sendAll()
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		return r.user, r.err
	}
}

// sendAll sends the pending lookups, then those that arrived meanwhile, until none is left.
func (b *userBatcher) sendAll() {
	for {
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.inFlight = false
			b.mu.Unlock()
			return
		}
		batch := map[string][]userWaiter{}
		for id, waiters := range b.pending {
			if len(batch) == batchLimit {
				break
			}
			batch[id] = waiters
			delete(b.pending, id)
		}
		b.mu.Unlock()
		b.send(batch)
	}
}

func (b *userBatcher) send(batch map[string][]userWaiter) {
	ids := make([]string, 0, len(batch))
	var first context.Context
	waiting := 0
	for id, waiters := range batch {
		ids = append(ids, id)
		waiting += len(waiters)
		if first == nil && len(waiters) > 0 {
			first = waiters[0].ctx
		}
	}
	// The waiters have contexts of their own; the shared request keeps the first one's values (its
	// logger), has a bound of its own, and is cancelled when every waiter has given up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(first), 2*time.Minute)
	defer cancel()
	var remaining atomic.Int64
	remaining.Store(int64(waiting))
	for _, waiters := range batch {
		for _, w := range waiters {
			stop := context.AfterFunc(w.ctx, func() {
				if remaining.Add(-1) == 0 {
					cancel()
				}
			})
			defer stop()
		}
	}
	found, err := b.client.GetUsersByID(graph.MaskSecrets(ctx), ids)
	if errors.Is(err, graph.ErrForbidden) {
		b.mu.Lock()
		b.oneByOne = true
		b.mu.Unlock()
		for id, waiters := range batch {
			user, err := b.client.GetUser(graph.MaskSecrets(ctx), id)
			for _, w := range waiters {
				w.ch <- userResult{user: user, err: err}
			}
		}
		return
	}
	for id, waiters := range batch {
		var r userResult
		switch u, ok := found[id]; {
		case err != nil:
			r.err = err
		case !ok:
			r.err = &graph.Error{Operation: "looking up user " + id, StatusCode: http.StatusNotFound, Code: "Request_ResourceNotFound",
				Message: fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)}
		default:
			r.user = &u
		}
		for _, w := range waiters {
			w.ch <- r
		}
	}
}
