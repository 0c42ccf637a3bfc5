package graph

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// scripted answers each request with the next response of a script (the last one repeats).
type scripted struct {
	mu      sync.Mutex
	answers []func(*http.Request) *http.Response
	sent    []string
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, req.Method+" "+req.URL.Path)
	answer := s.answers[0]
	if len(s.answers) > 1 {
		s.answers = s.answers[1:]
	}
	resp := answer(req)
	resp.Request = req
	return resp, nil
}

func answer(status int, contentType, body string, header ...string) func(*http.Request) *http.Response {
	return func(*http.Request) *http.Response {
		h := http.Header{}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: status, Header: h, ContentLength: int64(len(body)), Body: io.NopCloser(strings.NewReader(body))}
	}
}

const proxyPage = `<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title><style>body { font-family: sans-serif }</style>
<script>var token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";</script></head>
<body>
  <h1>Bad   Gateway</h1>
  <p>The proxy server received an invalid response &amp; gave up.</p>
  <p>Authorization: Bearer abc.def-ghi</p>
  <hr><address>nginx/1.25.3</address>
</body></html>`

// An HTML error page from a proxy keeps its status, the request ids and a short sanitized excerpt, instead
// of becoming "content type text/html does not have a factory registered to be parsed".
func TestHTMLErrorPageBecomesAGraphError(t *testing.T) {
	tr := &scripted{answers: []func(*http.Request) *http.Response{
		answer(http.StatusBadGateway, "text/html; charset=utf-8", proxyPage, "request-id", "r-123", "client-request-id", "c-456"),
	}}
	client := newTestClient(t, "https://graph.microsoft.com", Reachability{}, tr)
	_, err := client.GetTAPPolicy(context.Background())
	gerr, ok := AsError(err)
	if !ok {
		t.Fatalf("want a graph.Error, got %T: %v", err, err)
	}
	if gerr.StatusCode != http.StatusBadGateway || gerr.RequestID != "r-123" || gerr.ClientRequestID != "c-456" || gerr.ContentType != "text/html" {
		t.Errorf("got %+v", gerr)
	}
	want := "502 Bad Gateway Bad Gateway The proxy server received an invalid response & gave up. Authorization: Bearer *** nginx/1.25.3"
	if gerr.Excerpt != want {
		t.Errorf("excerpt:\n got %q\nwant %q", gerr.Excerpt, want)
	}
	msg := err.Error()
	for _, bad := range []string{"factory", "<", "eyJ", "abc.def", "font-family"} {
		if strings.Contains(msg, bad) {
			t.Errorf("the message must not contain %q: %s", bad, msg)
		}
	}
	for _, good := range []string{"HTTP 502", "text/html", "proxy or gateway", "request-id r-123"} {
		if !strings.Contains(msg, good) {
			t.Errorf("the message must say %q: %s", good, msg)
		}
	}
	t.Log(msg)
}

