package graph

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

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
	// ContentType and Excerpt describe an answer that was not JSON (a proxy's or gateway's HTML page):
	// its media type and a short sanitized excerpt of its text.
	ContentType string
	Excerpt     string
	// ClockSkew is set when the refusal is about time and Graph's clock differs from this machine's by
	// more than a minute (see Client.Skew).
	ClockSkew time.Duration
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
	if e.Code == "" && e.Message == "" && (e.ContentType != "" || e.Excerpt != "") {
		fmt.Fprintf(&b, " with %s instead of a Graph error (likely from a proxy or gateway in front of Graph)", orText(e.ContentType, "a body that is not JSON"))
		if e.Excerpt != "" {
			fmt.Fprintf(&b, ": %q", e.Excerpt)
		}
	}
	if e.RequestID != "" || e.ClientRequestID != "" {
		fmt.Fprintf(&b, " (request-id %s, client-request-id %s", orDash(e.RequestID), orDash(e.ClientRequestID))
		if e.Date != "" {
			fmt.Fprintf(&b, ", date %s", e.Date)
		}
		b.WriteString(")")
	}
	if e.ClockSkew != 0 {
		fmt.Fprintf(&b, ". %s", describeSkew(e.ClockSkew))
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
		if gerr.Excerpt != "" || gerr.ContentType != "" && !strings.Contains(gerr.ContentType, "json") {
			// Kiota's own sentence ("…with no response body: 502") would be wrong: the body was set aside.
			gerr.Message = ""
		}
		return gerr
	}
	var unreachable *UnreachableError
	if errors.As(err, &unreachable) {
		return &opError{op: operation, err: unreachable}
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		if errors.Is(ctx.Err(), context.Canceled) {
			return fmt.Errorf("%s: interrupted (%w)", operation, ctx.Err())
		}
		return fmt.Errorf("%s: gave up when the operation's timeout ran out (%w); raise the resource's timeouts or retry later", operation, ctx.Err())
	}
	if strings.Contains(err.Error(), "does not have a factory registered to be parsed") {
		return fmt.Errorf("%s: the answer was not JSON (%w); a proxy, gateway or captive portal may be answering instead of Microsoft Graph at this endpoint", operation, err)
	}
	return fmt.Errorf("%s: %w", operation, err)
}

// opError prefixes an error with the operation it interrupted, without the *url.Error noise in between.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

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
	gerr.Excerpt = first(excerptHeader)
	if mediaType, _, err := mime.ParseMediaType(first("Content-Type")); err == nil && !strings.HasSuffix(mediaType, "json") {
		gerr.ContentType = mediaType
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

// Permissions per operation, from graph-spec §8 and the permission tables of each method's page on
// learn.microsoft.com/graph (least privileged first). Each is the end of the sentence "The identity needs
// …", so it can say that two permissions are needed together.
const (
	permPolicyRead  = "Policy.Read.AuthenticationMethod (or Policy.ReadWrite.AuthenticationMethod); delegated: Global Reader or Authentication Policy Administrator"
	permPolicyWrite = "Policy.ReadWrite.AuthenticationMethod; delegated: Authentication Policy Administrator"
	permUserRead    = "User.Read.All (or Directory.Read.All)"
	// checkMemberGroups on a user: "User.Read.All and GroupMember.Read.All, User.Read.All and
	// Group.Read.All, Directory.Read.All" (directoryObject: checkMemberGroups, "Group memberships for a
	// user"). GroupMember.Read.All alone is refused.
	permMemberCheck = "both User.Read.All and GroupMember.Read.All (or Directory.Read.All alone)"
	// group transitiveMembers: GroupMember.Read.All (or Directory.Read.All); the members' user properties
	// are only returned with a permission to read users.
	permGroupMembers = "GroupMember.Read.All and, to read the members' user principal names, User.Read.All (or Directory.Read.All for both)"
	// directoryObjects/getByIds lists Directory.Read.All only (directoryObject: getByIds).
	permDirRead     = "Directory.Read.All (getByIds accepts no narrower permission)"
	permTAPRead     = "UserAuthMethod-TAP.Read.All (or UserAuthenticationMethod.Read.All); delegated: Authentication Administrator"
	permTAPWrite    = "UserAuthMethod-TAP.ReadWrite.All (or UserAuthenticationMethod.ReadWrite.All); delegated: Authentication Administrator, or Privileged Authentication Administrator for admins"
	permMethodRead  = "UserAuthenticationMethod.Read.All; delegated: Authentication Administrator"
	permMethodWrite = "UserAuthenticationMethod.ReadWrite.All; delegated: Authentication Administrator, or Privileged Authentication Administrator for admins"
)

type intentKey struct{}

type intent int

const (
	intentRead intent = iota
	intentIssue
	intentRemove
)

// ForIssuing marks a context as issuing or revoking passes. Reads of passes made on the way (the lookup
// of a pass the user already holds) then report a refusal with the write permission the whole task
// needs, not the read permission the read alone would: granting the read permission would only move the
// refusal to the creation.
func ForIssuing(ctx context.Context) context.Context {
	return context.WithValue(ctx, intentKey{}, intentIssue)
}

// ForRemoving marks a context as removing authentication methods: method and pass reads made on the way
// report a refusal with UserAuthenticationMethod.ReadWrite.All.
func ForRemoving(ctx context.Context) context.Context {
	return context.WithValue(ctx, intentKey{}, intentRemove)
}

func intentOf(ctx context.Context) intent {
	i, _ := ctx.Value(intentKey{}).(intent)
	return i
}

// tapReadPermission is the permission to name for a refused pass read.
func tapReadPermission(ctx context.Context) string {
	switch intentOf(ctx) {
	case intentIssue:
		return permTAPWrite
	case intentRemove:
		return permMethodWrite
	}
	return permTAPRead
}

// methodReadPermission is the permission to name for a refused method read.
func methodReadPermission(ctx context.Context) string {
	if intentOf(ctx) == intentRemove {
		return permMethodWrite
	}
	return permMethodRead
}
