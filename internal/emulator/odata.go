package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// graphContentType is what Graph sends with JSON bodies; Kiota only looks for application/json.
const graphContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// maxBodyBytes bounds request bodies (after gunzip).
const maxBodyBytes = 4 << 20

// reply is a Graph response before it is written, so the same handler output can go to the wire,
// into a $batch sub-response, or be discarded by a "drop after" fault.
type reply struct {
	status  int
	header  http.Header
	body    any  // nil (no body), odataErr, rawBody, or a JSON-encodable value
	omitIDs bool // send no request-id / client-request-id headers (a fault imitating a proxy)
}

// rawBody is a body sent as is, with its own content type (a fault's HTML page, say).
type rawBody struct {
	contentType string
	data        []byte
}

// odataErr is the spec §1.3 envelope. The authentication-methods service repeats the message inside
// innerError; directory errors do not.
type odataErr struct {
	code          string
	message       string
	repeatMessage bool
	inner         map[string]any
	details       []map[string]any // error.details, as the directory sends for invalid or conflicting values
}

// service selects the error dialect of a route (spec §1.3).
type service int

const (
	svcGraph       service = iota // the OData front door: "BadRequest"
	svcDirectory                  // users, groups: "Request_*", "Authorization_RequestDenied"
	svcAuthMethods                // policy and authentication methods: lowerCamel codes, innerError.message
	svcMail                       // Exchange (sendMail): "ErrorAccessDenied", "ErrorInvalidRecipients"
)

func jsonReply(status int, body any) reply { return reply{status: status, body: body} }

func noContent() reply { return reply{status: http.StatusNoContent} }

func errorReply(status int, e odataErr) reply { return reply{status: status, body: e} }

// svcError builds an error in the dialect of svc.
func svcError(svc service, status int, code, message string) reply {
	return errorReply(status, odataErr{code: code, message: message, repeatMessage: svc == svcAuthMethods})
}

// badRequest uses the 400 code of each dialect.
func badRequest(svc service, message string) reply {
	switch svc {
	case svcDirectory:
		return svcError(svc, http.StatusBadRequest, "Request_BadRequest", message)
	case svcAuthMethods:
		return svcError(svc, http.StatusBadRequest, "badRequest", message)
	default:
		return svcError(svc, http.StatusBadRequest, "BadRequest", message)
	}
}

// resourceNotFound is the directory's 404 for an object addressed by id or UPN.
func resourceNotFound(svc service, code, key string) reply {
	return svcError(svc, http.StatusNotFound, code,
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key))
}

const invalidJSONMessage = "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."

func (r *reply) setHeader(k, v string) {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(k, v)
}

// addDetail appends {"code","message"?,"target"} to error.details of an error reply.
func (r *reply) addDetail(code, message, target string) {
	e, ok := r.body.(odataErr)
	if !ok {
		return
	}
	d := map[string]any{"code": code, "target": target}
	if message != "" {
		d["message"] = message
	}
	e.details = append(e.details, d)
	r.body = e
}

func (r *reply) setRetryAfter(v *string) {
	if v != nil && *v != "" {
		r.setHeader("Retry-After", *v)
	}
}

// render produces the status, headers and body bytes, filling innerError with this request's ids and the
// real time; renderAt takes the date (a tenant clock).
func (r reply) render(requestID, clientRequestID string) (int, http.Header, []byte) {
	return r.renderAt(requestID, clientRequestID, time.Now())
}

func (r reply) renderAt(requestID, clientRequestID string, date time.Time) (int, http.Header, []byte) {
	h := http.Header{}
	for k, v := range r.header {
		h[k] = v
	}
	if r.body == nil {
		return r.status, h, nil
	}
	body := r.body
	if raw, ok := body.(rawBody); ok {
		h.Set("Content-Type", raw.contentType)
		return r.status, h, raw.data
	}
	if e, ok := body.(odataErr); ok {
		inner := map[string]any{
			"date":              date.UTC().Format("2006-01-02T15:04:05"),
			"request-id":        requestID,
			"client-request-id": clientRequestID,
		}
		if e.repeatMessage {
			inner["message"] = e.message
		}
		for k, v := range e.inner {
			inner[k] = v
		}
		env := map[string]any{"code": e.code, "message": e.message, "innerError": inner}
		if len(e.details) > 0 {
			env["details"] = e.details
		}
		body = map[string]any{"error": env}
	}
	h.Set("Content-Type", graphContentType)
	return r.status, h, marshalJSON(body)
}

