package graph

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	khttp "github.com/microsoft/kiota-http-go"
)

// RetryPolicy decides how throttled (429) and unavailable (503, 504) answers are retried (attempts that get
// no answer at all follow Reachability). Waiting never goes past the operation's deadline (its Terraform timeout):
// when the next wait would, the last answer is returned and becomes a clear error.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts per request, the first included.
	MaxAttempts int
	// BaseDelay is the first backoff step when Graph sends no Retry-After; it doubles per attempt.
	BaseDelay time.Duration
	// MaxDelay caps one backoff wait. A Retry-After from Graph is honoured even when longer.
	MaxDelay time.Duration
}

// DefaultRetryPolicy suits Graph's documented throttling: Retry-After is usually a few seconds.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 10, BaseDelay: time.Second, MaxDelay: 30 * time.Second}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultRetryPolicy.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultRetryPolicy.MaxDelay
	}
	return p
}

// backoff returns the wait before retry number n (1-based): exponential, capped, with jitter over the
// upper half so that many parallel requests throttled together do not come back in lockstep.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay << min(max(n-1, 0), 20)
	if d <= 0 || d > p.MaxDelay {
		d = p.MaxDelay
	}
	half := d / 2
	return half + rand.N(half+1)
}

// retryAfter parses a Retry-After header: delay seconds (fractions allowed) or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if d, ok := delaySeconds(v); ok {
		return d, true
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		// Other number forms ParseFloat reads (1e3, +5, Inf): capped, as converting a float64 beyond the
		// int64 range to a Duration gives a negative wait.
		if ns := secs * float64(time.Second); ns < math.MaxInt64 {
			return time.Duration(ns), true
		}
		return math.MaxInt64, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// delaySeconds reads delay-seconds written as decimal digits with an optional fraction ("120", "2.128"),
// exactly (float64 would turn 8.2 into 8.199999999s), truncated to the nanosecond and capped at the
// longest Duration (about 292 years).
func delaySeconds(v string) (time.Duration, bool) {
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" && frac == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, false
	}
	const maxSeconds = math.MaxInt64 / int64(time.Second)
	if whole = strings.TrimLeft(whole, "0"); len(whole) > 10 { // maxSeconds has 10 digits
		return math.MaxInt64, true
	}
	var secs, nanos int64
	for _, c := range whole {
		secs = secs*10 + int64(c-'0')
	}
	for i := range 9 {
		nanos *= 10
		if i < len(frac) {
			nanos += int64(frac[i] - '0')
		}
	}
	if secs > maxSeconds || secs == maxSeconds && nanos > math.MaxInt64%int64(time.Second) {
		return math.MaxInt64, true
	}
	return time.Duration(secs)*time.Second + time.Duration(nanos), true
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

type idempotentKey struct{}

// markIdempotent tells the retry middleware that a POST may be resent after a dropped connection
// (read-only actions such as checkMemberGroups).
func markIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	}
	marked, _ := req.Context().Value(idempotentKey{}).(bool)
	return marked
}

type retryMiddleware struct {
	policy RetryPolicy
	health *endpointHealth
	now    func() time.Time
	// sleep waits d, or less when ctx is done (its error is returned) or wake is closed (nil is returned).
	sleep func(ctx context.Context, d time.Duration, wake <-chan struct{}) error
}

func newRetryMiddleware(p RetryPolicy, health *endpointHealth) retryMiddleware {
	return retryMiddleware{policy: p, health: health, now: time.Now, sleep: sleepContext}
}

// sleepContext waits d, returning early with ctx's error when it is done, or with nil when wake closes.
// Every wait of the client goes through it, so an interrupt (Terraform cancels the request contexts on
// Ctrl-C and StopProvider) ends any retry at once.
func sleepContext(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
		return nil
	case <-t.C:
		return nil
	}
}

// Intercept implements khttp.Middleware. HTTP answers that ask for patience (429, 503, 504) are retried up
// to MaxAttempts, honouring Retry-After; attempts that get no answer at all are retried within the shared
// reachability budget of the endpoint (see Reachability), after which every request fails at once.
func (m retryMiddleware) Intercept(pipeline khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	body, err := bufferBody(req)
	if err != nil {
		return nil, err
	}
	connectAttempt := 0
	for attempt := 1; ; attempt++ {
		probe, down, err := m.health.admit()
		if err != nil {
			return nil, err
		}
		try := req.Clone(ctx)
		if body != nil {
			try.Body = io.NopCloser(bytes.NewReader(body))
			try.ContentLength = int64(len(body))
		}
		if attempt > 1 {
			try.Header.Set("Retry-Attempt", strconv.Itoa(attempt-1))
		}
		start := m.now()
		resp, err := pipeline.Next(try, index)
		if err == nil {
			m.health.answered(ctx)
		}

		var wait time.Duration
		var wake <-chan struct{}
		switch {
		case err != nil:
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				m.health.released(probe)
				return resp, err
			}
			failure, known := classify(err)
			if !known {
				// Any other transport error (an HTTP/2 GOAWAY, a malformed answer): no answer either.
				failure = failureOther
			}
			connectAttempt++
			verdict, next := m.health.failed(ctx, req.URL.Host, err, failure, connectAttempt, start, probe)
			if verdict != nil {
				return nil, verdict
			}
			if !failure.notSent && !idempotent(req) {
				// The request may have reached Graph: the caller reconciles (a creation is not resent blindly).
				return resp, err
			}
			if deadline, ok := ctx.Deadline(); ok && m.now().Add(next).After(deadline) {
				return resp, err
			}
			wait, wake = next, down
			tflog.Warn(MaskSecrets(ctx), "Microsoft Graph gave no answer; retrying", map[string]any{
				"method": req.Method, "path": req.URL.Path, "attempt": attempt, "kind": string(failure.kind),
				"wait": wait.String(), "error": causeText(err),
			})
		case retryableStatus(resp.StatusCode) && attempt < m.policy.MaxAttempts && (resp.StatusCode == http.StatusTooManyRequests || !mustSendOnce(req)):
			if after, ok := retryAfter(resp.Header, m.now()); ok {
				wait = after
			} else {
				wait = m.policy.backoff(attempt)
			}
			if deadline, ok := ctx.Deadline(); ok && m.now().Add(wait).After(deadline) {
				tflog.Warn(MaskSecrets(ctx), "Microsoft Graph is still throttling and the operation's timeout is near; giving up", map[string]any{
					"method": req.Method, "path": req.URL.Path, "status": resp.StatusCode, "attempt": attempt,
				})
				return resp, nil
			}
			tflog.Warn(MaskSecrets(ctx), "Microsoft Graph asked us to slow down; retrying", map[string]any{
				"method": req.Method, "path": req.URL.Path, "status": resp.StatusCode, "attempt": attempt,
				"wait": wait.String(), "request_id": resp.Header.Get("request-id"),
			})
			drain(resp)
		default:
			return resp, err
		}
		if err := m.sleep(ctx, wait, wake); err != nil {
			return nil, err
		}
	}
}

// bufferBody reads a request body once so that each attempt can resend it. Graph request bodies are small.
func bufferBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer func() { _ = req.Body.Close() }()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, errors.Join(errors.New("graph: reading request body"), err)
	}
	return b, nil
}

func drain(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
}
