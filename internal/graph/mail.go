package graph

import (
	"context"
	"maps"
	"net/http"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// Mailbox is a user as a mail sender or recipient: who they are and their mail address (empty when the user
// has no mailbox, graph-spec "Delivery" in the emulator's README: a user without mail has none).
type Mailbox struct {
	ID                string
	UserPrincipalName string
	DisplayName       string
	Mail              string
}

var mailboxSelect = []string{"id", "userPrincipalName", "displayName", "mail"}

// mailboxJSON is a user or manager as Graph answers with mailboxSelect; a manager that is not a user (an org
// contact) carries its @odata.type and has no mailbox here.
type mailboxJSON struct {
	ODataType         string `json:"@odata.type"`
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	Mail              string `json:"mail"`
}

func (m mailboxJSON) mailbox() *Mailbox {
	if m.ODataType != "" && m.ODataType != "#microsoft.graph.user" {
		return &Mailbox{ID: m.ID}
	}
	return &Mailbox{ID: m.ID, UserPrincipalName: m.UserPrincipalName, DisplayName: m.DisplayName, Mail: m.Mail}
}

// GetMailbox reads a user with their mail address.
func (c *Client) GetMailbox(ctx context.Context, idOrUPN string) (*Mailbox, error) {
	op := operation{"reading the mail address of user " + idOrUPN, permUserRead}
	info, err := c.user(idOrUPN).ToGetRequestInformation(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: mailboxSelect},
	})
	if err != nil {
		return nil, err
	}
	var m mailboxJSON
	if err := c.getJSON(ctx, info, op, &m); err != nil {
		return nil, err
	}
	return m.mailbox(), nil
}

// GetManager reads a user's manager (GET /users/{id}/manager). A user without a manager is ErrNotFound. The
// answer is decoded here rather than by the SDK: its directoryObject parser links every directory type into
// the binary.
func (c *Client) GetManager(ctx context.Context, userID string) (*Mailbox, error) {
	op := operation{"reading the manager of user " + userID, permUserRead}
	info, err := c.user(userID).Manager().ToGetRequestInformation(ctx, &users.ItemManagerRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemManagerRequestBuilderGetQueryParameters{Select: mailboxSelect},
	})
	if err != nil {
		return nil, err
	}
	var m mailboxJSON
	if err := c.getJSON(ctx, info, op, &m); err != nil {
		return nil, err
	}
	return m.mailbox(), nil
}

// Message is a plain-text mail.
type Message struct {
	Subject string
	Body    string
	To      []Recipient
}

// Recipient is a mail recipient.
type Recipient struct{ Name, Address string }

// SendMail sends a message from the sender's mailbox (POST /users/{id}/sendMail), without keeping a copy in
// its Sent Items, and returns Graph's request id (sendMail answers 202 with no body). A 503 or 504 may come
// after Exchange accepted the message, so it is not resent (which could send the pass twice); only a 429 is.
func (c *Client) SendMail(ctx context.Context, sender string, msg Message) (requestID string, err error) {
	to := make([]map[string]any, 0, len(msg.To))
	for _, r := range msg.To {
		addr := map[string]any{"address": r.Address}
		if r.Name != "" {
			addr["name"] = r.Name
		}
		to = append(to, map[string]any{"emailAddress": addr})
	}
	body := map[string]any{
		"message": map[string]any{
			"subject":      msg.Subject,
			"body":         map[string]any{"contentType": "text", "content": msg.Body},
			"toRecipients": to,
		},
		"saveToSentItems": false,
	}
	op := operation{"sending mail from " + sender, permMailSend}
	// The SDK's request body type would link the whole message model; the builder gives only the address.
	b := c.user(sender).SendMail().BaseRequestBuilder
	info, err := withBody(abstractions.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abstractions.POST, b.UrlTemplate, maps.Clone(b.PathParameters)),
		abstractions.POST, body)
	if err != nil {
		return "", err
	}

	meta := &responseMeta{}
	ctx = context.WithValue(sendOnce(ctx), responseMetaKey{}, meta)
	if _, err := c.send(ctx, info, op); err != nil {
		return "", err
	}
	return meta.requestID, nil
}

// permMailSend is what sendMail needs.
const permMailSend = "the application permission Mail.Send (restrict it to the sender's mailbox with an Exchange Online application access policy or RBAC for Applications)"

// responseMeta collects what a caller needs from an answer that has no body.
type responseMeta struct{ requestID string }

type responseMetaKey struct{}

// noteResponse hands the answer's request id to a caller that asked for it.
func noteResponse(ctx context.Context, resp *http.Response) {
	if meta, ok := ctx.Value(responseMetaKey{}).(*responseMeta); ok && resp != nil {
		meta.requestID = resp.Header.Get("request-id")
	}
}

type sendOnceKey struct{}

// sendOnce marks a request that must not be resent after an answer that may follow its effect (503, 504).
func sendOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, sendOnceKey{}, true)
}

func mustSendOnce(req *http.Request) bool {
	once, _ := req.Context().Value(sendOnceKey{}).(bool)
	return once
}
