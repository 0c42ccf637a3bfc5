package graph

import (
	"net/http"
	"slices"
	"sync"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
)

// clockSamples is how many recent answers the skew estimate is the median of: enough to ignore one odd
// Date (a proxy's, or an answer stamped long before it arrived), few enough to follow a clock that is
// corrected during a run within three answers.
const clockSamples = 5

// graphClock estimates the offset between Graph's clock and this machine's from the Date header of
// Graph's answers (RFC 9110 §6.6.1: the time the answer was generated, to the second).
type graphClock struct {
	now func() time.Time

	mu      sync.Mutex
	samples []time.Duration // ring of the latest offsets
	next    int
}

// record adds the offset measured by one exchange: Graph's time (the Date, which is truncated to the
// second, so its middle) against the local time halfway through the exchange.
func (c *graphClock) record(date, sent, received time.Time) {
	local := sent.Add(received.Sub(sent) / 2)
	offset := date.Add(500 * time.Millisecond).Sub(local)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.samples) < clockSamples {
		c.samples = append(c.samples, offset)
		return
	}
	c.samples[c.next] = offset
	c.next = (c.next + 1) % clockSamples
}

// skew is the median of the recent offsets, 0 before any answer.
func (c *graphClock) skew() time.Duration {
	c.mu.Lock()
	s := slices.Clone(c.samples)
	c.mu.Unlock()
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// clockMiddleware records the Date of every answer, per attempt.
type clockMiddleware struct{ clock *graphClock }

// Intercept implements khttp.Middleware.
func (m clockMiddleware) Intercept(pipeline khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	sent := m.clock.now()
	resp, err := pipeline.Next(req, index)
	if err == nil && resp != nil {
		if date, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
			m.clock.record(date, sent, m.clock.now())
		}
	}
	return resp, err
}

// Skew is how far Graph's clock is ahead of this machine's (negative: behind), estimated from the Date
// headers of its recent answers (the median of the last five), to about a second. It is 0 until Graph
// has answered once.
func (c *Client) Skew() time.Duration { return c.clock.skew() }

// Now is Graph's current time as estimated from its answers: the time to check a pass's start against,
// since Graph refuses a start in the past by its own clock.
func (c *Client) Now() time.Time { return c.clock.now().Add(c.clock.skew()) }

// SkewNote describes the skew in words when it exceeds a minute ("Graph's clock is 10m0s ahead of this
// machine"), for messages about times; "" otherwise.
func (c *Client) SkewNote() string {
	if skew := c.Skew(); skew > significantSkew || skew < -significantSkew {
		return describeSkew(skew)
	}
	return ""
}

// describeSkew says how far Graph's clock is off in words, e.g. "Graph's clock is 10m0s ahead of this
// machine".
func describeSkew(skew time.Duration) string {
	d := skew.Round(time.Second)
	if d < 0 {
		return "Graph's clock is " + (-d).String() + " behind this machine"
	}
	return "Graph's clock is " + d.String() + " ahead of this machine"
}

// significantSkew is the skew beyond which errors about times mention it.
const significantSkew = time.Minute
