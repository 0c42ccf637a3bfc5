package graph

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// plainDecimal is delay-seconds as RFC 9110 writes it (1*DIGIT), with the fraction retryAfter also accepts.
var plainDecimal = regexp.MustCompile(`^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$`)

// exactNanoseconds is the oracle for a plain decimal: the value in seconds, times 1e9, truncated, capped at
// the longest time.Duration. It uses exact rational arithmetic, independently of retryAfter's own code.
func exactNanoseconds(t *testing.T, s string) time.Duration {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("oracle: big.Rat cannot read %q", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(int64(time.Second)))
	ns := new(big.Int).Quo(r.Num(), r.Denom())
	if !ns.IsInt64() {
		return math.MaxInt64
	}
	return time.Duration(ns.Int64())
}

// FuzzRetryAfter checks retryAfter on arbitrary Retry-After values and clocks:
//   - it never panics and never returns a negative wait;
//   - ok is false (and the wait 0) unless the value is delay-seconds, another non-negative number
//     strconv.ParseFloat reads, or an HTTP date;
//   - a plain non-negative decimal ("120", "2.128", ".5") is always accepted and yields exactly that many
//     seconds, truncated to the nanosecond and capped at the longest time.Duration;
//   - an HTTP date that is not also a number yields the time left until it, or 0 when it has passed.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 10, 21, 7, 0, 0, 0, time.UTC).Unix()
	for _, v := range []string{
		"0", "1", "2.128", "120", " 7 ", "Wed, 21 Oct 2026 07:28:00 GMT", "Wednesday, 21-Oct-26 07:28:00 GMT",
		"Wed Oct 21 07:28:00 2026", "Mon, 01 Jan 2001 00:00:00 GMT", "-1", "", "   ", "1e400", "abc", "1.2.3", ".",
		"NaN", "+3", "0x10",
	} {
		f.Add(v, now)
	}
	f.Add("Wed, 21 Oct 2026 07:28:00 GMT", int64(math.MinInt64))
	f.Add("Wed, 21 Oct 2026 07:28:00 GMT", int64(math.MaxInt64))

	f.Fuzz(func(t *testing.T, value string, nowUnix int64) {
		clock := time.Unix(nowUnix, 0)
		d, ok := retryAfter(http.Header{"Retry-After": {value}}, clock)
		if d < 0 {
			t.Fatalf("retryAfter(%q) = %v, a negative wait", value, d)
		}
		if !ok && d != 0 {
			t.Fatalf("retryAfter(%q) = %v with ok=false; want 0", value, d)
		}

		v := strings.TrimSpace(value)
		secs, floatErr := strconv.ParseFloat(v, 64)
		isNumber := floatErr == nil && secs >= 0
		date, dateErr := http.ParseTime(v)
		isDate := dateErr == nil
		switch {
		case plainDecimal.MatchString(v):
			if !ok {
				t.Fatalf("retryAfter(%q) not accepted; it is delay-seconds", value)
			}
			if want := exactNanoseconds(t, v); d != want {
				t.Fatalf("retryAfter(%q) = %v (%d ns); want %v (%d ns)", value, d, int64(d), want, int64(want))
			}
		case isNumber:
			if !ok {
				t.Fatalf("retryAfter(%q) not accepted; strconv.ParseFloat reads %v", value, secs)
			}
		case isDate:
			if !ok {
				t.Fatalf("retryAfter(%q) not accepted; it is an HTTP date", value)
			}
			if want := max(date.Sub(clock), 0); d != want {
				t.Fatalf("retryAfter(%q) at %v = %v; want %v", value, clock, d, want)
			}
		default:
			if ok {
				t.Fatalf("retryAfter(%q) = %v, ok=true for a value that is neither seconds nor an HTTP date", value, d)
			}
		}
	})
}

// Presence bits for FuzzGraphErrorTranslation: which parts of the OData error exist.
const (
	hasMain = 1 << iota
	hasCode
	hasMessage
	hasInner
	hasRequestID
	hasClientRequestID
	hasDatePtr    // additionalData["date"] as *string, as the provider reads it
	hasDateString // additionalData["date"] as a plain string, which the provider ignores
	wrapped       // the ODataError arrives inside another error (fmt.Errorf %w)
)

