package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// errorMapping is what every msgraph-sdk-go request builder passes to the adapter: any error status is an
// OData error.
var errorMapping = abstractions.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// send sends a request the SDK's request builders prepared, through the adapter and its middleware (sign-in,
// retries, logging), and returns the answer's body: nil for 204 No Content.
func (c *Client) send(ctx context.Context, info *abstractions.RequestInformation, op operation) ([]byte, error) {
	answer, err := c.adapter.SendPrimitive(ctx, info, "[]byte", errorMapping)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	b, _ := answer.([]byte)
	return b, nil
}

// getJSON sends a request and decodes its JSON answer into v.
func (c *Client) getJSON(ctx context.Context, info *abstractions.RequestInformation, op operation, v any) error {
	b, err := c.send(ctx, info, op)
	if err != nil {
		return err
	}
	return decodeAnswer(op, b, v)
}

// decodeAnswer decodes a successful answer. The error never quotes the body: a pass creation's carries the pass.
func decodeAnswer(op operation, b []byte, v any) error {
	if len(b) == 0 {
		return fmt.Errorf("%s: Microsoft Graph answered with an empty body", op.what)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: Microsoft Graph's answer is not the JSON this provider expects (%s); a proxy or gateway may be answering instead of Graph at this endpoint",
			op.what, jsonErrorKind(err))
	}
	return nil
}

// jsonErrorKind describes a decoding failure without the bytes it failed on.
func jsonErrorKind(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("%s is a JSON %s", orText(e.Field, "the value"), e.Value)
	}
	return "undecodable"
}

// withBody turns a builder's request information into a request of this method with this JSON body.
func withBody(info *abstractions.RequestInformation, method abstractions.HttpMethod, body any) (*abstractions.RequestInformation, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	info.Method = method
	info.Content = raw
	info.Headers.TryAdd("Content-Type", "application/json")
	return info, nil
}

// relativeURL is the URL of a prepared request relative to the version root, as $batch wants it
// ("/users/{id}?$select=...").
func (c *Client) relativeURL(info *abstractions.RequestInformation) (string, error) {
	info.PathParameters["baseurl"] = c.adapter.GetBaseUrl()
	u, err := info.GetUri()
	if err != nil {
		return "", err
	}
	if rewritten, ok := userKeyURL(u); ok {
		u = rewritten
	}
	full := u.String()
	base := c.adapter.GetBaseUrl()
	if !strings.HasPrefix(full, base) {
		return "", fmt.Errorf("graph: %s is not under %s", full, base)
	}
	return full[len(base):], nil
}

// graphTime is a Graph timestamp, which JSON carries as an RFC 3339 string.
type graphTime struct{ time.Time }

func (t *graphTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil || s == "" {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}
