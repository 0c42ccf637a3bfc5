package emulator

import (
	"strconv"
	"time"
)

// maxLogEntries bounds a tenant's request log in long benchmark runs; counters keep counting past it.
const maxLogEntries = 100_000

// logEntry is one request as the control API reports it. It never holds bodies, headers or queries,
// so it cannot carry a secret.
type logEntry struct {
	Seq             int64   `json:"seq"`
	Time            string  `json:"time"`
	Kind            string  `json:"kind"` // "graph" or "token"
	Method          string  `json:"method"`
	Path            string  `json:"path"`
	Route           string  `json:"route"`
	Status          int     `json:"status"` // 0 when the connection was dropped before any answer
	TenantID        string  `json:"tenantId"`
	ClientRequestID string  `json:"clientRequestId"`
	RequestID       string  `json:"requestId"`
	Fault           string  `json:"fault"`
	Dropped         bool    `json:"dropped,omitempty"`
	BatchRequestID  string  `json:"batchRequestId,omitempty"` // request-id of the enclosing $batch
	DurationMs      float64 `json:"durationMs"`
}

type counters struct {
	Total  int64 `json:"total"`
	Reads  int64 `json:"reads"`
	Writes int64 `json:"writes"`
	// Batched counts the requests among Total that arrived inside a $batch: Total - Batched is the number of
	// HTTP requests (round trips) the client made.
	Batched       int64            `json:"batched"`
	TokenRequests int64            `json:"tokenRequests"`
	KeyVault      int64            `json:"keyVaultRequests"`
	ByRoute       map[string]int64 `json:"byRoute"`
	ByStatus      map[string]int64 `json:"byStatus"`
}

type requestLog struct {
	seq      int64
	entries  []logEntry
	counters counters
}

// exchange describes one request on its way through the pipeline, for the log.
type exchange struct {
	kind            string
	method          string
	path            string
	route           string
	write           bool // counts as a write (Graph only)
	issuesToken     bool // counts in tokenRequests (token side only)
	requestID       string
	clientRequestID string
	batchRequestID  string
	start           time.Time
}

// record appends the request to the tenant's log and counters. Caller holds t.mu.
func (s *tenantState) record(tenantID string, x *exchange, status int, faultID string, dropped bool) logEntry {
	l := &s.log
	l.seq++
	e := logEntry{
		Seq: l.seq, Time: time.Now().UTC().Format(time.RFC3339Nano), Kind: x.kind, Method: x.method, Path: x.path,
		Route: x.route, Status: status, TenantID: tenantID, ClientRequestID: x.clientRequestID, RequestID: x.requestID,
		Fault: faultID, Dropped: dropped, BatchRequestID: x.batchRequestID,
		DurationMs: float64(time.Since(x.start).Microseconds()) / 1000,
	}
	if len(l.entries) >= maxLogEntries {
		l.entries = append(l.entries[:0], l.entries[maxLogEntries/2:]...)
	}
	l.entries = append(l.entries, e)

	c := &l.counters
	switch x.kind {
	case "graph":
		c.Total++
		if x.batchRequestID != "" {
			c.Batched++
		}
		if x.write {
			c.Writes++
		} else {
			c.Reads++
		}
		if c.ByRoute == nil {
			c.ByRoute, c.ByStatus = map[string]int64{}, map[string]int64{}
		}
		c.ByRoute[x.route]++
		c.ByStatus[strconv.Itoa(status)]++
	case "token":
		if x.issuesToken {
			c.TokenRequests++
		}
	case "keyvault":
		c.KeyVault++
	}
	return e
}

func (l *requestLog) snapshot() ([]logEntry, counters) {
	entries := append([]logEntry{}, l.entries...)
	c := l.counters
	c.ByRoute, c.ByStatus = map[string]int64{}, map[string]int64{}
	for k, v := range l.counters.ByRoute {
		c.ByRoute[k] = v
	}
	for k, v := range l.counters.ByStatus {
		c.ByStatus[k] = v
	}
	return entries, c
}

// logLine is the one line per request handed to Options.Logf: no bodies, headers or queries.
func logLine(e logEntry) (string, []any) {
	return "%s %s %s -> %d (%s, tenant %s, request-id %s%s) %.1fms",
		[]any{e.Kind, e.Method, e.Path, e.Status, e.Route, e.TenantID, e.RequestID, faultNote(e), e.DurationMs}
}

func faultNote(e logEntry) string {
	switch {
	case e.Dropped && e.Fault != "":
		return ", dropped by fault " + e.Fault
	case e.Fault != "":
		return ", fault " + e.Fault
	}
	return ""
}
