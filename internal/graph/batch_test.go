package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDirectory is a Graph stand-in for the batching tests: $batch envelopes, user lookups with
// $filter=… in (…), and pass reads. sub answers one request (top-level or inside a $batch); it defaults to a
// directory of users named user<N> with ids ending in N.
type fakeDirectory struct {
	mu        sync.Mutex
	envelopes int
	singles   []string // "METHOD path?query" of top-level requests other than $batch
	inside    []string // the same for requests inside envelopes
	refuse    bool     // answer $batch with 400
	sub       func(method, rawURL string, body []byte) (int, map[string]string, string)
}

var filterValues = regexp.MustCompile(`'((?:[^']|'')*)'`)

func (f *fakeDirectory) answer(method, rawURL string, body []byte) (int, map[string]string, string) {
	if f.sub != nil {
		if status, h, b := f.sub(method, rawURL, body); status != 0 {
			return status, h, b
		}
	}
	u, _ := url.Parse(rawURL)
	json := map[string]string{"Content-Type": "application/json"}
	switch {
	case method == http.MethodGet && strings.HasSuffix(u.Path, "/users"):
		var found []string
		for _, m := range filterValues.FindAllStringSubmatch(u.Query().Get("$filter"), -1) {
			v := m[1]
			if strings.HasPrefix(v, "missing") || strings.HasSuffix(v, "0000000000ff") {
				continue
			}
			found = append(found, fmt.Sprintf(`{"id":%q,"userPrincipalName":"user-%s@contoso.com","userType":"Member","accountEnabled":true}`, v, v))
		}
		return 200, json, `{"value":[` + strings.Join(found, ",") + `]}`
	case method == http.MethodGet && strings.Contains(u.Path, "/temporaryAccessPassMethods/"):
		id := u.Path[strings.LastIndex(u.Path, "/")+1:]
		if strings.HasPrefix(id, "gone") {
			return 404, json, `{"error":{"code":"itemNotFound","message":"The authentication method was not found for this user."}}`
		}
		return 200, json, fmt.Sprintf(`{"id":%q,"createdDateTime":"2026-11-25T12:00:00Z","startDateTime":"2026-11-25T12:00:00Z","lifetimeInMinutes":60,"isUsable":true,"methodUsabilityReason":"EnabledByPolicy"}`, id)
	case method == http.MethodPost && strings.HasSuffix(u.Path, "/checkMemberGroups"):
		return 200, json, `{"value":["g1"]}`
	}
	return 404, json, `{"error":{"code":"Request_ResourceNotFound","message":"not here"}}`
}

func (f *fakeDirectory) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	reply := func(status int, h map[string]string, b string) *http.Response {
		header := http.Header{}
		for k, v := range h {
			header.Set(k, v)
		}
		return &http.Response{StatusCode: status, Header: header, ContentLength: int64(len(b)), Body: io.NopCloser(strings.NewReader(b)), Request: req}
	}
	if strings.HasSuffix(req.URL.Path, "/$batch") {
		f.mu.Lock()
		f.envelopes++
		refuse := f.refuse
		f.mu.Unlock()
		if refuse {
			return reply(400, map[string]string{"Content-Type": "application/json"}, `{"error":{"code":"BadRequest","message":"Batching is not supported here."}}`), nil
		}
		var env struct {
			Requests []struct {
				ID, Method, URL string
				Body            json.RawMessage
			}
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, err
		}
		var out []map[string]any
		for _, r := range env.Requests {
			f.mu.Lock()
			f.inside = append(f.inside, r.Method+" "+r.URL)
			f.mu.Unlock()
			status, h, b := f.answer(r.Method, "https://graph.microsoft.com/v1.0"+r.URL, r.Body)
			item := map[string]any{"id": r.ID, "status": status, "headers": h}
			if json.Valid([]byte(b)) {
				item["body"] = json.RawMessage(b)
			} else {
				item["body"] = base64.StdEncoding.EncodeToString([]byte(b))
			}
			out = append(out, item)
		}
		b, _ := json.Marshal(map[string]any{"responses": out})
		return reply(200, map[string]string{"Content-Type": "application/json"}, string(b)), nil
	}
	f.mu.Lock()
	f.singles = append(f.singles, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery)
	f.mu.Unlock()
	status, h, b := f.answer(req.Method, req.URL.String(), body)
	return reply(status, h, b), nil
}