// marshalJSON encodes without HTML escaping: passes contain '&', and Graph does not escape it.
func marshalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{}`)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// writeReply renders rep for this request and writes it, dated by the real clock.
func writeReply(w http.ResponseWriter, rep reply, requestID, clientRequestID string) {
	writeReplyAt(w, rep, requestID, clientRequestID, time.Now())
}

// writeReplyAt is writeReply dated by date, the tenant clock on the Graph surface: it goes into the HTTP Date
// header (Graph sends one with every answer) and innerError.date.
func writeReplyAt(w http.ResponseWriter, rep reply, requestID, clientRequestID string, date time.Time) {
	status, h, body := rep.renderAt(requestID, clientRequestID, date)
	if rep.omitIDs {
		w.Header().Del("request-id")
		w.Header().Del("client-request-id")
	}
	w.Header().Set("Date", date.UTC().Format(http.TimeFormat))
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	if body != nil {
		_, _ = w.Write(body) // the client may be gone; nothing to do about it
	}
}

// readBody returns the request body, gunzipped when Kiota's CompressionHandler sent it compressed.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var src io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, errBadGzip
		}
		defer func() { _ = zr.Close() }()
		src = zr
	default:
		return nil, errUnsupportedEncoding
	}
	data, err := io.ReadAll(io.LimitReader(src, maxBodyBytes+1))
	if err != nil {
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errBadGzip
		}
		return nil, err
	}
	if len(data) > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	return data, nil
}

var (
	errBadGzip             = errors.New("the gzip request body is corrupt")
	errUnsupportedEncoding = errors.New("unsupported Content-Encoding")
	errBodyTooLarge        = errors.New("request body too large")
)

// bodyErrorReply maps a readBody error to a response. 415 makes Kiota resend uncompressed.
func bodyErrorReply(err error) reply {
	switch {
	case errors.Is(err, errUnsupportedEncoding):
		return svcError(svcGraph, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Unsupported Content-Encoding.")
	case errors.Is(err, errBodyTooLarge):
		return svcError(svcGraph, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is too large.")
	default:
		return badRequest(svcGraph, invalidJSONMessage)
	}
}

// graphTime writes a DateTimeOffset the way Graph does: UTC, 'Z', at most 7 fraction digits.
func graphTime(t time.Time) string {
	return t.UTC().Truncate(100 * time.Nanosecond).Format("2006-01-02T15:04:05.9999999Z")
}

// jsonObject is a request body with its properties still raw, so each handler decides which keys exist.
type jsonObject map[string]json.RawMessage

// parseObject decodes a JSON object; an empty body is an empty object.
func parseObject(body []byte) (jsonObject, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return jsonObject{}, nil
	}
	var o jsonObject
	if err := json.Unmarshal(body, &o); err != nil || o == nil {
		return nil, errors.New("not a JSON object")
	}
	return o, nil
}

// present reports whether key is there and not null.
func (o jsonObject) present(key string) bool {
	v, ok := o[key]
	return ok && strings.TrimSpace(string(v)) != "null"
}

func (o jsonObject) decode(key string, v any) (bool, error) {
	if !o.present(key) {
		return false, nil
	}
	return true, json.Unmarshal(o[key], v)
}

// unknownKeys lists properties that are neither known nor instance annotations (which contain '@').
func (o jsonObject) unknownKeys(known ...string) []string {
	var out []string
	for k := range o {
		if strings.Contains(k, "@") {
			continue
		}
		found := false
		for _, kn := range known {
			if k == kn {
				found = true
				break
			}
		}
		if !found {
			out = append(out, k)
		}
	}
	return out
}

// literalError is the OData message for a value of the wrong type.
func literalError(key string, raw json.RawMessage, edmType string) string {
	return fmt.Sprintf("Cannot convert the literal '%s' to the expected type '%s' (property '%s').",
		strings.Trim(string(raw), `"`), edmType, key)
}
