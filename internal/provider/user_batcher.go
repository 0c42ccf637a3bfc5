package provider

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// How long a lookup waits for others (graph.Coalescer): about one round trip for the plan's checks, which are
// on every pass's critical path; up to three for a refresh's pass reads, which are not, so that a no-change
// re-apply costs few requests.
const (
	checkLingerFactor = 1.0
	readLingerFactor  = 3.0
)

// userBatcher coalesces the directory and pass reads that many passes make at the same time (Terraform runs up
// to -parallelism of them at once) into shared requests:
//
//   - user lookups, by object id or user principal name, with every property the checks need: GET
//     /users?$filter=id in (…) (15 a request), those requests together in one $batch;
//   - group membership checks: checkMemberGroups requests together in one $batch;
//   - pass reads (the refresh of a managed pass): GET …/temporaryAccessPassMethods/{id} requests together in one
//     $batch.
//
// Fallbacks: a $batch Graph refuses makes the client send its requests one by one (graph.Client); a $filter Graph
// refuses (400) makes user lookups single reads (GET /users/{id}) for the rest of the process; requests throttled
// inside a $batch are sent again after their Retry-After (graph.Client).
type userBatcher struct {
	client   *graph.Client
	notes    *runNotes
	users    *graph.Coalescer[string, *graph.User]
	members  *graph.Coalescer[memberKey, map[string]bool]
	passes   *graph.Coalescer[graph.PassRef, *graph.TemporaryAccessPass]
	oneByOne atomic.Bool

	prefetchOnce sync.Once
	prefetch     *passPrefetch
}

// passPrefetch is the read, at a refresh's first pass, of every pass the previous run noted (runNotes).
type passPrefetch struct {
	listed  map[graph.PassRef]bool
	done    chan struct{}
	results map[graph.PassRef]graph.PassResult // written before done closes
}

type memberKey struct {
	user   string
	groups string // the group ids, sorted, comma-separated
}

func newUserBatcher(client *graph.Client, notes *runNotes) *userBatcher {
	b := &userBatcher{client: client, notes: notes}
	b.users = &graph.Coalescer[string, *graph.User]{Fetch: b.fetchUsers, Max: graph.FilterInLimit * graph.MaxBatch,
		Factor: checkLingerFactor, MinLinger: 2 * time.Millisecond, MaxLinger: 50 * time.Millisecond}
	b.members = &graph.Coalescer[memberKey, map[string]bool]{Fetch: b.fetchMembers, Max: graph.MaxBatch,
		Factor: checkLingerFactor, MinLinger: 2 * time.Millisecond, MaxLinger: 50 * time.Millisecond}
	b.passes = &graph.Coalescer[graph.PassRef, *graph.TemporaryAccessPass]{Fetch: b.fetchPasses, Max: graph.MaxBatch,
		Factor: readLingerFactor, MinLinger: 5 * time.Millisecond, MaxLinger: 150 * time.Millisecond}
	return b
}

// Get returns the user an object id or user principal name names, with every property of graph.User. A user
// that does not exist (or has not replicated yet) yields an error matching graph.ErrNotFound.
func (b *userBatcher) Get(ctx context.Context, ref string) (*graph.User, error) {
	if u, ok := b.notes.user(ref); ok {
		return &u, nil // the plan of this run resolved it (runNotes)
	}
	if b.oneByOne.Load() {
		u, err := b.client.GetUser(ctx, ref)
		if err == nil {
			b.notes.noteUser(ref, *u)
		}
		return u, err
	}
	return b.users.Get(ctx, strings.ToLower(ref))
}

func (b *userBatcher) fetchUsers(ctx context.Context, refs []string) map[string]graph.Result[*graph.User] {
	found := b.client.LookUpUsers(graph.MaskSecrets(ctx), refs)
	out := make(map[string]graph.Result[*graph.User], len(refs))
	for _, ref := range refs {
		l := found[ref]
		switch gerr, ok := graph.AsError(l.Err); {
		case l.User != nil:
			out[ref] = graph.Result[*graph.User]{Value: l.User}
			b.notes.noteUser(ref, *l.User)
		case ok && gerr.StatusCode == http.StatusBadRequest:
			// A $filter this Graph does not take (a sovereign cloud, a proxy): one read per user from now on.
			if !b.oneByOne.Swap(true) {
				tflog.Warn(ctx, "Microsoft Graph refused a user lookup with $filter; reading users one by one", map[string]any{"error": gerr.Error()})
			}
			u, err := b.client.GetUser(ctx, ref)
			out[ref] = graph.Result[*graph.User]{Value: u, Err: err}
			if err == nil {
				b.notes.noteUser(ref, *u)
			}
		case l.Err != nil:
			out[ref] = graph.Result[*graph.User]{Err: l.Err}
		default:
			out[ref] = graph.Result[*graph.User]{Err: graph.UserNotFoundError(ref)}
		}
	}
	return out
}

