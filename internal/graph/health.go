package graph

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Reachability tunes what the client does when Graph gives no HTTP answer at all (a name that does not
// resolve, a refused connection, an untrusted certificate, silence). Such failures are retried for a short,
// bounded time shared by every request of the client; then the endpoint is judged unreachable and every
// later request fails at once with the same error, so that a run with many resources fails once, quickly,
// instead of once per resource after a long retry budget each.
//
// The verdict is reset by an HTTP answer (any status). To let a run recover when the network comes back,
// one request per ProbeAfter is let through while the endpoint is judged unreachable; it is tried once,
// without retries, and either resets the verdict or renews it.
type Reachability struct {
	// Budget bounds the time from the first connection failure since the last answer to the verdict
	// "unreachable". Retries stop early when the next wait would end past it. Default 10 s.
	Budget time.Duration
	// BaseDelay is the first wait between connection retries; it doubles per attempt up to 4 s, with
	// jitter. Default 500 ms.
	BaseDelay time.Duration
	// ConnectTimeout bounds the TCP connection, and separately the TLS handshake, of one attempt. It
	// applies to the default transport only. Default 5 s.
	ConnectTimeout time.Duration
	// AnswerTimeout bounds the wait for the response headers once a request is sent (default transport
	// only). The authentication methods APIs time out after 60 s on Graph's side (graph-spec §1.2), so a
	// longer silence is a dead server. Default 90 s.
	AnswerTimeout time.Duration
	// ProbeAfter is how long after the verdict one request is let through to check whether the endpoint
	// is back. Default 1 min; negative: never (the verdict holds for the life of the client).
	ProbeAfter time.Duration
}

// DefaultReachability fails a dead endpoint within about ten seconds.
var DefaultReachability = Reachability{
	Budget: 10 * time.Second, BaseDelay: 500 * time.Millisecond, ConnectTimeout: 5 * time.Second,
	AnswerTimeout: 90 * time.Second, ProbeAfter: time.Minute,
}

func (r Reachability) withDefaults() Reachability {
	if r.Budget <= 0 {
		r.Budget = DefaultReachability.Budget
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = DefaultReachability.BaseDelay
	}
	if r.ConnectTimeout <= 0 {
		r.ConnectTimeout = DefaultReachability.ConnectTimeout
	}
	if r.AnswerTimeout <= 0 {
		r.AnswerTimeout = DefaultReachability.AnswerTimeout
	}
	if r.ProbeAfter == 0 {
		r.ProbeAfter = DefaultReachability.ProbeAfter
	}
	return r
}

// maxConnectDelay caps one wait between connection retries.
const maxConnectDelay = 4 * time.Second

// FailureKind says why a request got no HTTP answer.
type FailureKind string

// Failure kinds, from the low-level error (see ConnectionFailure).
const (
	FailureDNS     FailureKind = "dns"      // the host name does not resolve
	FailureRefused FailureKind = "refused"  // nothing accepts connections at host:port
	FailureNoRoute FailureKind = "no-route" // the network or host is unreachable
	FailureTLS     FailureKind = "tls"      // the certificate is not trusted, or the TLS handshake failed
	FailureTimeout FailureKind = "timeout"  // connecting, the TLS handshake or the answer took too long
	FailureReset   FailureKind = "reset"    // the connection was dropped or reset
	FailureOther   FailureKind = "other"    // any other transport error
)

// failure is a classified transport error.
type failure struct {
	kind FailureKind
	// notSent: the request cannot have reached Graph (it failed while resolving, connecting or in the
	// TLS handshake), so resending it is safe whatever its method.
	notSent bool
	// permanent: retrying cannot help within a run (a name that does not exist, an untrusted certificate).
	permanent bool
	// proxy: the failure was connecting to the HTTP proxy, not to Graph.
	proxy bool
	// untrusted: a TLS failure about the certificate (as opposed to a protocol mismatch).
	untrusted bool
	// phase: for a timeout, "connecting", "in the TLS handshake" or "waiting for the answer".
	phase string
}

// failureOther is a transport error classify does not recognize.
var failureOther = failure{kind: FailureOther}

// classify inspects a transport error. ok is false for errors that are not about the connection (a
// cancelled context, a request that could not be built).
func classify(err error) (failure, bool) {
	if err == nil || errors.Is(err, context.Canceled) {
		return failure{}, false
	}
	var f failure
	var op *net.OpError
	if errors.As(err, &op) {
		f.proxy = op.Op == "proxyconnect"
		f.notSent = op.Op == "dial" || op.Op == "proxyconnect"
	}
	var dns *net.DNSError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verification *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	var netErr net.Error
	switch {
	case errors.As(err, &dns):
		f.kind, f.notSent = FailureDNS, true
		f.permanent = dns.IsNotFound
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verification):
		f.kind, f.notSent, f.permanent, f.untrusted = FailureTLS, true, true, true
	case errors.As(err, &record), errors.As(err, &alert):
		f.kind, f.notSent, f.permanent = FailureTLS, true, true
	case errors.Is(err, syscall.ECONNREFUSED):
		f.kind, f.notSent = FailureRefused, true
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		f.kind, f.notSent = FailureNoRoute, true
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		f.kind = FailureTimeout
		msg := err.Error()
		switch {
		case strings.Contains(msg, "TLS handshake timeout"):
			f.phase, f.notSent = "in the TLS handshake", true
		case strings.Contains(msg, "awaiting response headers"):
			f.phase = "waiting for the answer"
		case f.notSent:
			f.phase = "connecting"
		default:
			f.phase = "waiting for the answer"
		}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		f.kind = FailureReset
	default:
		return classifyMessage(err.Error())
	}
	return f, true
}