func guid(n int) string { return fmt.Sprintf("0b8f4d3c-1a2b-4c5d-8e9f-%012x", n) }

// Users named by id and by principal name are looked up 15 a request (the `in` limit), and those requests go
// together in one $batch.
func TestLookUpUsersSharesRequests(t *testing.T) {
	f := &fakeDirectory{}
	c := newTestClient(t, "https://graph.microsoft.com", Reachability{}, f)
	var refs []string
	for i := 1; i <= 40; i++ {
		refs = append(refs, guid(i))
	}
	refs = append(refs, "ada@contoso.com", "Ada@Contoso.com", "missing@contoso.com", guid(0xff))
	got := c.LookUpUsers(context.Background(), refs)
	if f.envelopes != 1 || len(f.singles) != 0 || len(f.inside) != 4 {
		t.Fatalf("want one $batch of 4 lookups (15+15+10 ids, 1 name), got %d envelopes, singles %v, inside %v", f.envelopes, f.singles, f.inside)
	}
	for _, in := range f.inside {
		if !strings.HasPrefix(in, "GET /users?") || !strings.Contains(in, "%24select=") || strings.Count(in, "%27")/2 > FilterInLimit {
			t.Errorf("lookup %s", in)
		}
	}
	if u := got[guid(7)].User; u == nil || u.ID != guid(7) || !u.AccountEnabled {
		t.Errorf("user 7: %+v", got[guid(7)])
	}
	if l := got[guid(0xff)]; l.User != nil || l.Err != nil {
		t.Errorf("a user that does not exist has neither user nor error: %+v", l)
	}
	if l := got["ada@contoso.com"]; l.User == nil {
		t.Errorf("ada, by principal name, in any case: %+v", l)
	}
}

// One request's worth of users goes without an envelope.
func TestLookUpUsersAloneGoWithoutEnvelope(t *testing.T) {
	f := &fakeDirectory{}
	c := newTestClient(t, "https://graph.microsoft.com", Reachability{}, f)
	got := c.LookUpUsers(context.Background(), []string{guid(1), guid(2)})
	if f.envelopes != 0 || len(f.singles) != 1 || got[guid(2)].User == nil {
		t.Fatalf("envelopes %d, singles %v, got %+v", f.envelopes, f.singles, got)
	}
}

// A request throttled inside a $batch is sent again, alone in a new envelope, after its Retry-After.
func TestBatchRetriesThrottledRequests(t *testing.T) {
	var throttled atomic.Int32
	f := &fakeDirectory{sub: func(method, rawURL string, _ []byte) (int, map[string]string, string) {
		if strings.Contains(rawURL, "/p3") && throttled.Add(1) <= 2 {
			return 429, map[string]string{"Content-Type": "application/json", "Retry-After": "0"},
				`{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`
		}
		return 0, nil, ""
	}}
	c := newTestClient(t, "https://graph.microsoft.com", Reachability{}, f)
	var refs []PassRef
	for i := range 5 {
		refs = append(refs, PassRef{UserID: guid(i), ID: fmt.Sprintf("p%d", i)})
	}
	got := c.GetTAPs(context.Background(), refs)
	for i, r := range got {
		if r.Err != nil || r.Pass == nil || r.Pass.ID != refs[i].ID {
			t.Errorf("pass %d: %+v", i, r)
		}
	}
	if f.envelopes != 3 || len(f.inside) != 7 {
		t.Errorf("want the throttled read sent twice more (3 envelopes, 7 reads), got %d envelopes: %v", f.envelopes, f.inside)
	}
}

// A throttled request that stays throttled past the attempts reports the 429.
func TestBatchGivesUpOnThrottlingAfterTheAttempts(t *testing.T) {
	f := &fakeDirectory{sub: func(string, string, []byte) (int, map[string]string, string) {
		return 429, map[string]string{"Content-Type": "application/json", "Retry-After": "0"}, `{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`
	}}
	c, err := New(Options{Endpoint: "https://graph.microsoft.com", Credential: staticCredential{"t"}, Transport: f, Retry: RetryPolicy{MaxAttempts: 3}})
	if err != nil {
		t.Fatal(err)
	}
	got := c.GetTAPs(context.Background(), []PassRef{{UserID: guid(1), ID: "p1"}, {UserID: guid(2), ID: "p2"}})
	if !errors.Is(got[0].Err, ErrThrottled) || f.envelopes != 3 {
		t.Errorf("want the 429 after 3 attempts: %v, %d envelopes", got[0].Err, f.envelopes)
	}
}

