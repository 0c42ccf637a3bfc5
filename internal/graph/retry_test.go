package graph

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// scriptedPipeline answers each attempt with the next scripted response (or error) and records what it
// was sent.
type scriptedPipeline struct {
	answers []func() (*http.Response, error)
	bodies  []string
}

func (p *scriptedPipeline) Next(req *http.Request, _ int) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	p.bodies = append(p.bodies, string(body))
	answer := p.answers[0]
	if len(p.answers) > 1 {
		p.answers = p.answers[1:]
	}
	return answer()
}

func status(code int, header ...string) func() (*http.Response, error) {
	return func() (*http.Response, error) {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader(`{}`))}, nil
	}
}

func dropped() (*http.Response, error) { return nil, errors.New("connection reset by peer") }

// recordingSleep replaces waiting, so tests run instantly and can assert the waits.
type recordingSleep struct{ waits []time.Duration }

func (r *recordingSleep) sleep(_ context.Context, d time.Duration, _ <-chan struct{}) error {
	r.waits = append(r.waits, d)
	return nil
}

func newTestRetry(sleeper *recordingSleep) retryMiddleware {
	m := newRetryMiddleware(RetryPolicy{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: 8 * time.Second}, newEndpointHealth("https://graph.microsoft.com", DefaultReachability))
	m.sleep = sleeper.sleep
	m.now = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	m.health.now = m.now
	return m
}

func TestRetryHonoursRetryAfterAndLogsProgress(t *testing.T) {
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	sleeper := &recordingSleep{}
	pipeline := &scriptedPipeline{answers: []func() (*http.Response, error){
		status(429, "Retry-After", "3"),
		status(429, "Retry-After", "Wed, 25 Nov 2026 12:00:07 GMT"),
		status(201),
	}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://graph.microsoft.com/v1.0/users/u/authentication/temporaryAccessPassMethods",
		strings.NewReader(`{"lifetimeInMinutes":60}`))
	resp, err := newTestRetry(sleeper).Intercept(pipeline, 0, req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("got %v, %v", resp, err)
	}
	if want := []time.Duration{3 * time.Second, 7 * time.Second}; len(sleeper.waits) != 2 || sleeper.waits[0] != want[0] || sleeper.waits[1] != want[1] {
		t.Errorf("waits = %v, want %v (seconds, then an HTTP date)", sleeper.waits, want)
	}
	for i, b := range pipeline.bodies {
		if b != `{"lifetimeInMinutes":60}` {
			t.Errorf("attempt %d sent %q: every attempt must resend the same body", i+1, b)
		}
	}
	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0]["@message"] != "Microsoft Graph asked us to slow down; retrying" || entries[0]["wait"] != "3s" {
		t.Errorf("want one progress line per retry, got %v", entries)
	}
}

func TestRetryBacksOffOnUnavailableWithinTheCap(t *testing.T) {
	sleeper := &recordingSleep{}
	pipeline := &scriptedPipeline{answers: []func() (*http.Response, error){status(503), status(504), status(503), status(503), status(200)}}
	req, _ := http.NewRequest(http.MethodGet, "https://graph.microsoft.com/v1.0/users/u", nil)
	resp, err := newTestRetry(sleeper).Intercept(pipeline, 0, req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("got %v, %v", resp, err)
	}
	for i, w := range sleeper.waits {
		step := min(time.Second<<i, 8*time.Second)
		if w < step/2 || w > step {
			t.Errorf("wait %d = %s, want between %s and %s (capped, jittered)", i+1, w, step/2, step)
		}
	}
}

func TestRetryGivesUpBeforeTheDeadline(t *testing.T) {
	sleeper := &recordingSleep{}
	m := newTestRetry(sleeper)
	ctx, cancel := context.WithDeadline(context.Background(), m.now().Add(5*time.Second))
	defer cancel()
	pipeline := &scriptedPipeline{answers: []func() (*http.Response, error){status(429, "Retry-After", "10")}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://graph.microsoft.com/v1.0/users/u", nil)
	resp, err := m.Intercept(pipeline, 0, req)
	if err != nil || resp.StatusCode != 429 || len(sleeper.waits) != 0 {
		t.Fatalf("a wait past the deadline must not start: resp %v, err %v, waits %v", resp, err, sleeper.waits)
	}
}

func TestRetryResendsOnlyIdempotentRequestsAfterADroppedConnection(t *testing.T) {
	for _, tt := range []struct {
		method, path string
		ctx          context.Context
		wantRetry    bool
	}{
		{http.MethodGet, "/v1.0/users/u", context.Background(), true},
		{http.MethodDelete, "/v1.0/users/u/authentication/fido2Methods/m", context.Background(), true},
		{http.MethodPost, "/v1.0/users/u/authentication/temporaryAccessPassMethods", context.Background(), false},
		{http.MethodPost, "/v1.0/users/u/checkMemberGroups", markIdempotent(context.Background()), true},
	} {
		sleeper := &recordingSleep{}
		pipeline := &scriptedPipeline{answers: []func() (*http.Response, error){dropped, status(200)}}
		req, _ := http.NewRequestWithContext(tt.ctx, tt.method, "https://graph.microsoft.com"+tt.path, strings.NewReader("{}"))
		_, err := newTestRetry(sleeper).Intercept(pipeline, 0, req)
		if retried := err == nil; retried != tt.wantRetry {
			t.Errorf("%s %s: retried = %v, want %v (a creation must be reconciled, not resent blindly)", tt.method, tt.path, retried, tt.wantRetry)
		}
	}
}
