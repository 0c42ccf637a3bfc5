package graph

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// staticCredential hands out a fixed token.
type staticCredential struct{ token string }

func (c staticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func newTestClient(t *testing.T, endpoint string, reach Reachability, transport http.RoundTripper) *Client {
	t.Helper()
	c, err := New(Options{Endpoint: endpoint, Credential: staticCredential{"test-token"}, UserAgent: "terraform-provider-entra/test",
		Reachability: reach, Transport: transport})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// silentListener accepts connections and never writes a byte.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// Each way an endpoint can be dead fails within the reachability budget, with an error that names the
// endpoint and the cause, and every later call fails at once with the same error. The times are logged
// (go test -v), not asserted: they depend on the machine.
func TestUnreachableEndpointFailsOnceQuicklyAndThenAtOnce(t *testing.T) {
	tlsServer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	tlsServer.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	tlsServer.StartTLS()
	t.Cleanup(tlsServer.Close)
	for _, tt := range []struct {
		name     string
		endpoint string
		kind     FailureKind
		says     []string
	}{
		{"connection refused", "https://" + closedPort(t), FailureRefused, []string{"was refused", "connection refused"}},
		{"unresolvable host", "https://graph.entra-provider-test.invalid", FailureDNS, []string{"DNS lookup failed", "graph.entra-provider-test.invalid does not resolve"}},
		{"untrusted certificate", tlsServer.URL, FailureTLS, []string{"TLS certificate is not trusted", "x509"}},
		{"accepts and never answers", "https://" + silentListener(t), FailureTimeout, []string{"no answer in time", "TLS handshake"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			ctx := tflogtest.RootLogger(context.Background(), &logs)
			client := newTestClient(t, tt.endpoint, Reachability{}, nil)

			start := time.Now()
			_, err := client.GetTAPPolicy(ctx)
			first := time.Since(start)
			var u *UnreachableError
			if !errors.As(err, &u) {
				t.Fatalf("want an UnreachableError, got %T: %v", err, err)
			}
			if u.Kind != tt.kind {
				t.Errorf("kind = %s, want %s (%v)", u.Kind, tt.kind, err)
			}
			msg := err.Error()
			for _, want := range append([]string{"reading the Temporary Access Pass policy: Microsoft Graph at " + strings.TrimRight(tt.endpoint, "/") + " is unreachable"}, tt.says...) {
				if !strings.Contains(msg, want) {
					t.Errorf("error does not say %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "Get \"https://") {
				t.Errorf("the URL error prefix repeats what the message says: %s", msg)
			}

			start = time.Now()
			_, again := client.GetUser(ctx, "adele@contoso.com")
			later := time.Since(start)
			var u2 *UnreachableError
			if !errors.As(again, &u2) || u2 != u {
				t.Errorf("a later call must fail with the same verdict, got %v", again)
			}
			if later > time.Second {
				t.Errorf("a later call took %s; it must fail at once", later)
			}
			if !NotSent(again) {
				t.Error("NotSent must hold for a call refused by the verdict")
			}
			t.Logf("%s: first call failed after %s (%d attempts), the next after %s:\n%s", tt.name, first.Round(time.Millisecond), u.Attempts, later, msg)

			if tt.kind == FailureRefused || tt.kind == FailureTimeout {
				if !strings.Contains(logs.String(), "Microsoft Graph gave no answer; retrying") {
					t.Errorf("retries must be logged (TF_LOG shows progress):\n%s", logs.String())
				}
			}
			if !strings.Contains(logs.String(), "Microsoft Graph is unreachable") || strings.Contains(logs.String(), "test-token") {
				t.Errorf("want the verdict logged, and never the token:\n%s", logs.String())
			}
		})
	}
}

// Many requests at once share one budget: they all fail together, not one after another.
func TestConcurrentRequestsShareOneBudget(t *testing.T) {
	var dials atomic.Int32
	refused := roundTripFunc(func(*http.Request) (*http.Response, error) {
		dials.Add(1)
		return nil, refusedErr()
	})
	client := newTestClient(t, "https://graph.example.com", Reachability{Budget: 400 * time.Millisecond, BaseDelay: 20 * time.Millisecond}, refused)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { _, errs[i] = client.GetTAPPolicy(context.Background()) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	var first *UnreachableError
	for i, err := range errs {
		var u *UnreachableError
		if !errors.As(err, &u) {
			t.Fatalf("request %d: %v", i, err)
		}
		if first == nil {
			first = u
		} else if u != first {
			t.Errorf("request %d got a different verdict", i)
		}
	}
	if elapsed > 2*time.Second {
		t.Errorf("20 requests took %s; they must share the 400ms budget", elapsed)
	}
	t.Logf("20 concurrent requests failed together after %s and %d attempts", elapsed.Round(time.Millisecond), dials.Load())
}

// After the verdict, a probe is let through now and then; an answer resets the verdict.
func TestProbeResetsTheVerdictWhenGraphIsBack(t *testing.T) {
	var up atomic.Bool
	var sent atomic.Int32
	transport := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		sent.Add(1)
		if !up.Load() {
			return nil, refusedErr()
		}
		return (&policyAnswer{}).RoundTrip(req)
	})
	client := newTestClient(t, "https://graph.example.com",
		Reachability{Budget: 50 * time.Millisecond, BaseDelay: 10 * time.Millisecond, ProbeAfter: 200 * time.Millisecond}, transport)
	if _, err := client.GetTAPPolicy(context.Background()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("want refused, got %v", err)
	}
	before := sent.Load()
	if _, err := client.GetTAPPolicy(context.Background()); err == nil || sent.Load() != before {
		t.Fatalf("within ProbeAfter nothing is sent: err %v, sent %d→%d", err, before, sent.Load())
	}
	time.Sleep(250 * time.Millisecond)
	if _, err := client.GetTAPPolicy(context.Background()); err == nil || sent.Load() != before+1 {
		t.Fatalf("a failed probe is one attempt and renews the verdict: err %v, sent %d→%d", err, before, sent.Load())
	}
	up.Store(true)
	if _, err := client.GetTAPPolicy(context.Background()); err == nil {
		t.Fatal("the renewed verdict holds until the next probe")
	}
	time.Sleep(250 * time.Millisecond)
	if _, err := client.GetTAPPolicy(context.Background()); err != nil {
		t.Fatalf("the probe got an answer, which resets the verdict: %v", err)
	}
	if _, err := client.GetTAPPolicy(context.Background()); err != nil {
		t.Fatalf("after the reset requests go through: %v", err)
	}
}

// An interrupt (Terraform cancels the request context on Ctrl-C and StopProvider) ends a retry at once,
// whether the client is waiting between attempts or in the middle of one.
func TestCancelEndsARetryAtOnce(t *testing.T) {
	for _, tt := range []struct {
		name     string
		endpoint string
	}{
		{"waiting between attempts", "https://" + closedPort(t)},
		{"in the middle of an attempt", "https://" + silentListener(t)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := newTestClient(t, tt.endpoint, Reachability{Budget: time.Minute, BaseDelay: 2 * time.Second, ConnectTimeout: 30 * time.Second}, nil)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := client.GetTAPPolicy(ctx)
				done <- err
			}()
			time.Sleep(300 * time.Millisecond)
			cancelled := time.Now()
			cancel()
			select {
			case err := <-done:
				took := time.Since(cancelled)
				if took > 100*time.Millisecond {
					t.Errorf("returned %s after the cancel, want within 100ms", took)
				}
				if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
					t.Errorf("want an interruption, got %v", err)
				}
				t.Logf("returned %s after the cancel: %v", took, err)
			case <-time.After(5 * time.Second):
				t.Fatal("the cancel was not honoured")
			}
			// An interruption is the caller's, not the endpoint's: it leaves no verdict behind.
			if _, _, err := client.health.admit(); err != nil {
				t.Errorf("a cancelled request must not judge the endpoint: %v", err)
			}
		})
	}
}