// When Graph (or a proxy) refuses $batch, the requests go one by one, then and from then on.
func TestBatchRefusedFallsBackToSingleRequests(t *testing.T) {
	f := &fakeDirectory{refuse: true}
	c := newTestClient(t, "https://graph.microsoft.com", Reachability{}, f)
	refs := []PassRef{{UserID: guid(1), ID: "p1"}, {UserID: guid(2), ID: "gone2"}, {UserID: guid(3), ID: "p3"}}
	got := c.GetTAPs(context.Background(), refs)
	if got[0].Pass == nil || !errors.Is(got[1].Err, ErrNotFound) || got[2].Pass == nil {
		t.Fatalf("got %+v", got)
	}
	if f.envelopes != 1 || len(f.singles) != 3 {
		t.Fatalf("want one refused envelope then 3 single reads: %d envelopes, %v", f.envelopes, f.singles)
	}
	c.GetTAPs(context.Background(), refs)
	if f.envelopes != 1 || len(f.singles) != 6 {
		t.Errorf("once refused, $batch is not tried again: %d envelopes, %d singles", f.envelopes, len(f.singles))
	}
}

// Errors inside a $batch read as Graph's own: the OData error with the permission the request needs, or a
// gateway's page reduced to its status, type and a sanitized excerpt.
func TestBatchErrorsReadAsGraphErrors(t *testing.T) {
	f := &fakeDirectory{sub: func(method, rawURL string, _ []byte) (int, map[string]string, string) {
		switch {
		case strings.Contains(rawURL, "/p1"):
			return 403, map[string]string{"Content-Type": "application/json", "request-id": "r-1"},
				`{"error":{"code":"accessDenied","message":"Request Authorization failed","innerError":{"request-id":"r-1","client-request-id":"c-1","date":"2026-11-25T12:00:00"}}}`
		case strings.Contains(rawURL, "/p2"):
			return 502, map[string]string{"Content-Type": "text/html"}, proxyPage
		}
		return 0, nil, ""
	}}
	c := newTestClient(t, "https://graph.microsoft.com", Reachability{}, f)
	got := c.GetTAPs(context.Background(), []PassRef{{UserID: guid(1), ID: "p1"}, {UserID: guid(2), ID: "p2"}})
	gerr, ok := AsError(got[0].Err)
	if !ok || gerr.StatusCode != 403 || gerr.Code != "accessDenied" || gerr.RequestID != "r-1" || gerr.ClientRequestID != "c-1" ||
		!strings.Contains(gerr.Permission, "UserAuthMethod-TAP.Read.All") || !strings.Contains(gerr.Operation, "p1") {
		t.Errorf("403: %+v", gerr)
	}
	gerr, ok = AsError(got[1].Err)
	if !ok || gerr.StatusCode != 502 || gerr.ContentType != "text/html" || !strings.Contains(gerr.Excerpt, "502 Bad Gateway") || strings.Contains(gerr.Excerpt, "eyJ") {
		t.Errorf("502 page: %+v", gerr)
	}
}

// A user whose principal name begins with '$' is addressed users('…') inside a $batch too.
func TestBatchAddressesDollarUsersInParentheses(t *testing.T) {
	f := &fakeDirectory{}
	c := newTestClient(t, "https://graph.microsoft.com", Reachability{}, f)
	c.CheckMemberGroupsMany(context.Background(), []MemberCheck{{UserID: "$svc@contoso.com", GroupIDs: []string{"g1"}}, {UserID: guid(1), GroupIDs: []string{"g1"}}})
	if len(f.inside) != 2 || !strings.HasPrefix(f.inside[0], "POST /users('$svc@contoso.com')/checkMemberGroups") {
		t.Errorf("inside: %v", f.inside)
	}
}

