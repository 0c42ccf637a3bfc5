package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxBatchRequests is Graph's limit per $batch (spec §6.2).
const maxBatchRequests = 20

type batchItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// batch runs POST /$batch. Each sub-request goes through the normal pipeline (routing, permissions,
// faults, log), sequentially in dependency order; a failed dependency yields 424. A "drop" fault on any
// sub-request aborts the whole $batch connection, as a real network drop would.
func (c *call) batch() reply {
	var req struct {
		Requests []batchItem `json:"requests"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil || req.Requests == nil {
		return badRequest(svcGraph, "Invalid batch payload format.")
	}
	if len(req.Requests) == 0 {
		return badRequest(svcGraph, "The batch request must contain at least one request.")
	}
	if len(req.Requests) > maxBatchRequests {
		return badRequest(svcGraph, fmt.Sprintf("The number of requests in a batch exceeds the limit of %d.", maxBatchRequests))
	}
	byID := map[string]int{}
	for i, it := range req.Requests {
		key := strings.ToLower(strings.TrimSpace(it.ID))
		switch {
		case key == "":
			return badRequest(svcGraph, fmt.Sprintf("Request %d of the batch has no id.", i+1))
		case strings.TrimSpace(it.Method) == "" || strings.TrimSpace(it.URL) == "":
			return badRequest(svcGraph, fmt.Sprintf("Request '%s' of the batch needs a method and a url.", it.ID))
		}
		if _, dup := byID[key]; dup {
			return badRequest(svcGraph, fmt.Sprintf("The batch contains the request id '%s' more than once.", it.ID))
		}
		byID[key] = i
	}
	order, msg := batchOrder(req.Requests, byID)
	if msg != "" {
		return badRequest(svcGraph, msg)
	}

	statuses := make([]int, len(req.Requests))
	responses := make([]map[string]any, 0, len(req.Requests))
	for _, i := range order {
		it := req.Requests[i]
		failedDep := ""
		for _, d := range it.DependsOn {
			if st := statuses[byID[strings.ToLower(d)]]; st >= 400 {
				failedDep = d
				break
			}
		}
		if failedDep != "" {
			statuses[i] = http.StatusFailedDependency
			responses = append(responses, map[string]any{"id": it.ID, "status": http.StatusFailedDependency,
				"headers": map[string]string{"Content-Type": "application/json"},
				"body": map[string]any{"error": map[string]any{"code": "FailedDependency",
					"message": fmt.Sprintf("The request depends on request '%s', which failed.", failedDep)}}})
			continue
		}
		sub, status, drop := c.runBatchItem(it)
		if drop != "" {
			c.abort = drop
			return reply{}
		}
		statuses[i] = status
		responses = append(responses, sub)
	}
	return jsonReply(http.StatusOK, map[string]any{"responses": responses})
}

// batchOrder returns an execution order that respects dependsOn, or a message for unknown ids and cycles.
func batchOrder(items []batchItem, byID map[string]int) ([]int, string) {
	for _, it := range items {
		for _, d := range it.DependsOn {
			if _, ok := byID[strings.ToLower(d)]; !ok {
				return nil, fmt.Sprintf("Request '%s' depends on '%s', which is not in the batch.", it.ID, d)
			}
		}
	}
	done := make([]bool, len(items))
	var order []int
	for len(order) < len(items) {
		progressed := false
		for i, it := range items {
			if done[i] {
				continue
			}
			ready := true
			for _, d := range it.DependsOn {
				if !done[byID[strings.ToLower(d)]] {
					ready = false
					break
				}
			}
			if ready {
				done[i], progressed = true, true
				order = append(order, i)
			}
		}
		if !progressed {
			return nil, "The dependsOn references of the batch form a cycle."
		}
	}
	return order, ""
}

// runBatchItem runs one sub-request and renders its sub-response.
func (c *call) runBatchItem(it batchItem) (map[string]any, int, string) {
	rel := strings.TrimLeft(strings.TrimSpace(it.URL), "/")
	if strings.HasPrefix(strings.ToLower(rel), "v1.0/") {
		rel = rel[len("v1.0/"):]
	}
	rawPath, rawQuery, _ := strings.Cut(rel, "?")
	query, _ := url.ParseQuery(rawQuery)
	decoded, err := url.PathUnescape(rawPath)
	if err != nil {
		decoded = rawPath
	}
	x := &exchange{kind: "graph", method: strings.ToUpper(it.Method), path: "/v1.0/" + decoded, requestID: newGUID(),
		clientRequestID: c.x.clientRequestID, batchRequestID: c.x.requestID, start: time.Now()}
	for k, v := range it.Headers {
		if strings.EqualFold(k, "client-request-id") && v != "" {
			x.clientRequestID = v
		}
	}
	if strings.EqualFold(rawPath, "$batch") {
		rep := badRequest(svcGraph, "A batch cannot contain another batch.")
		return c.subResponse(it.ID, rep, x), rep.status, ""
	}
	gr := graphRequest{method: x.method, escapedPath: "/" + rawPath, query: query, body: batchBody(it)}
	rep, drop := c.e.runGraph(c.ctx, c.p, gr, x)
	if drop != "" {
		return nil, 0, drop
	}
	return c.subResponse(it.ID, rep, x), rep.status, ""
}

// batchBody accepts a JSON body, or a base64 string for non-JSON content types (spec §6.2).
func batchBody(it batchItem) []byte {
	raw := bytes.TrimSpace(it.Body)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] == '"' {
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

// subResponse renders one sub-response. A body that is not JSON (a fault's HTML page) goes base64-encoded,
// as $batch carries non-JSON bodies (spec §6.2).
func (c *call) subResponse(id string, rep reply, x *exchange) map[string]any {
	status, h, body := rep.renderAt(x.requestID, x.clientRequestID, c.t.clockNow())
	headers := map[string]string{}
	if !rep.omitIDs {
		headers["request-id"], headers["client-request-id"] = x.requestID, x.clientRequestID
	}
	for k := range h {
		headers[k] = h.Get(k)
	}
	out := map[string]any{"id": id, "status": status, "headers": headers}
	switch {
	case body == nil:
	case json.Valid(body):
		out["body"] = json.RawMessage(body)
	default:
		out["body"] = base64.StdEncoding.EncodeToString(body)
	}
	return out
}