// CheckMemberGroups returns which of groupIDs the user belongs to, sharing a $batch with concurrent checks.
func (b *userBatcher) CheckMemberGroups(ctx context.Context, userID string, groupIDs []string) (map[string]bool, error) {
	sorted := slices.Clone(groupIDs)
	slices.Sort(sorted)
	key := memberKey{user: strings.ToLower(userID), groups: strings.Join(sorted, ",")}
	if in, ok := b.notes.members(key); ok {
		return in, nil
	}
	return b.members.Get(ctx, key)
}

func (b *userBatcher) fetchMembers(ctx context.Context, keys []memberKey) map[memberKey]graph.Result[map[string]bool] {
	checks := make([]graph.MemberCheck, len(keys))
	for i, k := range keys {
		checks[i] = graph.MemberCheck{UserID: k.user, GroupIDs: strings.Split(k.groups, ",")}
	}
	results := b.client.CheckMemberGroupsMany(graph.MaskSecrets(ctx), checks)
	out := make(map[memberKey]graph.Result[map[string]bool], len(keys))
	for i, k := range keys {
		out[k] = graph.Result[map[string]bool]{Value: results[i].Member, Err: results[i].Err}
		if results[i].Err == nil {
			b.notes.noteMembers(k, results[i].Member)
		}
	}
	return out
}

// GetTAP reads a pass, sharing a $batch with concurrent reads (a refresh reads every managed pass).
func (b *userBatcher) GetTAP(ctx context.Context, userID, id string) (*graph.TemporaryAccessPass, error) {
	ref := graph.PassRef{UserID: userID, ID: id}
	b.prefetchOnce.Do(func() { b.prefetch = b.startPrefetch(ctx) })
	if p := b.prefetch; p != nil {
		if p.listed[ref] {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-p.done:
			}
			r := p.results[ref]
			if r.Err == nil && r.Pass != nil {
				b.notes.notePass(ref)
			}
			return r.Pass, r.Err
		}
	}
	pass, err := b.passes.Get(ctx, ref)
	if err == nil && pass != nil {
		b.notes.notePass(ref)
	}
	return pass, err
}

// noteIssued records a pass this run issued, for the next run's refresh.
func (b *userBatcher) noteIssued(userID, passID string) {
	b.notes.notePass(graph.PassRef{UserID: userID, ID: passID})
}

// startPrefetch reads every pass the previous run noted, in $batch envelopes, for the Reads of this refresh.
// Its context keeps the first Read's values but not its cancellation, with a bound of its own.
func (b *userBatcher) startPrefetch(ctx context.Context) *passPrefetch {
	refs := b.notes.previousPasses()
	if len(refs) < 2 {
		return nil
	}
	p := &passPrefetch{listed: make(map[graph.PassRef]bool, len(refs)), done: make(chan struct{}), results: make(map[graph.PassRef]graph.PassResult, len(refs))}
	for _, r := range refs {
		p.listed[r] = true
	}
	go func() {
		defer close(p.done)
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		tflog.Debug(ctx, "Reading the passes the previous run held, together", map[string]any{"passes": len(refs)})
		for i, r := range b.client.GetTAPs(graph.MaskSecrets(fetchCtx), refs) {
			p.results[refs[i]] = r
		}
	}()
	return p
}

func (b *userBatcher) fetchPasses(ctx context.Context, refs []graph.PassRef) map[graph.PassRef]graph.Result[*graph.TemporaryAccessPass] {
	results := b.client.GetTAPs(graph.MaskSecrets(ctx), refs)
	out := make(map[graph.PassRef]graph.Result[*graph.TemporaryAccessPass], len(refs))
	for i, r := range refs {
		out[r] = graph.Result[*graph.TemporaryAccessPass]{Value: results[i].Pass, Err: results[i].Err}
	}
	return out
}
