package emulator

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// isGraphPath reports whether the path is on the Graph surface (a version segment first).
func isGraphPath(p string) bool {
	lower := strings.ToLower(p)
	for _, v := range []string{"/v1.0", "/beta"} {
		if lower == v || strings.HasPrefix(lower, v+"/") {
			return true
		}
	}
	return false
}

// graphRequest is one Graph request, top-level or inside $batch.
type graphRequest struct {
	method      string
	escapedPath string // after the version segment, still percent-encoded
	query       url.Values
	body        []byte
}

// serveGraph handles a request under /v1.0: authenticate, route to the tenant, apply latency and faults,
// run the handler, log.
func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request) {
	x := &exchange{kind: "graph", method: r.Method, path: r.URL.Path, requestID: newGUID(),
		clientRequestID: r.Header.Get("client-request-id"), start: time.Now()}
	if x.clientRequestID == "" {
		x.clientRequestID = newGUID()
	}
	w.Header().Set("request-id", x.requestID)
	w.Header().Set("client-request-id", x.clientRequestID)

	escaped := r.URL.EscapedPath()
	if !strings.HasPrefix(strings.ToLower(escaped), "/v1.0") {
		x.route = r.Method + " /beta/(unsupported)"
		e.finish(w, nil, x, badRequest(svcGraph, "Invalid version: the emulator implements v1.0 only."))
		return
	}
	gr := graphRequest{method: r.Method, escapedPath: escaped[len("/v1.0"):], query: r.URL.Query()}

	p, fail := e.authenticate(r)
	if fail != nil {
		x.route = routeTemplate(gr)
		e.finish(w, fail.tenant, x, e.unauthorized(fail.message))
		return
	}
	body, err := readBody(r)
	if err != nil {
		x.route = routeTemplate(gr)
		e.finish(w, p.tenant, x, bodyErrorReply(err))
		return
	}
	gr.body = body
	e.wait(r.Context(), e.opts.Latency+p.tenant.settingsSnapshot().latency())

	rep, drop := e.runGraph(r.Context(), p, gr, x)
	if drop != "" {
		panic(http.ErrAbortHandler) // closes the HTTP/1.1 connection or resets the HTTP/2 stream
	}
	writeReplyAt(w, rep, x.requestID, x.clientRequestID, p.tenant.clockNow())
}

// finish writes a reply produced before the pipeline ran (401, unreadable body) and logs it.
func (e *Emulator) finish(w http.ResponseWriter, t *tenant, x *exchange, rep reply) {
	now := time.Now()
	if t != nil {
		now = t.clockNow()
	}
	writeReplyAt(w, rep, x.requestID, x.clientRequestID, now)
	e.record(t, x, rep.status, "", false)
}

// routeTemplate names the route of a request for the log, whatever the outcome.
func routeTemplate(gr graphRequest) string {
	segs, err := parseGraphPath(gr.escapedPath)
	if err != nil {
		return gr.method + " /v1.0/(invalid)"
	}
	rt, _, pathRoute := matchRoute(gr.method, segs.values())
	return templateFor(gr.method, rt, pathRoute)
}

func templateFor(method string, rt, pathRoute *route) string {
	switch {
	case rt != nil:
		return rt.template
	case pathRoute != nil:
		return method + " /v1.0/" + pathRoute.pattern
	}
	return method + " /v1.0/(unknown)"
}

// runGraph routes one request, applies the tenant's faults and runs the handler. drop is "before" or
// "after" when a fault wants the connection aborted; the caller must then not answer.
func (e *Emulator) runGraph(ctx context.Context, p *principal, gr graphRequest, x *exchange) (rep reply, drop string) {
	t := p.tenant
	segs, err := parseGraphPath(gr.escapedPath)
	if err != nil {
		rep = badRequest(svcGraph, "The request URI is not valid.")
		e.record(t, x, rep.status, "", false)
		return rep, ""
	}
	rt, params, pathRoute := matchRoute(gr.method, segs.values())
	x.route = templateFor(gr.method, rt, pathRoute)
	x.write = gr.method != http.MethodGet && gr.method != http.MethodHead && (rt == nil || !rt.readOnly)

	t.mu.Lock()
	dec := t.s.decideFault(gr.method, x.path)
	settings := t.s.settings
	t.mu.Unlock()
	e.wait(ctx, dec.latency)

	switch {
	case dec.drop == "before":
		e.record(t, x, 0, dec.id, true)
		return reply{}, "before"
	case dec.failsBefore():
		rep = dec.graphReply()
		e.record(t, x, rep.status, dec.id, false)
		return rep, ""
	}

	switch {
	case segs.dollarUPN(settings.DollarUserPath) != "":
		rep = collectionSegmentError(segs.dollarUPN(settings.DollarUserPath))
	case rt == nil && pathRoute != nil:
		rep = methodNotAllowed(pathRoute.svc)
	case rt == nil:
		rep = badRequest(svcGraph, "Resource not found for the segment '"+unknownSegment(segs.values())+"'.")
	case !rt.permitted(p, settings):
		rep = forbidden(rt.svc)
	default:
		c := &call{e: e, t: t, p: p, rt: rt, ctx: ctx, x: x, params: params, path: x.path, query: gr.query, body: gr.body}
		if rt.unlocked {
			rep = rt.handle(c)
		} else {
			t.mu.Lock()
			c.s = t.s
			c.now = c.s.now()
			rep = rt.handle(c)
			t.mu.Unlock()
		}
		if c.abort != "" {
			e.record(t, x, rep.status, dec.id, true)
			return reply{}, c.abort
		}
	}
	switch {
	case dec.drop == "after":
		e.record(t, x, rep.status, dec.id, true)
		return reply{}, "after"
	case dec.failAfter:
		// The request was processed; the client gets the fault instead of the real answer.
		rep = dec.graphReply()
	}
	e.record(t, x, rep.status, dec.id, false)
	return rep, ""
}

func methodNotAllowed(svc service) reply {
	switch svc {
	case svcAuthMethods:
		return svcError(svc, http.StatusMethodNotAllowed, "methodNotAllowed", "The method is not supported for this URL.")
	case svcDirectory:
		return svcError(svc, http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
	default:
		return svcError(svc, http.StatusMethodNotAllowed, "BadRequest", "The HTTP method is not allowed for this URL.")
	}
}

// record logs one request in its tenant (when known) and hands one line to Logf.
func (e *Emulator) record(t *tenant, x *exchange, status int, faultID string, dropped bool) {
	var entry logEntry
	if t != nil {
		t.mu.Lock()
		entry = t.s.record(t.id, x, status, faultID, dropped)
		t.mu.Unlock()
	} else {
		entry = logEntry{Kind: x.kind, Method: x.method, Path: x.path, Route: x.route, Status: status,
			RequestID: x.requestID, DurationMs: float64(time.Since(x.start).Microseconds()) / 1000}
	}
	if e.opts.Logf != nil {
		format, args := logLine(entry)
		e.opts.Logf(format, args...)
	}
}

// wait sleeps for d, or less if the client goes away.
func (e *Emulator) wait(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}
