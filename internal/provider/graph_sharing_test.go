package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// Unit tests of how the policy cache and the user batcher share Graph calls: no CLI, a fake transport.

type fixedToken struct{}

func (fixedToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "unit-test-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fakeGraph answers policy reads and getByIds, counting requests; hold makes answers wait until released
// (or the request's context ends, which it records).
type fakeGraph struct {
	status    int
	hold      chan struct{}
	requests  atomic.Int32
	cancelled atomic.Int32
}

const policyJSON = `{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration","id":"TemporaryAccessPass","state":"enabled",` +
	`"defaultLifetimeInMinutes":60,"defaultLength":8,"minimumLifetimeInMinutes":60,"maximumLifetimeInMinutes":480,"isUsableOnce":false,` +
	`"includeTargets":[{"targetType":"group","id":"all_users","isRegistrationRequired":false}],"excludeTargets":[]}`

func (f *fakeGraph) RoundTrip(req *http.Request) (*http.Response, error) {
	f.requests.Add(1)
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-req.Context().Done():
			f.cancelled.Add(1)
			return nil, req.Context().Err()
		}
	}
	status, body := http.StatusOK, policyJSON
	if strings.HasSuffix(req.URL.Path, "/users") {
		body = `{"value":[]}`
	}
	if f.status != 0 {
		status, body = f.status, `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(body)),
		Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

func fakeClient(t *testing.T, f http.RoundTripper, reach graph.Reachability) *graph.Client {
	t.Helper()
	c, err := graph.New(graph.Options{Endpoint: "https://graph.microsoft.com", Credential: fixedToken{}, Transport: f, Reachability: reach})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Many passes checked at once share one policy read, and the cache's lock is not held while it runs.
func TestPolicyCacheSharesOneReadWithoutHoldingItsLock(t *testing.T) {
	f := &fakeGraph{hold: make(chan struct{})}
	cache := &policyCache{client: fakeClient(t, f, graph.Reachability{})}
	var wg sync.WaitGroup
	results := make([]error, 10)
	for i := range results {
		wg.Go(func() { _, results[i] = cache.Get(context.Background()) })
	}
	time.Sleep(100 * time.Millisecond)
	locked := make(chan struct{})
	go func() {
		cache.SetPlanned(tap.Policy{Enabled: true})
		_, planned, _ := cache.ForPasses(context.Background())
		if planned {
			close(locked)
		}
	}()
	select {
	case <-locked:
	case <-time.After(time.Second):
		t.Fatal("the cache's lock is held across the read")
	}
	close(f.hold)
	wg.Wait()
	for i, err := range results {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	if n := f.requests.Load(); n != 1 {
		t.Errorf("%d reads for 10 concurrent callers, want 1", n)
	}
}

// A failed read is remembered: N passes get one failure, not N reads. A refresh reads again; a write clears it.
func TestPolicyCacheRemembersAFailedRead(t *testing.T) {
	f := &fakeGraph{status: http.StatusForbidden}
	cache := &policyCache{client: fakeClient(t, f, graph.Reachability{})}
	var first error
	for i := range 10 {
		_, err := cache.Get(context.Background())
		if !errors.Is(err, graph.ErrForbidden) {
			t.Fatalf("get %d: %v", i, err)
		}
		if first == nil {
			first = err
		} else if err != first {
			t.Errorf("get %d: a different error", i)
		}
	}
	if n := f.requests.Load(); n != 1 {
		t.Errorf("%d reads for 10 gets after a failure, want 1", n)
	}
	f.status = 0
	if _, err := cache.Refresh(context.Background()); err != nil || f.requests.Load() != 2 {
		t.Errorf("a refresh reads again: %v, %d reads", err, f.requests.Load())
	}
	if _, err := cache.Get(context.Background()); err != nil || f.requests.Load() != 2 {
		t.Errorf("a successful refresh clears the failure and fills the cache: %v, %d reads", err, f.requests.Load())
	}
}

// An interrupt returns every waiter at once, and the shared read stops when nobody waits for it; it is
// not remembered as a failure.
func TestPolicyCacheWaitersReturnOnCancel(t *testing.T) {
	f := &fakeGraph{hold: make(chan struct{})}
	cache := &policyCache{client: fakeClient(t, f, graph.Reachability{})}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var slowest atomic.Int64
	var cancelled time.Time
	var mu sync.Mutex
	for range 5 {
		wg.Go(func() {
			_, err := cache.Get(ctx)
			mu.Lock()
			took := time.Since(cancelled)
			mu.Unlock()
			if took > time.Duration(slowest.Load()) {
				slowest.Store(int64(took))
			}
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
				t.Errorf("want an interruption, got %v", err)
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	cancelled = time.Now()
	mu.Unlock()
	cancel()
	wg.Wait()
	if took := time.Duration(slowest.Load()); took > 100*time.Millisecond {
		t.Errorf("the last waiter returned %s after the cancel, want within 100ms", took)
	}
	deadline := time.Now().Add(time.Second)
	for f.cancelled.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if f.cancelled.Load() != 1 {
		t.Error("the shared read must be cancelled once every waiter gave up")
	}
	close(f.hold)
	if _, err := cache.Get(context.Background()); err != nil {
		t.Errorf("an interrupted read is not remembered: %v", err)
	}
}

// With Graph unreachable, N passes get the same verdict within one budget.
func TestPolicyCacheWithGraphUnreachable(t *testing.T) {
	var sent atomic.Int32
	refused := roundTrip(func(*http.Request) (*http.Response, error) {
		sent.Add(1)
		return nil, errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	})
	cache := &policyCache{client: fakeClient(t, refused, graph.Reachability{Budget: 300 * time.Millisecond, BaseDelay: 20 * time.Millisecond})}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() { _, errs[i] = cache.Get(context.Background()) })
	}
	wg.Wait()
	for range 10 {
		_, err := cache.Get(context.Background())
		errs = append(errs, err)
	}
	for i, err := range errs {
		var u *graph.UnreachableError
		if !errors.As(err, &u) {
			t.Fatalf("pass %d: %v", i, err)
		}
	}
	t.Logf("20 passes failed after %s with %d connection attempts", time.Since(start).Round(time.Millisecond), sent.Load())
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %s; one budget (300ms) is enough for all", elapsed)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// The batched user lookup is abandoned when every pass waiting for it is interrupted.
func TestUserBatcherStopsWhenEveryWaiterGivesUp(t *testing.T) {
	f := &fakeGraph{hold: make(chan struct{})}
	defer close(f.hold)
	b := newUserBatcher(fakeClient(t, f, graph.Reachability{}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, id := range []string{"0b8f4d3c-1a2b-4c5d-8e9f-000000000001", "0b8f4d3c-1a2b-4c5d-8e9f-000000000002"} {
		wg.Go(func() {
			if _, err := b.Get(ctx, id); !errors.Is(err, context.Canceled) {
				t.Errorf("want cancelled, got %v", err)
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	cancelled := time.Now()
	cancel()
	wg.Wait()
	if took := time.Since(cancelled); took > 100*time.Millisecond {
		t.Errorf("waiters returned %s after the cancel", took)
	}
	deadline := time.Now().Add(time.Second)
	for f.cancelled.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if f.cancelled.Load() == 0 {
		t.Error("the shared user lookup must be cancelled once every waiter gave up")
	}
}

func readCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// Many passes checked at once share their user lookups, and logging from the shared requests is safe under
// concurrency (terraform-plugin-log masks fields in place).
func TestUserBatcherSharesLookupsAndLogsSafely(t *testing.T) {
	var lookups atomic.Int32
	f := roundTrip(func(req *http.Request) (*http.Response, error) {
		body := `{"value":[]}`
		if strings.HasSuffix(req.URL.Path, "/$batch") {
			body = `{"responses":[]}`
		} else {
			lookups.Add(1)
			var users []string
			for _, id := range regexp.MustCompile(`[0-9a-f-]{36}`).FindAllString(req.URL.Query().Get("$filter"), -1) {
				users = append(users, `{"id":"`+id+`","userPrincipalName":"u@x.com","accountEnabled":true}`)
			}
			body = `{"value":[` + strings.Join(users, ",") + `]}`
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(body)),
			Body: readCloser(body), Request: req}, nil
	})
	b := newUserBatcher(fakeClient(t, f, graph.Reachability{}), nil)
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			id := fmt.Sprintf("0b8f4d3c-1a2b-4c5d-8e9f-%012d", i)
			if u, err := b.Get(graph.MaskSecrets(ctx), id); err != nil || u.ID != id {
				t.Errorf("user %d: %v %v", i, u, err)
			}
		})
	}
	wg.Wait()
	if n := lookups.Load(); n > 3 {
		t.Errorf("10 concurrent lookups took %d requests, want them shared", n)
	}
}