// A 503 page is retried like any 503; the last one is reported.
func TestHTMLUnavailablePageIsRetriedThenReported(t *testing.T) {
	tr := &scripted{answers: []func(*http.Request) *http.Response{
		answer(http.StatusServiceUnavailable, "text/html", "<html><body>Service Unavailable</body></html>", "Retry-After", "0"),
		answer(http.StatusServiceUnavailable, "text/plain", "upstream connect error or disconnect/reset before headers", "Retry-After", "0"),
	}}
	client, err := New(Options{Endpoint: "https://graph.microsoft.com", Credential: staticCredential{"t"}, Transport: tr,
		Retry: RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.GetUser(context.Background(), "adele@contoso.com")
	gerr, ok := AsError(err)
	if !ok || gerr.StatusCode != 503 || gerr.Excerpt != "upstream connect error or disconnect/reset before headers" || len(tr.sent) != 3 {
		t.Fatalf("got %v after %d attempts", err, len(tr.sent))
	}
	if !errors.Is(err, ErrThrottled) {
		t.Error("a 503 still matches ErrThrottled")
	}
}

// JSON error bodies are still parsed as OData errors.
func TestJSONErrorBodyIsUntouched(t *testing.T) {
	body := `{"error":{"code":"badRequest","message":"Invalid LifetimeInMinutes specified. The valid range between 60 and 480.","innerError":{"date":"2026-12-01T10:00:00","request-id":"r1","client-request-id":"c1"}}}`
	tr := &scripted{answers: []func(*http.Request) *http.Response{answer(400, "application/json; charset=utf-8", body)}}
	client := newTestClient(t, "https://graph.microsoft.com", Reachability{}, tr)
	_, err := client.CreateTAP(context.Background(), "u", NewTAP{})
	gerr, ok := AsError(err)
	if !ok || gerr.Code != "badRequest" || !strings.HasPrefix(gerr.Message, "Invalid LifetimeInMinutes") || gerr.Excerpt != "" || gerr.ContentType != "" {
		t.Fatalf("got %+v", gerr)
	}
}

func TestBodyExcerpt(t *testing.T) {
	for _, tt := range []struct{ body, mediaType, want string }{
		{"  Bad\r\n\tGateway  ", "text/plain", "Bad Gateway"},
		{"<p>a &lt;b&gt; &#x27;c&#x27;</p>", "text/html", "a <b> 'c'"},
		{"<!-- secret comment --><div>ok</div>", "", "ok"},
		{"client_secret=abc123&x=1 password: hunter2", "text/plain", "client_secret=***&x=1 password: ***"},
		{"bell\a and \x00nul \xff", "text/plain", "bell and nul"},
		{strings.Repeat("é", 300), "text/plain", strings.Repeat("é", 199) + "…"},
	} {
		if got := bodyExcerpt([]byte(tt.body), tt.mediaType); got != tt.want {
			t.Errorf("bodyExcerpt(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

// The offset to Graph's clock is measured from the Date of its answers, and a refused start in the past
// names it when it explains the refusal.
func TestClockSkewIsMeasuredAndNamed(t *testing.T) {
	ahead := func(d time.Duration) func(*http.Request) *http.Response {
		return func(req *http.Request) *http.Response {
			return answer(http.StatusBadRequest, "application/json",
				`{"error":{"code":"badRequest","message":"Invalid StartDateTime specified. It can not be a time in the past."}}`,
				"Date", time.Now().Add(d).UTC().Format(http.TimeFormat))(req)
		}
	}
	for _, tt := range []struct {
		skew time.Duration
		says string
	}{
		{10 * time.Minute, "Graph's clock is 10m0s ahead of this machine"},
		{-3 * time.Minute, "Graph's clock is 3m0s behind this machine"},
		{20 * time.Second, ""},
	} {
		tr := &scripted{answers: []func(*http.Request) *http.Response{ahead(tt.skew)}}
		client := newTestClient(t, "https://graph.microsoft.com", Reachability{}, tr)
		if client.Skew() != 0 {
			t.Fatal("no skew before any answer")
		}
		start := time.Now().Add(3 * time.Minute)
		_, err := client.CreateTAP(context.Background(), "u", NewTAP{StartDateTime: &start})
		if got := client.Skew(); (got - tt.skew).Abs() > 1500*time.Millisecond {
			t.Errorf("Skew() = %s, want about %s", got, tt.skew)
		}
		if got := client.Now().Sub(time.Now()); (got - tt.skew).Abs() > 1500*time.Millisecond {
			t.Errorf("Now() is %s off this machine's clock, want about %s", got, tt.skew)
		}
		if note := client.SkewNote(); note != tt.says {
			t.Errorf("SkewNote() = %q, want %q", note, tt.says)
		}
		gerr, _ := AsError(err)
		switch {
		case tt.says == "" && (gerr == nil || gerr.ClockSkew != 0 || strings.Contains(err.Error(), "clock")):
			t.Errorf("skew %s: a small skew is not mentioned: %v", tt.skew, err)
		case tt.says != "" && !strings.Contains(err.Error(), tt.says):
			t.Errorf("skew %s: want %q in %v", tt.skew, tt.says, err)
		}
	}
}

// The estimate is the median of the last answers: one odd Date does not move it.
func TestClockSkewIgnoresOneOddAnswer(t *testing.T) {
	base := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	c := &graphClock{now: time.Now}
	for i, offset := range []time.Duration{10 * time.Minute, 10 * time.Minute, -2 * time.Hour, 10 * time.Minute, 10 * time.Minute} {
		sent := base.Add(time.Duration(i) * time.Second)
		c.record(sent.Add(offset).Add(-500*time.Millisecond), sent, sent)
	}
	if got := c.skew(); got != 10*time.Minute {
		t.Errorf("skew = %s, want 10m0s", got)
	}
	for range clockSamples {
		c.record(base.Add(time.Minute-500*time.Millisecond), base, base)
	}
	if got := c.skew(); got != time.Minute {
		t.Errorf("after a clock correction, skew = %s, want 1m0s", got)
	}
}
