package graph

import (
	"context"
	"strings"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
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
	op := operation{"issuing a Temporary Access Pass for user " + userID, permTAPWrite}
	body := map[string]any{"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod"}
	if req.StartDateTime != nil {
		// Graph has rejected non-UTC offsets (graph-spec §4.2).
		body["startDateTime"] = req.StartDateTime.UTC().Format(time.RFC3339Nano)
	}
	if req.LifetimeInMinutes != nil {
		body["lifetimeInMinutes"] = *req.LifetimeInMinutes
	}
	if req.IsUsableOnce != nil {
		body["isUsableOnce"] = *req.IsUsableOnce
	}
	info, err := c.passes(userID).ToGetRequestInformation(ctx, nil)
	if err == nil {
		info, err = withBody(info, abstractions.POST, body)
	}
	if err != nil {
		return nil, err
	}
	var m tapJSON
	if err := c.getJSON(ctx, info, op, &m); err != nil {
		return nil, c.annotateSkew(err)
	}
	tap := m.pass()
	tap.Value = m.Value
	return &tap, nil
}

func (c *Client) passes(userID string) *users.ItemAuthenticationTemporaryAccessPassMethodsRequestBuilder {
	return c.user(userID).Authentication().TemporaryAccessPassMethods()
}

// ListTAPs returns the user's passes (zero or one, graph-spec §4.3), without their values.
func (c *Client) ListTAPs(ctx context.Context, userID string) ([]TemporaryAccessPass, error) {
	op := operation{"listing the Temporary Access Passes of user " + userID, tapReadPermission(ctx)}
	info, err := c.passes(userID).ToGetRequestInformation(ctx, nil)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Value []tapJSON `json:"value"`
	}
	if err := c.getJSON(ctx, info, op, &resp); err != nil {
		return nil, err
	}
	passes := make([]TemporaryAccessPass, 0, len(resp.Value))
	for _, m := range resp.Value {
		passes = append(passes, m.pass())
	}
	return passes, nil
}

// GetTAP reads one pass, without its value.
func (c *Client) GetTAP(ctx context.Context, userID, id string) (*TemporaryAccessPass, error) {
	r := c.GetTAPs(ctx, []PassRef{{UserID: userID, ID: id}})
	return r[0].Pass, r[0].Err
}

// PassRef names one pass of one user.
type PassRef struct{ UserID, ID string }

// PassResult is the answer for one PassRef: the pass, or an error (matching ErrNotFound for a pass that is gone).
type PassResult struct {
	Pass *TemporaryAccessPass
	Err  error
}

// GetTAPs reads many passes, each with GET /users/{id}/authentication/temporaryAccessPassMethods/{id}, together
// in $batch envelopes of MaxBatch: Graph has no request that reads the passes of several users.
func (c *Client) GetTAPs(ctx context.Context, refs []PassRef) []PassResult {
	out := make([]PassResult, len(refs))
	items := make([]batchItem, 0, len(refs))
	index := make([]int, 0, len(refs))
	for i, r := range refs {
		info, err := c.passes(r.UserID).ByTemporaryAccessPassAuthenticationMethodId(r.ID).ToGetRequestInformation(ctx, nil)
		if err != nil {
			out[i].Err = err
			continue
		}
		items = append(items, batchItem{info: info, op: operation{"reading Temporary Access Pass " + r.ID + " of user " + r.UserID, tapReadPermission(ctx)}})
		index = append(index, i)
	}
	for j, a := range c.sendBatched(markIdempotent(ctx), items) {
		i := index[j]
		if a.err != nil {
			out[i].Err = a.err
			continue
		}
		var m tapJSON
		if err := decodeAnswer(items[j].op, a.body, &m); err != nil {
			out[i].Err = err
			continue
		}
		p := m.pass()
		out[i].Pass = &p
	}
	return out
}

// DeleteTAP revokes a pass.
func (c *Client) DeleteTAP(ctx context.Context, userID, id string) error {
	op := operation{"revoking Temporary Access Pass " + id + " of user " + userID, permTAPWrite}
	info, err := c.passes(userID).ByTemporaryAccessPassAuthenticationMethodId(id).ToDeleteRequestInformation(ctx, nil)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, info, op)
	return err
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

// tapJSON is a temporaryAccessPassAuthenticationMethod as Graph writes it (graph-spec §4.1).
type tapJSON struct {
	ID                    string    `json:"id"`
	Value                 string    `json:"temporaryAccessPass"`
	CreatedDateTime       graphTime `json:"createdDateTime"`
	StartDateTime         graphTime `json:"startDateTime"`
	LifetimeInMinutes     int       `json:"lifetimeInMinutes"`
	IsUsableOnce          bool      `json:"isUsableOnce"`
	IsUsable              bool      `json:"isUsable"`
	MethodUsabilityReason string    `json:"methodUsabilityReason"`
}

// pass converts an answer, without the pass's value.
func (m tapJSON) pass() TemporaryAccessPass {
	return TemporaryAccessPass{
		ID:                    m.ID,
		CreatedDateTime:       m.CreatedDateTime.UTC(),
		StartDateTime:         m.StartDateTime.UTC(),
		LifetimeInMinutes:     m.LifetimeInMinutes,
		IsUsableOnce:          m.IsUsableOnce,
		IsUsable:              m.IsUsable,
		MethodUsabilityReason: m.MethodUsabilityReason,
	}
}