// classifyMessage recognizes a transport failure from its text, for errors whose chain was flattened
// into a message (azidentity's credential chain keeps only the text of what each source returned).
func classifyMessage(msg string) (failure, bool) {
	switch {
	case strings.Contains(msg, "no such host"), strings.Contains(msg, "server misbehaving"):
		return failure{kind: FailureDNS, notSent: true}, true
	case strings.Contains(msg, "x509:"), strings.Contains(msg, "tls: failed to verify certificate"):
		return failure{kind: FailureTLS, notSent: true, permanent: true, untrusted: true}, true
	case strings.Contains(msg, "tls:"), strings.Contains(msg, "first record does not look like a TLS handshake"):
		return failure{kind: FailureTLS, notSent: true, permanent: true}, true
	case strings.Contains(msg, "connection refused"):
		return failure{kind: FailureRefused, notSent: true}, true
	case strings.Contains(msg, "no route to host"), strings.Contains(msg, "network is unreachable"):
		return failure{kind: FailureNoRoute, notSent: true}, true
	case strings.Contains(msg, "TLS handshake timeout"):
		return failure{kind: FailureTimeout, notSent: true, phase: "in the TLS handshake"}, true
	case strings.Contains(msg, "i/o timeout"), strings.Contains(msg, "timeout awaiting response headers"):
		return failure{kind: FailureTimeout, phase: "waiting for the answer"}, true
	case strings.Contains(msg, "connection reset"), strings.Contains(msg, "broken pipe"), strings.Contains(msg, "unexpected EOF"):
		return failure{kind: FailureReset}, true
	}
	return failure{}, false
}

// ConnectionFailure reports whether err (or, when its chain was flattened into text, its message) is a
// failure to get any HTTP answer, and of which kind. A cancelled context is not one.
func ConnectionFailure(err error) (FailureKind, bool) {
	f, ok := classify(err)
	return f.kind, ok
}

// NotSent reports whether err proves the request never reached Graph: the endpoint was already judged
// unreachable, or the attempt failed while resolving, connecting or in the TLS handshake. A creation that
// failed this way created nothing, so there is no lost answer to reconcile.
func NotSent(err error) bool {
	var u *UnreachableError
	if errors.As(err, &u) {
		return u.notSent
	}
	f, ok := classify(err)
	return ok && f.notSent
}

