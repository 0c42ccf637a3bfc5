package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// fault is one injected failure rule of a tenant. It applies to Graph requests (path /v1.0/...) and to
// token-side requests of the tenant (path /{tenant}/oauth2/v2.0/token and friends).
type fault struct {
	ID          string  `json:"id"`
	Method      string  `json:"method,omitempty"`
	Path        string  `json:"path,omitempty"` // regexp, matched case-insensitively against the request path
	Status      int     `json:"status,omitempty"`
	ErrorCode   string  `json:"errorCode,omitempty"`
	Message     string  `json:"message,omitempty"`
	RetryAfter  *string `json:"retryAfter,omitempty"` // seconds or an HTTP date, sent verbatim
	Count       int     `json:"count"`                // 0 = unlimited
	Skip        int     `json:"skip"`                 // let this many matching requests through first
	Probability float64 `json:"probability,omitempty"`
	LatencyMs   int     `json:"latencyMs,omitempty"`
	Drop        string  `json:"drop,omitempty"` // "before" or "after"
	// FailAfter lets the request be processed (the write happens) and then answers status (default 500)
	// instead of the real answer.
	FailAfter bool `json:"failAfter,omitempty"`
	// Body is sent verbatim instead of the JSON error, with ContentType (default text/html); ContentType
	// alone sends a generic page, as a proxy or gateway in front of Graph would.
	Body        string `json:"body,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	// OmitRequestID drops the request-id and client-request-id headers (token side: x-ms-request-id too).
	OmitRequestID bool `json:"omitRequestId,omitempty"`

	Hits int `json:"hits"` // times applied
	Seen int `json:"seen"` // matching requests, applied or not

	re *regexp.Regexp
}

// faultDecision is what the injector decided for one request; the zero value means "no fault".
type faultDecision struct {
	id         string
	latency    time.Duration
	status     int
	code       string
	message    string
	retryAfter *string
	drop       string
	failAfter  bool
	body       string
	ctype      string
	omitIDs    bool
}

// failsBefore reports whether the decision answers with the fault's status before running the handler.
func (d faultDecision) failsBefore() bool { return d.status != 0 && d.drop == "" && !d.failAfter }

func parseFault(body []byte) (*fault, error) {
	f := &fault{}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(f); err != nil {
		return nil, fmt.Errorf("invalid fault: %v", err)
	}
	f.ID, f.Hits, f.Seen = "", 0, 0
	f.Method = strings.ToUpper(f.Method)
	if f.Path != "" {
		re, err := regexp.Compile("(?i)" + f.Path)
		if err != nil {
			return nil, fmt.Errorf("invalid fault path regexp: %v", err)
		}
		f.re = re
	}
	switch {
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return nil, errors.New("fault status must be a 4xx or 5xx status")
	case f.Drop != "" && f.Drop != "before" && f.Drop != "after":
		return nil, errors.New(`fault drop must be "before" or "after"`)
	case f.Probability < 0 || f.Probability > 1:
		return nil, errors.New("fault probability must be between 0 and 1 (0 means always)")
	case f.Count < 0 || f.Skip < 0 || f.LatencyMs < 0:
		return nil, errors.New("fault count, skip and latencyMs must not be negative")
	case f.FailAfter && f.Drop != "":
		return nil, errors.New("fault failAfter and drop exclude each other")
	case (f.Body != "" || f.ContentType != "" || f.OmitRequestID) && f.Status == 0 && !f.FailAfter:
		return nil, errors.New("fault body, contentType and omitRequestId need a status")
	case f.Status == 0 && f.Drop == "" && f.LatencyMs == 0 && !f.FailAfter:
		return nil, errors.New("fault does nothing: give status, drop, failAfter or latencyMs")
	}
	if f.FailAfter && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	if (f.Body != "") && f.ContentType == "" {
		f.ContentType = "text/html; charset=utf-8"
	}
	if f.RetryAfter == nil && f.Status == http.StatusTooManyRequests {
		one := "1" // real throttling always says when to retry; keep client retries fast
		f.RetryAfter = &one
	}
	return f, nil
}

// decideFault picks the first fault that applies to the request and counts it. Caller holds t.mu.
func (s *tenantState) decideFault(method, path string) faultDecision {
	for _, f := range s.faults {
		if f.Method != "" && f.Method != method {
			continue
		}
		if f.re != nil && !f.re.MatchString(path) {
			continue
		}
		if f.Count > 0 && f.Hits >= f.Count {
			continue
		}
		f.Seen++
		if f.Seen <= f.Skip {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && s.rng.Float64() >= f.Probability {
			continue
		}
		f.Hits++
		return faultDecision{id: f.ID, latency: time.Duration(f.LatencyMs) * time.Millisecond, status: f.Status,
			code: f.ErrorCode, message: f.Message, retryAfter: f.RetryAfter, drop: f.Drop, failAfter: f.FailAfter,
			body: f.Body, ctype: f.ContentType, omitIDs: f.OmitRequestID}
	}
	return faultDecision{}
}

// rawPage is the body of a fault with a content type of its own: the given body, or a gateway's page.
func (d faultDecision) rawPage() (rawBody, bool) {
	if d.ctype == "" {
		return rawBody{}, false
	}
	data := d.body
	if data == "" {
		title := fmt.Sprintf("%d %s", d.status, http.StatusText(d.status))
		data = "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
			"</h1></center>\r\n</body>\r\n</html>\r\n"
	}
	return rawBody{contentType: d.ctype, data: []byte(data)}, true
}

// graphReply builds the answer for an injected status: the OData error, or the fault's own page.
func (d faultDecision) graphReply() reply {
	if page, ok := d.rawPage(); ok {
		rep := reply{status: d.status, body: page, omitIDs: d.omitIDs}
		rep.setRetryAfter(d.retryAfter)
		return rep
	}
	rep := d.odataReply()
	rep.omitIDs = d.omitIDs
	return rep
}

func (d faultDecision) odataReply() reply {
	code, msg := d.code, d.message
	if d.status == http.StatusTooManyRequests && code == "" {
		// The documented throttling body (spec §6.1), including its own innerError fields.
		rep := errorReply(d.status, odataErr{code: "TooManyRequests", message: firstNonEmpty(msg, "Please retry again later."),
			inner: map[string]any{"code": "429", "message": "Please retry after", "status": "429"}})
		rep.setRetryAfter(d.retryAfter)
		return rep
	}
	if code == "" {
		code = defaultFaultCode(d.status)
	}
	if msg == "" {
		msg = http.StatusText(d.status)
		if msg == "" {
			msg = "Injected fault."
		}
	}
	rep := errorReply(d.status, odataErr{code: code, message: msg})
	rep.setRetryAfter(d.retryAfter)
	return rep
}

func defaultFaultCode(status int) string {
	switch status {
	case 400:
		return "badRequest"
	case 401:
		return "InvalidAuthenticationToken"
	case 403:
		return "accessDenied"
	case 404:
		return "itemNotFound"
	case 409:
		return "conflict"
	case 429:
		return "TooManyRequests"
	case 503:
		return "serviceNotAvailable"
	case 504:
		return "gatewayTimeout"
	default:
		if status >= 500 {
			return "generalException"
		}
		return "badRequest"
	}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
