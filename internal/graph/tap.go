package graph

import (
	"context"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// TemporaryAccessPass is a user's pass (graph-spec §4.1). Value is set only in the answer to its creation:
// Graph never returns it again.
type TemporaryAccessPass struct {
	ID                    string
	Value                 string
	CreatedDateTime       time.Time
	StartDateTime         time.Time
	LifetimeInMinutes     int
	IsUsableOnce          bool
	IsUsable              bool
	MethodUsabilityReason string
}

// ExpirationDateTime is when the pass stops working: start plus lifetime.
func (t TemporaryAccessPass) ExpirationDateTime() time.Time {
	return t.StartDateTime.Add(time.Duration(t.LifetimeInMinutes) * time.Minute)
}

// NewTAP is the body of a pass creation; nil fields are left to the tenant policy.
type NewTAP struct {
	StartDateTime     *time.Time
	LifetimeInMinutes *int
	IsUsableOnce      *bool
}

// CreateTAP issues a pass. Graph replaces any pass the user already holds (graph-spec §4.2).
func (c *Client) CreateTAP(ctx context.Context, userID string, req NewTAP) (*TemporaryAccessPass, error) {
	body := models.NewTemporaryAccessPassAuthenticationMethod()
	if req.StartDateTime != nil {
		// Kiota writes a time in its own offset; Graph has rejected non-UTC offsets (graph-spec §4.2).
		start := req.StartDateTime.UTC()
		body.SetStartDateTime(&start)
	}
	if req.LifetimeInMinutes != nil {
		body.SetLifetimeInMinutes(int32Ptr(*req.LifetimeInMinutes))
	}
	if req.IsUsableOnce != nil {
		body.SetIsUsableOnce(req.IsUsableOnce)
	}
	m, err := c.sdk.Users().ByUserId(userID).Authentication().TemporaryAccessPassMethods().Post(ctx, body, nil)
	if err != nil {
		return nil, c.annotateSkew(wrap(ctx, operation{"issuing a Temporary Access Pass for user " + userID, permTAPWrite}, err))
	}
	tap := tapFromModel(m)
	tap.Value = deref(m.GetTemporaryAccessPass())
	return &tap, nil
}

// ListTAPs returns the user's passes (zero or one, graph-spec §4.3), without their values.
func (c *Client) ListTAPs(ctx context.Context, userID string) ([]TemporaryAccessPass, error) {
	resp, err := c.sdk.Users().ByUserId(userID).Authentication().TemporaryAccessPassMethods().Get(ctx, nil)
	if err != nil {
		return nil, wrap(ctx, operation{"listing the Temporary Access Passes of user " + userID, tapReadPermission(ctx)}, err)
	}
	passes := make([]TemporaryAccessPass, 0, len(resp.GetValue()))
	for _, m := range resp.GetValue() {
		passes = append(passes, tapFromModel(m))
	}
	return passes, nil
}

// GetTAP reads one pass, without its value.
func (c *Client) GetTAP(ctx context.Context, userID, id string) (*TemporaryAccessPass, error) {
	m, err := c.sdk.Users().ByUserId(userID).Authentication().TemporaryAccessPassMethods().
		ByTemporaryAccessPassAuthenticationMethodId(id).Get(ctx, nil)
	if err != nil {
		return nil, wrap(ctx, operation{"reading Temporary Access Pass " + id + " of user " + userID, tapReadPermission(ctx)}, err)
	}
	tap := tapFromModel(m)
	return &tap, nil
}

// DeleteTAP revokes a pass.
func (c *Client) DeleteTAP(ctx context.Context, userID, id string) error {
	err := c.sdk.Users().ByUserId(userID).Authentication().TemporaryAccessPassMethods().
		ByTemporaryAccessPassAuthenticationMethodId(id).Delete(ctx, nil)
	return wrap(ctx, operation{"revoking Temporary Access Pass " + id + " of user " + userID, permTAPWrite}, err)
}

// annotateSkew adds the measured clock skew to Graph's refusal of a start in the past ("Invalid
// StartDateTime specified. It can not be a time in the past.", graph-spec §4.2) when the skew is large
// enough to explain it: the start was in the future by this machine's clock, not by Graph's.
func (c *Client) annotateSkew(err error) error {
	gerr, ok := AsError(err)
	if !ok || !strings.Contains(gerr.Message, "Invalid StartDateTime") {
		return err
	}
	if skew := c.Skew(); skew > significantSkew || skew < -significantSkew {
		gerr.ClockSkew = skew
	}
	return err
}

func tapFromModel(m models.TemporaryAccessPassAuthenticationMethodable) TemporaryAccessPass {
	return TemporaryAccessPass{
		ID:                    deref(m.GetId()),
		CreatedDateTime:       deref(m.GetCreatedDateTime()).UTC(),
		StartDateTime:         deref(m.GetStartDateTime()).UTC(),
		LifetimeInMinutes:     int(deref(m.GetLifetimeInMinutes())),
		IsUsableOnce:          deref(m.GetIsUsableOnce()),
		IsUsable:              deref(m.GetIsUsable()),
		MethodUsabilityReason: deref(m.GetMethodUsabilityReason()),
	}
}
