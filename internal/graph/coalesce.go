package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what a Coalescer answers for one key.
type Result[V any] struct {
	Value V
	Err   error
}

// Coalescer serves the lookups that many operations make at the same time with shared requests. Terraform runs
// up to -parallelism operations at once. When its CPU keeps up, they arrive in waves: a shared request returns,
// its callers finish, and Terraform starts as many new operations, which arrive within a millisecond or two.
// When the CPU is the bottleneck (Terraform's own work per resource instance is tens of milliseconds), they
// trickle in. So a lookup does not go alone at once:
//
//   - when every caller the coalescer has seen at once (its high-water mark) is waiting or in a request in
//     flight, the wave is complete and the waiting lookups go at once;
//   - when Max keys wait, they go at once;
//   - otherwise they go once the first of them has waited the linger: Factor times the recent duration of a
//     shared request, within [MinLinger, MaxLinger]. Waiting about one round trip gathers what arrives in one,
//     the batch a lookup would have met anyway had it waited for a request in flight.
//
// Several requests may be in flight at once.
type Coalescer[K comparable, V any] struct {
	// Fetch answers a set of keys; a key it leaves out gets the zero Result.
	Fetch func(ctx context.Context, keys []K) map[K]Result[V]
	// Max is the most keys one Fetch serves.
	Max int
	// Factor scales the recent request duration into the linger; MinLinger and MaxLinger bound it.
	Factor               float64
	MinLinger, MaxLinger time.Duration

	mu       sync.Mutex
	pending  map[K][]*waiter[V]
	keys     []K
	waiting  int // callers in pending
	inFlight int // callers whose Fetch is running
	hwm      int
	timer    *time.Timer
	timerGen uint64
	// rtt is the recent duration of a Fetch (moving average), 0 before the first.
	rtt     time.Duration
	fetches atomic.Int64
}

type waiter[V any] struct {
	ctx context.Context
	ch  chan Result[V]
}

// Fetches counts the shared requests made so far (for tests).
func (c *Coalescer[K, V]) Fetches() int64 { return c.fetches.Load() }

// Get returns the answer for key, shared with every concurrent Get of the same key.
func (c *Coalescer[K, V]) Get(ctx context.Context, key K) (V, error) {
	w := &waiter[V]{ctx: ctx, ch: make(chan Result[V], 1)}
	c.mu.Lock()
	if c.pending == nil {
		c.pending = map[K][]*waiter[V]{}
	}
	if _, ok := c.pending[key]; !ok {
		c.keys = append(c.keys, key)
	}
	c.pending[key] = append(c.pending[key], w)
	c.waiting++
	inside := c.waiting + c.inFlight
	switch {
	case len(c.keys) >= max(c.Max, 1):
		c.flushLocked()
	case inside == c.hwm:
		// The whole wave is here.
		c.flushLocked()
	default:
		if inside > c.hwm {
			c.hwm = inside
		}
		if c.timer == nil {
			gen := c.timerGen
			c.timer = time.AfterFunc(c.lingerLocked(), func() { c.lingered(gen) })
		}
	}
	c.mu.Unlock()

	select {
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	case r := <-w.ch:
		return r.Value, r.Err
	}
}

// lingerLocked is how long the first waiting lookup waits for others.
func (c *Coalescer[K, V]) lingerLocked() time.Duration {
	d := c.MinLinger
	if c.rtt > 0 {
		d = time.Duration(float64(c.rtt) * c.Factor)
	}
	return min(max(d, c.MinLinger), c.MaxLinger)
}

// lingered sends what waits once the linger has passed.
func (c *Coalescer[K, V]) lingered(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.timerGen || c.timer == nil {
		return
	}
	c.flushLocked()
}

// flushLocked starts a Fetch of every waiting key. Called with c.mu held.
func (c *Coalescer[K, V]) flushLocked() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.timerGen++
	if len(c.keys) == 0 {
		return
	}
	keys, batch, callers := c.keys, c.pending, c.waiting
	c.keys, c.pending, c.waiting = nil, map[K][]*waiter[V]{}, 0
	c.inFlight += callers
	c.fetches.Add(1)
	go c.fetch(keys, batch, callers)
}

// fetch runs one shared request. Its context keeps the first caller's values (its logger), has a bound of its
// own, and is cancelled once every caller it serves has given up (an interrupt cancels them all at once).
func (c *Coalescer[K, V]) fetch(keys []K, batch map[K][]*waiter[V], callers int) {
	first := batch[keys[0]][0].ctx
	ctx, cancel := context.WithTimeout(context.WithoutCancel(first), 2*time.Minute)
	defer cancel()
	var remaining atomic.Int64
	remaining.Store(int64(callers))
	for _, ws := range batch {
		for _, w := range ws {
			stop := context.AfterFunc(w.ctx, func() {
				if remaining.Add(-1) == 0 {
					cancel()
				}
			})
			defer stop()
		}
	}
	start := time.Now()
	answers := c.Fetch(ctx, keys)
	took := time.Since(start)
	c.mu.Lock()
	c.inFlight -= callers
	if c.rtt == 0 {
		c.rtt = took
	} else {
		c.rtt = (3*c.rtt + took) / 4
	}
	c.mu.Unlock()
	for _, k := range keys {
		r := answers[k]
		for _, w := range batch[k] {
			w.ch <- r
		}
	}
}