// UnreachableError says that an endpoint gave no HTTP answer: why, and how hard the client tried.
type UnreachableError struct {
	// Endpoint is the URL root the client talks to, e.g. https://graph.microsoft.com.
	Endpoint string
	// Host is the host:port that failed.
	Host string
	// Kind says why.
	Kind FailureKind
	// Untrusted is set for a TLS failure about the server's certificate.
	Untrusted bool
	// Proxy is set when the failure was connecting to the HTTPS proxy rather than to the endpoint.
	Proxy bool
	// Attempts and Elapsed are what was tried before the verdict.
	Attempts int
	Elapsed  time.Duration
	// Cause is the last low-level error.
	Cause   error
	phase   string
	notSent bool
}

func (e *UnreachableError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Microsoft Graph at %s is unreachable: ", e.Endpoint)
	host, _, _ := strings.Cut(e.Host, ":")
	switch {
	case e.Proxy:
		fmt.Fprintf(&b, "the HTTPS proxy in front of it failed (%s)", e.kindText())
	default:
		b.WriteString(e.kindText())
		if e.Kind == FailureDNS {
			fmt.Fprintf(&b, " (its host name %s does not resolve)", host)
		}
	}
	fmt.Fprintf(&b, ": %s", causeText(e.Cause))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, ". Gave up after %d attempts in %s", e.Attempts, e.Elapsed.Round(100*time.Millisecond))
	}
	b.WriteString(". Other requests of this run to it fail at once with this error")
	return b.String()
}

func (e *UnreachableError) kindText() string {
	switch e.Kind {
	case FailureDNS:
		return "DNS lookup failed"
	case FailureRefused:
		return "the connection to " + e.Host + " was refused (nothing accepts connections there)"
	case FailureNoRoute:
		return "there is no network route to " + e.Host
	case FailureTLS:
		if e.Untrusted {
			return "its TLS certificate is not trusted by this machine"
		}
		return "the TLS handshake with " + e.Host + " failed"
	case FailureTimeout:
		return "no answer in time (timed out " + orText(e.phase, "waiting") + ")"
	case FailureReset:
		return "the connection was dropped"
	}
	return "the request failed before any answer"
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// causeText is the innermost useful message: without the *url.Error prefix ("Get \"https://…\": "), which
// repeats the URL the message already names.
func causeText(err error) string {
	if err == nil {
		return "no detail"
	}
	var u *url.Error
	if errors.As(err, &u) && u.Err != nil {
		err = u.Err
	}
	return err.Error()
}

func (e *UnreachableError) Unwrap() error { return e.Cause }

// endpointHealth is the circuit breaker of one client: shared by every request, it turns repeated
// connection failures into one verdict.
type endpointHealth struct {
	endpoint string
	policy   Reachability
	now      func() time.Time

	mu sync.Mutex
	// failingSince is the start of the first failed attempt since the last answer (zero: healthy).
	failingSince time.Time
	// attempts counts the failed attempts of every request since then.
	attempts int
	down     *UnreachableError
	downAt   time.Time
	probing  bool
	// downCh is closed when the endpoint is judged unreachable, waking every request waiting to retry.
	downCh chan struct{}
}

func newEndpointHealth(endpoint string, p Reachability) *endpointHealth {
	return &endpointHealth{endpoint: endpoint, policy: p, now: time.Now, downCh: make(chan struct{})}
}

// admit is called before each attempt: it fails fast once the endpoint is judged unreachable, except for
// the periodic probe.
func (h *endpointHealth) admit() (probe bool, down <-chan struct{}, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down == nil {
		return false, h.downCh, nil
	}
	if h.policy.ProbeAfter >= 0 && !h.probing && h.now().Sub(h.downAt) >= h.policy.ProbeAfter {
		h.probing = true
		return true, h.downCh, nil
	}
	return false, h.downCh, h.down
}

// answered records an HTTP answer: the endpoint is reachable.
func (h *endpointHealth) answered(ctx context.Context) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down != nil {
		tflog.Info(ctx, "Microsoft Graph answers again", map[string]any{"endpoint": h.endpoint})
		h.downCh = make(chan struct{})
	}
	h.failingSince, h.attempts, h.down, h.probing = time.Time{}, 0, nil, false
}

