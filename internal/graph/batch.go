package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	abstractions "github.com/microsoft/kiota-abstractions-go"
)

// MaxBatch is Graph's limit of requests in one $batch: "JSON batch requests are currently limited to 20
// individual requests" (JSON batching, https://learn.microsoft.com/graph/json-batching, graph-spec §6.2).
const MaxBatch = 20

// batchItem is one request to carry inside a $batch.
type batchItem struct {
	info *abstractions.RequestInformation
	op   operation
}

// batchAnswer is the answer to one batchItem: its body on success, or err (an *Error when Graph answered).
type batchAnswer struct {
	status int
	body   []byte
	err    error
}

// errBatchRefused says the $batch itself was refused (an endpoint or proxy without JSON batching, a 4xx on the
// envelope): the caller sends its requests one by one.
var errBatchRefused = errors.New("the $batch request was refused")

// batch sends up to MaxBatch requests in one round trip and returns one answer per item, in order. Graph
// throttles each request of a batch on its own ("a single sub-response can be 429", graph-spec §6.2), so the
// items answered 429, 503 or 504 are sent again, in a new $batch, after the longest Retry-After they carry,
// within the client's retry policy and the context's deadline. The envelope itself goes through the client's
// middleware (sign-in, retries, reachability, logging). The error is errBatchRefused when Graph refused the
// envelope (the caller falls back to single requests), or the failure that left every item unanswered.
func (c *Client) batch(ctx context.Context, items []batchItem) ([]batchAnswer, error) {
	if len(items) > MaxBatch {
		return nil, fmt.Errorf("graph: %d requests in one $batch, the limit is %d", len(items), MaxBatch)
	}
	answers := make([]batchAnswer, len(items))
	pending := make([]int, len(items))
	for i := range items {
		pending[i] = i
	}
	for attempt := 1; ; attempt++ {
		retry, wait, err := c.batchOnce(ctx, items, pending, answers)
		if err != nil {
			return nil, err
		}
		if len(retry) == 0 {
			return answers, nil
		}
		if attempt >= c.retry.MaxAttempts {
			return answers, nil // the throttled answers stand
		}
		if wait < 0 {
			wait = c.retry.backoff(attempt) // no Retry-After came
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) {
			return answers, nil
		}
		tflog.Warn(MaskSecrets(ctx), "Microsoft Graph throttled requests inside a $batch; sending them again", map[string]any{
			"throttled": len(retry), "of": len(items), "attempt": attempt, "wait": wait.String(),
		})
		if err := sleepContext(ctx, wait, nil); err != nil {
			return nil, err
		}
		pending = retry
	}
}

type batchEnvelopeItem struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

type batchEnvelopeAnswer struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// batchOnce sends the pending items once, fills their answers, and returns the items to send again with the
// longest Retry-After among them.
func (c *Client) batchOnce(ctx context.Context, items []batchItem, pending []int, answers []batchAnswer) ([]int, time.Duration, error) {
	var req struct {
		Requests []batchEnvelopeItem `json:"requests"`
	}
	for _, i := range pending {
		it := items[i]
		rel, err := c.relativeURL(it.info)
		if err != nil {
			return nil, 0, err
		}
		e := batchEnvelopeItem{ID: strconv.Itoa(i), Method: strings.ToUpper(it.info.Method.String()), URL: rel}
		if len(it.info.Content) > 0 {
			e.Headers = map[string]string{"Content-Type": "application/json"}
			e.Body = it.info.Content
		}
		req.Requests = append(req.Requests, e)
	}
	// A copy: the adapter writes the base URL into a request's path parameters, and batches run concurrently.
	info := abstractions.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abstractions.POST, "{+baseurl}/$batch", maps.Clone(c.pathParameters))
	info.Headers.TryAdd("Accept", "application/json")
	info, err := withBody(info, abstractions.POST, req)
	if err != nil {
		return nil, 0, err
	}
	op := operation{what: fmt.Sprintf("sending %d requests in one $batch", len(pending)), permission: items[pending[0]].op.permission}
	raw, err := c.send(ctx, info, op)
	if err != nil {
		if gerr, ok := AsError(err); ok && gerr.StatusCode >= 400 && gerr.StatusCode < 500 && gerr.StatusCode != http.StatusUnauthorized &&
			gerr.StatusCode != http.StatusTooManyRequests {
			return nil, 0, fmt.Errorf("%w: %w", errBatchRefused, err)
		}
		return nil, 0, err
	}
	var resp struct {
		Responses []batchEnvelopeAnswer `json:"responses"`
	}
	if err := decodeAnswer(op, raw, &resp); err != nil {
		return nil, 0, fmt.Errorf("%w: %w", errBatchRefused, err)
	}
	answered := make(map[int]bool, len(resp.Responses))
	var retry []int
	wait := time.Duration(-1) // the longest Retry-After; -1 while none came
	for _, r := range resp.Responses {
		i, err := strconv.Atoi(r.ID)
		if err != nil || i < 0 || i >= len(items) || answered[i] {
			continue
		}
		answered[i] = true
		header := http.Header{}
		for k, v := range r.Headers {
			header.Set(k, v)
		}
		body := batchBody(r.Body, header)
		if retryableStatus(r.Status) {
			retry = append(retry, i)
			if after, ok := retryAfter(header, time.Now()); ok && after > wait {
				wait = after
			}
		}
		if r.Status >= 400 {
			answers[i] = batchAnswer{status: r.Status, err: errorFromAnswer(items[i].op, r.Status, header, body)}
			continue
		}
		answers[i] = batchAnswer{status: r.Status, body: body}
	}
	for _, i := range pending {
		if !answered[i] {
			// Graph answers every request of a batch; one it left out is sent again.
			answers[i] = batchAnswer{err: fmt.Errorf("%s: Microsoft Graph's $batch answer left this request out", items[i].op.what)}
			retry = append(retry, i)
			wait = max(wait, 0)
		}
	}
	tflog.Debug(ctx, "Microsoft Graph $batch", map[string]any{"requests": len(pending), "to_retry": len(retry)})
	return retry, wait, nil
}