// Membership checks of many users share a $batch, 20 group ids a check.
func TestCheckMemberGroupsManyShareABatch(t *testing.T) {
	f := &fakeDirectory{}
	c := newTestClient(t, "https://graph.microsoft.com", Reachability{}, f)
	groups := make([]string, 25)
	for i := range groups {
		groups[i] = fmt.Sprintf("g%d", i)
	}
	got := c.CheckMemberGroupsMany(context.Background(), []MemberCheck{{UserID: guid(1), GroupIDs: groups}, {UserID: guid(2), GroupIDs: groups[:3]}})
	if f.envelopes != 1 || len(f.inside) != 3 {
		t.Fatalf("want one $batch with 2+1 checks: %d envelopes, %v", f.envelopes, f.inside)
	}
	if !got[0].Member["g1"] || !got[1].Member["g1"] || got[1].Member["g2"] {
		t.Errorf("got %+v", got)
	}
}

// Batches sent at once from many goroutines share no request state (run with -race: the adapter writes the base
// URL into a request's path parameters, so an envelope built on the client's own map raced; CI saw the map fault).
func TestConcurrentBatchesShareNoRequestState(t *testing.T) {
	f := &fakeDirectory{}
	c := newTestClient(t, "https://graph.microsoft.com", Reachability{}, f)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := c.CheckMemberGroupsMany(context.Background(), []MemberCheck{{UserID: guid(2*i + 1), GroupIDs: []string{"g1"}}, {UserID: guid(2*i + 2), GroupIDs: []string{"g1"}}})
			if len(got) != 2 || got[0].Err != nil || got[1].Err != nil {
				t.Errorf("batch %d: %+v", i, got)
			}
		}()
	}
	wg.Wait()
}

// Callers that arrive together share one fetch; a caller alone waits the linger, no longer.
func TestCoalescerSharesAWave(t *testing.T) {
	var fetches atomic.Int32
	var keysSeen atomic.Int32
	c := &Coalescer[int, int]{Max: 50, Factor: 1, MinLinger: 20 * time.Millisecond, MaxLinger: 20 * time.Millisecond,
		Fetch: func(_ context.Context, keys []int) map[int]Result[int] {
			fetches.Add(1)
			keysSeen.Add(int32(len(keys)))
			time.Sleep(5 * time.Millisecond)
			out := map[int]Result[int]{}
			for _, k := range keys {
				out[k] = Result[int]{Value: k * 2}
			}
			return out
		}}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if v, err := c.Get(context.Background(), i%7); err != nil || v != (i%7)*2 {
				t.Errorf("key %d: %d %v", i, v, err)
			}
		})
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 || keysSeen.Load() != 7 {
		t.Errorf("10 callers, 7 keys, arriving together: %d fetches of %d keys, want 1 of 7", n, keysSeen.Load())
	}
	// The next wave: as many callers as the high-water mark go at once, without the linger.
	start := time.Now()
	for i := range 10 {
		wg.Go(func() { _, _ = c.Get(context.Background(), 100+i) })
	}
	wg.Wait()
	if took := time.Since(start); took > 15*time.Millisecond && fetches.Load() != 2 {
		t.Errorf("a full wave waited %s in %d fetches", took, fetches.Load()-1)
	}
	// Max keys go at once.
	c.Max = 3
	for i := range 3 {
		wg.Go(func() { _, _ = c.Get(context.Background(), 200+i) })
	}
	wg.Wait()
}

// A caller that gives up returns at once; the fetch is cancelled when every caller has given up.
func TestCoalescerCallersGiveUp(t *testing.T) {
	release := make(chan struct{})
	cancelled := make(chan struct{})
	c := &Coalescer[int, int]{Max: 10, Factor: 1, MinLinger: time.Millisecond, MaxLinger: time.Millisecond,
		Fetch: func(ctx context.Context, keys []int) map[int]Result[int] {
			select {
			case <-ctx.Done():
				close(cancelled)
			case <-release:
			}
			return nil
		}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			if _, err := c.Get(ctx, i); !errors.Is(err, context.Canceled) {
				t.Errorf("want cancelled, got %v", err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	wg.Wait()
	select {
	case <-cancelled:
	case <-time.After(time.Second):
		close(release)
		t.Fatal("the shared fetch must be cancelled once every caller gave up")
	}
}
