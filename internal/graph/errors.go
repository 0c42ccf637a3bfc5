package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// Error is an error answer from Microsoft Graph, reduced to what a person needs to act on it.
type Error struct {
	// Operation says what the provider was doing, e.g. "reading the Temporary Access Pass policy".
	Operation string
	// Permission names the Graph application permission (and directory role for delegated callers)
	// that the operation needs, so a 403 can say what to grant.
	Permission      string
	StatusCode      int
	Code            string
	Message         string
	RequestID       string
	ClientRequestID string
	Date            string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: Microsoft Graph answered HTTP %d", e.Operation, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" || e.ClientRequestID != "" {
		fmt.Fprintf(&b, " (request-id %s, client-request-id %s", orDash(e.RequestID), orDash(e.ClientRequestID))
		if e.Date != "" {
			fmt.Fprintf(&b, ", date %s", e.Date)
		}
		b.WriteString(")")
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Is lets errors.Is(err, ErrNotFound) and friends match on the status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrThrottled:
		return retryableStatus(e.StatusCode)
	}
	return false
}

// Sentinels for errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("unauthorized")
	ErrThrottled    = errors.New("throttled or unavailable")
)

// AsError returns the Graph answer inside err, if there is one.
func AsError(err error) (*Error, bool) {
	var gerr *Error
	if errors.As(err, &gerr) {
		return gerr, true
	}
	return nil, false
}

// wrap turns whatever the SDK returned into an *Error when Graph answered, and otherwise adds the
// operation to the message (network failures, authentication failures, timeouts).
func wrap(ctx context.Context, op operation, err error) error {
	operation := op.what
	if err == nil {
		return nil
	}
	var odata *odataerrors.ODataError
	if errors.As(err, &odata) {
		gerr := &Error{Operation: operation, Permission: op.permission, StatusCode: odata.ResponseStatusCode}
		if main := odata.GetErrorEscaped(); main != nil {
			gerr.Code = deref(main.GetCode())
			gerr.Message = deref(main.GetMessage())
			if inner := main.GetInnerError(); inner != nil {
				gerr.RequestID = deref(inner.GetRequestId())
				gerr.ClientRequestID = deref(inner.GetClientRequestId())
				if d, ok := inner.GetAdditionalData()["date"].(*string); ok && d != nil {
					gerr.Date = *d
				}
			}
		}
		fillFromHeaders(gerr, odata.ResponseHeaders)
		return gerr
	}
	var api *abstractions.ApiError
	if errors.As(err, &api) {
		gerr := &Error{Operation: operation, Permission: op.permission, StatusCode: api.ResponseStatusCode, Message: api.Message}
		fillFromHeaders(gerr, api.ResponseHeaders)
		return gerr
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%s: gave up when the operation's timeout ran out (%w); raise the resource's timeouts or retry later", operation, ctx.Err())
	}
	return fmt.Errorf("%s: %w", operation, err)
}

func fillFromHeaders(gerr *Error, h *abstractions.ResponseHeaders) {
	if h == nil {
		return
	}
	first := func(name string) string {
		if v := h.Get(name); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if gerr.RequestID == "" {
		gerr.RequestID = first("request-id")
	}
	if gerr.ClientRequestID == "" {
		gerr.ClientRequestID = first("client-request-id")
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// operation describes a Graph call for error messages.
type operation struct {
	what       string
	permission string
}

// Permissions per operation, from graph-spec §8 (least privileged first).
const (
	permPolicyRead  = "Policy.Read.AuthenticationMethod (or Policy.ReadWrite.AuthenticationMethod); delegated: Global Reader or Authentication Policy Administrator"
	permPolicyWrite = "Policy.ReadWrite.AuthenticationMethod; delegated: Authentication Policy Administrator"
	permUserRead    = "User.Read.All (or Directory.Read.All)"
	permGroupRead   = "GroupMember.Read.All (or Directory.Read.All)"
	permDirRead     = "Directory.Read.All (or User.Read.All and GroupMember.Read.All)"
	permTAPRead     = "UserAuthMethod-TAP.Read.All (or UserAuthenticationMethod.Read.All); delegated: Authentication Administrator"
	permTAPWrite    = "UserAuthMethod-TAP.ReadWrite.All (or UserAuthenticationMethod.ReadWrite.All); delegated: Authentication Administrator, or Privileged Authentication Administrator for admins"
	permMethodRead  = "UserAuthenticationMethod.Read.All; delegated: Authentication Administrator"
	permMethodWrite = "UserAuthenticationMethod.ReadWrite.All; delegated: Authentication Administrator, or Privileged Authentication Administrator for admins"
)