// A creation whose connection was refused was never sent, so it is retried like a read; one whose
// connection dropped after sending is not resent (the caller reconciles), and NotSent says which.
func TestConnectionFailuresOfACreation(t *testing.T) {
	var attempts atomic.Int32
	transport := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if attempts.Add(1) == 1 {
			return nil, refusedErr()
		}
		return nil, errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")
	})
	client := newTestClient(t, "https://graph.example.com", Reachability{Budget: time.Second, BaseDelay: 10 * time.Millisecond}, transport)
	_, err := client.CreateTAP(context.Background(), "u", NewTAP{})
	if attempts.Load() != 2 {
		t.Errorf("attempts = %d: a refused creation is resent, a dropped one is not", attempts.Load())
	}
	if err == nil || NotSent(err) {
		t.Errorf("a creation that dropped after sending may have reached Graph: err %v, NotSent %v", err, NotSent(err))
	}
	if kind, ok := ConnectionFailure(err); !ok || kind != FailureReset {
		t.Errorf("ConnectionFailure = %s, %v", kind, ok)
	}
}

func TestClassifyNamesEachCause(t *testing.T) {
	for _, tt := range []struct {
		err     error
		kind    FailureKind
		notSent bool
	}{
		{refusedErr(), FailureRefused, true},
		{&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, FailureDNS, true},
		{&net.OpError{Op: "dial", Err: timeoutErr{}}, FailureTimeout, true},
		{&net.OpError{Op: "read", Err: timeoutErr{}}, FailureTimeout, false},
		{&net.OpError{Op: "dial", Err: syscall.ENETUNREACH}, FailureNoRoute, true},
		{&net.OpError{Op: "proxyconnect", Err: syscall.ECONNREFUSED}, FailureRefused, true},
		{errors.New(`Post "https://login.example/t/oauth2/v2.0/token": tls: failed to verify certificate: x509: certificate signed by unknown authority`), FailureTLS, true},
		{errors.New("dial tcp: lookup login.example.invalid: no such host"), FailureDNS, true},
		{errors.New("net/http: TLS handshake timeout"), FailureTimeout, true},
	} {
		f, ok := classify(tt.err)
		if !ok || f.kind != tt.kind || f.notSent != tt.notSent {
			t.Errorf("classify(%v) = %+v, %v; want %s, notSent %v", tt.err, f, ok, tt.kind, tt.notSent)
		}
	}
	for _, err := range []error{context.Canceled, errors.New("invalid character 'x' looking for beginning of value")} {
		if _, ok := classify(err); ok {
			t.Errorf("classify(%v) must not call it a connection failure", err)
		}
	}
}