// batchBody is a sub-response body: JSON as it is, or the bytes of a base64 string for other content types
// (JSON batching: "the body ... is base64 encoded" when the content type is not JSON).
func batchBody(raw json.RawMessage, header http.Header) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	mediaType, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if raw[0] == '"' && mediaType != "application/json" {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				return b
			}
			return []byte(s)
		}
	}
	return raw
}

// errorFromAnswer builds the Error of an error answer Graph gave without the SDK (inside a $batch): the OData
// error of a JSON body, or, for anything else (a gateway's page), its media type and a sanitized excerpt.
func errorFromAnswer(op operation, status int, header http.Header, body []byte) error {
	gerr := &Error{Operation: op.what, Permission: op.permission, StatusCode: status,
		RequestID: header.Get("request-id"), ClientRequestID: header.Get("client-request-id")}
	mediaType, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	var odata struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID       string `json:"request-id"`
				ClientRequestID string `json:"client-request-id"`
				Date            string `json:"date"`
			} `json:"innerError"`
		} `json:"error"`
	}
	if len(body) > 0 && json.Unmarshal(body, &odata) == nil && (odata.Error.Code != "" || odata.Error.Message != "") {
		gerr.Code, gerr.Message, gerr.Date = odata.Error.Code, odata.Error.Message, odata.Error.InnerError.Date
		if inner := odata.Error.InnerError; inner.RequestID != "" {
			gerr.RequestID = inner.RequestID
		}
		if inner := odata.Error.InnerError; inner.ClientRequestID != "" {
			gerr.ClientRequestID = inner.ClientRequestID
		}
		return gerr
	}
	if mediaType != "" && !strings.HasSuffix(mediaType, "json") {
		gerr.ContentType = mediaType
	}
	if len(body) > 0 {
		gerr.Excerpt = bodyExcerpt(body, mediaType)
	}
	return gerr
}

// sendEach sends requests one by one, concurrently: what a refused $batch falls back to.
func (c *Client) sendEach(ctx context.Context, items []batchItem) []batchAnswer {
	answers := make([]batchAnswer, len(items))
	done := make(chan struct{}, len(items))
	for i, it := range items {
		go func() {
			defer func() { done <- struct{}{} }()
			// Its own logger fields: terraform-plugin-log masks fields in place, so goroutines logging through
			// one masked context race on its field map.
			ctx := tflog.SetField(ctx, "graph_request", i)
			b, err := c.send(ctx, it.info, it.op)
			answers[i] = batchAnswer{status: http.StatusOK, body: b, err: err}
		}()
	}
	for range items {
		<-done
	}
	return answers
}

// maxEnvelopesInFlight bounds the $batch requests one call sends at once: 200 requests in flight.
const maxEnvelopesInFlight = 10

// sendBatched sends any number of requests in $batch envelopes of up to MaxBatch, all at once; a single request
// goes alone, without an envelope. When Graph refuses $batch (batching is off for the rest of the client's life),
// or for a client told not to batch, requests go one by one.
func (c *Client) sendBatched(ctx context.Context, items []batchItem) []batchAnswer {
	if len(items) == 1 || c.noBatch.Load() {
		return c.sendEach(ctx, items)
	}
	answers := make([]batchAnswer, len(items))
	done := make(chan struct{})
	chunks := 0
	slots := make(chan struct{}, maxEnvelopesInFlight)
	for start := 0; start < len(items); start += MaxBatch {
		chunk := items[start:min(start+MaxBatch, len(items))]
		chunks++
		go func() {
			defer func() { done <- struct{}{} }()
			slots <- struct{}{}
			defer func() { <-slots }()
			ctx := tflog.SetField(ctx, "graph_batch", start/MaxBatch) // its own logger fields (see sendEach)
			got, err := c.batch(ctx, chunk)
			if errors.Is(err, errBatchRefused) {
				tflog.Warn(MaskSecrets(ctx), "Microsoft Graph refused a $batch; sending requests one by one from now on", map[string]any{"error": err.Error()})
				c.noBatch.Store(true)
				got, err = c.sendEach(ctx, chunk), nil
			}
			for i := range chunk {
				if err != nil {
					answers[start+i] = batchAnswer{err: err}
				} else {
					answers[start+i] = got[i]
				}
			}
		}()
	}
	for range chunks {
		<-done
	}
	return answers
}