// FuzzGraphErrorTranslation builds an OData error from fuzzed parts and passes it through wrap:
//   - the result is a *Error (errors.As and AsError) carrying exactly the status, code, message, ids and date
//     given, the ids falling back to the response headers when the body has none;
//   - Error() never panics and names the operation, "HTTP <status>", the code, the message and the ids;
//   - errors.Is matches ErrNotFound iff 404, ErrForbidden iff 403, ErrUnauthorized iff 401, and
//     ErrThrottled iff 429, 503 or 504.
func FuzzGraphErrorTranslation(f *testing.F) {
	all := uint16(hasMain | hasCode | hasMessage | hasInner | hasRequestID | hasClientRequestID | hasDatePtr)
	f.Add("reading the Temporary Access Pass policy", 404, "Request_ResourceNotFound", "Resource 'x' does not exist.",
		"0b8f4d3c-1a2b-4c5d-8e9f-000000000001", "5f0c0fe1-0000-4000-8000-000000000001", "2026-10-21T07:28:00", "", "", all)
	f.Add("creating a Temporary Access Pass", 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.",
		"", "", "", "hdr-request-id", "hdr-client-request-id", uint16(hasMain|hasCode|hasMessage))
	f.Add("listing groups", 429, "TooManyRequests", "", "rid", "", "2026-10-21T07:28:00", "", "", uint16(hasMain|hasCode|hasInner|hasRequestID|hasDateString|wrapped))
	f.Add("x", 503, "", "", "", "", "", "", "", uint16(0))
	f.Add("x", 504, "", "", "", "crid", "d", "", "", all|wrapped)
	f.Add("x", 401, "InvalidAuthenticationToken", "Access token has expired.", "", "", "", "", "", uint16(hasMain|hasCode|hasMessage|hasInner))
	f.Add("", -1, "%s%d%!", "\x00\xff", "%v", "", "", "", "", all)
	f.Add("x", 0, "", "", "", "", "", "", "", uint16(hasMain|hasInner|hasDatePtr))

	f.Fuzz(func(t *testing.T, what string, status int, code, message, requestID, clientRequestID, date, hdrRequestID, hdrClientRequestID string, bits uint16) {
		has := func(bit uint16) bool { return bits&bit != 0 }
		odata := odataerrors.NewODataError()
		odata.ResponseStatusCode = status
		odata.ResponseHeaders.Add("request-id", hdrRequestID)
		odata.ResponseHeaders.Add("client-request-id", hdrClientRequestID)

		var want Error
		want.Operation, want.Permission, want.StatusCode = what, permTAPRead, status
		if has(hasMain) {
			main := odataerrors.NewMainError()
			if has(hasCode) {
				main.SetCode(&code)
				want.Code = code
			}
			if has(hasMessage) {
				main.SetMessage(&message)
				want.Message = message
			}
			if has(hasInner) {
				inner := odataerrors.NewInnerError()
				if has(hasRequestID) {
					inner.SetRequestId(&requestID)
					want.RequestID = requestID
				}
				if has(hasClientRequestID) {
					inner.SetClientRequestId(&clientRequestID)
					want.ClientRequestID = clientRequestID
				}
				switch {
				case has(hasDatePtr):
					inner.GetAdditionalData()["date"] = &date
					want.Date = date
				case has(hasDateString):
					inner.GetAdditionalData()["date"] = date
				}
				main.SetInnerError(inner)
			}
			odata.SetErrorEscaped(main)
		}
		if want.RequestID == "" {
			want.RequestID = hdrRequestID
		}
		if want.ClientRequestID == "" {
			want.ClientRequestID = hdrClientRequestID
		}

		var in error = odata
		if has(wrapped) {
			in = fmt.Errorf("batch step 1: %w", odata)
		}
		err := wrap(context.Background(), operation{what: what, permission: permTAPRead}, in)

		var gerr *Error
		if !errors.As(err, &gerr) {
			t.Fatalf("wrap returned %T, not a *graph.Error", err)
		}
		if viaAs, ok := AsError(err); !ok || viaAs != gerr {
			t.Fatalf("AsError disagrees with errors.As")
		}
		if *gerr != want {
			t.Fatalf("wrap =\n%#v\nwant\n%#v", *gerr, want)
		}

		msg := err.Error()
		for _, part := range []string{what, fmt.Sprintf("HTTP %d", status), want.Code, want.Message} {
			if !strings.Contains(msg, part) {
				t.Fatalf("Error() = %q does not contain %q", msg, part)
			}
		}
		if want.Code != "" && !strings.Contains(msg, fmt.Sprintf("HTTP %d %s", status, want.Code)) {
			t.Fatalf("Error() = %q does not show the code after the status", msg)
		}
		if want.RequestID != "" || want.ClientRequestID != "" {
			for _, part := range []string{"request-id " + orDash(want.RequestID), "client-request-id " + orDash(want.ClientRequestID)} {
				if !strings.Contains(msg, part) {
					t.Fatalf("Error() = %q does not contain %q", msg, part)
				}
			}
			if want.Date != "" && !strings.Contains(msg, "date "+want.Date) {
				t.Fatalf("Error() = %q does not contain the date %q", msg, want.Date)
			}
		}

		for _, c := range []struct {
			sentinel error
			want     bool
		}{
			{ErrNotFound, status == http.StatusNotFound},
			{ErrForbidden, status == http.StatusForbidden},
			{ErrUnauthorized, status == http.StatusUnauthorized},
			{ErrThrottled, status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout},
		} {
			if got := errors.Is(err, c.sentinel); got != c.want {
				t.Fatalf("status %d: errors.Is(err, %q) = %v, want %v", status, c.sentinel, got, c.want)
			}
		}
	})
}