// A token endpoint that gives no answer is asked once: the next sign-ins fail at once with the same error.
func TestTokenEndpointFailureIsRemembered(t *testing.T) {
	inner := &countingCredential{err: errors.New(`ClientSecretCredential: Post "https://127.0.0.1:1/t/oauth2/v2.0/token": dial tcp 127.0.0.1:1: connect: connection refused`)}
	cred := &stickyCredential{inner: inner, probeAfter: time.Hour, now: time.Now}
	_, err1 := cred.GetToken(context.Background(), policy.TokenRequestOptions{})
	_, err2 := cred.GetToken(context.Background(), policy.TokenRequestOptions{})
	if err1 == nil || err2 != err1 || inner.calls != 1 {
		t.Fatalf("want one token request and the same error twice: calls %d, %v / %v", inner.calls, err1, err2)
	}
	other := &countingCredential{err: errors.New("AADSTS7000215: Invalid client secret provided.")}
	cred = &stickyCredential{inner: other, probeAfter: time.Hour, now: time.Now}
	_, _ = cred.GetToken(context.Background(), policy.TokenRequestOptions{})
	_, _ = cred.GetToken(context.Background(), policy.TokenRequestOptions{})
	if other.calls != 2 {
		t.Errorf("an answer from the token endpoint (a refusal) is not a reachability problem: calls %d", other.calls)
	}
}

type countingCredential struct {
	calls int
	err   error
}

func (c *countingCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.calls++
	return azcore.AccessToken{}, c.err
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func refusedErr() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: &syscallErr{syscall.ECONNREFUSED}}
}

type syscallErr struct{ errno syscall.Errno }

func (e *syscallErr) Error() string { return "connect: " + e.errno.Error() }
func (e *syscallErr) Unwrap() error { return e.errno }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// A transport error of no known kind (an HTTP/2 GOAWAY) is still retried on a read.
func TestUnknownTransportErrorsAreRetriedOnReads(t *testing.T) {
	var attempts atomic.Int32
	transport := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if attempts.Add(1) == 1 {
			return nil, errors.New("http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR")
		}
		return (&policyAnswer{}).RoundTrip(req)
	})
	client := newTestClient(t, "https://graph.example.com", Reachability{BaseDelay: 10 * time.Millisecond}, transport)
	if _, err := client.GetTAPPolicy(context.Background()); err != nil || attempts.Load() != 2 {
		t.Fatalf("got %v after %d attempts", err, attempts.Load())
	}
}

// A creation whose own attempt dropped after sending keeps NotSent false even when its failure brings the
// verdict: Graph may have created the pass.
func TestVerdictOnADroppedCreationIsNotNotSent(t *testing.T) {
	transport := roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")
	})
	client := newTestClient(t, "https://graph.example.com", Reachability{Budget: time.Nanosecond}, transport)
	_, err := client.CreateTAP(context.Background(), "u", NewTAP{})
	var u *UnreachableError
	if !errors.As(err, &u) || NotSent(err) {
		t.Fatalf("want the verdict with NotSent false, got %v (NotSent %v)", err, NotSent(err))
	}
	if _, err := client.ListTAPs(context.Background(), "u"); !NotSent(err) {
		t.Errorf("a later call refused by the verdict was not sent: %v", err)
	}
}