// released ends a probe that was cancelled by its caller: the verdict stands, and another probe may go.
func (h *endpointHealth) released(probe bool) {
	if !probe {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.probing = false
}

// failed records a connection failure of a request's attempt number attempt, which started at start. It
// returns the verdict once the endpoint is judged unreachable, or else the wait before the request's next
// attempt. The budget is shared by every request (it runs from the first failure since the last answer);
// the backoff is each request's own, so that many requests failing at once do not shorten the budget.
func (h *endpointHealth) failed(ctx context.Context, host string, err error, f failure, attempt int, start time.Time, probe bool) (*UnreachableError, time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if h.down != nil {
		// A probe failed, or a request that was under way when the verdict came.
		if probe {
			h.probing = false
			h.downAt = now
		}
		return h.down.forAttempt(f), 0
	}
	if h.failingSince.IsZero() {
		h.failingSince = start
	}
	h.attempts++
	wait := connectBackoff(h.policy.BaseDelay, attempt)
	elapsed := now.Sub(h.failingSince)
	if !f.permanent && elapsed+wait <= h.policy.Budget {
		return nil, wait
	}
	h.down = &UnreachableError{
		Endpoint: h.endpoint, Host: host, Kind: f.kind, Untrusted: f.untrusted, Proxy: f.proxy,
		Attempts: h.attempts, Elapsed: elapsed, Cause: err, phase: f.phase, notSent: true,
	}
	h.downAt = now
	close(h.downCh)
	tflog.Error(MaskSecrets(ctx), "Microsoft Graph is unreachable; failing every further request at once", map[string]any{
		"endpoint": h.endpoint, "kind": string(f.kind), "attempts": h.attempts, "elapsed": elapsed.String(), "error": causeText(err),
	})
	return h.down.forAttempt(f), 0
}

// forAttempt is the verdict as reported to a request whose own last attempt failed with f: when that
// attempt may have reached Graph (a connection dropped after sending), NotSent must not say otherwise,
// so that a creation is still reconciled.
func (e *UnreachableError) forAttempt(f failure) *UnreachableError {
	if f.notSent {
		return e
	}
	c := *e
	c.notSent = false
	return &c
}

// connectBackoff is the wait before connection retry n (1-based): doubling from base, capped, jittered
// over the upper half.
func connectBackoff(base time.Duration, n int) time.Duration {
	return RetryPolicy{BaseDelay: base, MaxDelay: maxConnectDelay}.backoff(n)
}

// stickyCredential remembers a token request that failed for want of any answer from the token endpoint
// (azidentity has already retried it), so that the requests after it fail at once with the same error
// instead of each repeating azidentity's retries. A later probe, as for Graph itself, lets a run recover.
type stickyCredential struct {
	inner      azcore.TokenCredential
	probeAfter time.Duration
	now        func() time.Time

	mu      sync.Mutex
	err     error
	failed  time.Time
	probing bool
}

// GetToken implements azcore.TokenCredential.
func (c *stickyCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	probe := false
	if c.err != nil {
		if c.probeAfter < 0 || c.probing || c.now().Sub(c.failed) < c.probeAfter {
			err := c.err
			c.mu.Unlock()
			return azcore.AccessToken{}, err
		}
		c.probing, probe = true, true
	}
	c.mu.Unlock()

	tok, err := c.inner.GetToken(ctx, opts)

	c.mu.Lock()
	defer c.mu.Unlock()
	if probe {
		c.probing = false
	}
	switch {
	case err == nil:
		c.err = nil
	case ctx.Err() != nil:
		// The caller gave up; that says nothing about the token endpoint.
	default:
		if _, ok := classify(err); ok {
			if c.err == nil {
				tflog.Error(MaskSecrets(ctx), "The token endpoint is unreachable; failing every further sign-in at once", map[string]any{"error": err.Error()})
			}
			c.err, c.failed = err, c.now()
		}
	}
	return tok, err
}
