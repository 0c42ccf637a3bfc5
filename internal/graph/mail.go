package graph

import (
	"context"
	"net/http"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
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

func mailboxFromUser(m models.Userable) Mailbox {
	return Mailbox{ID: deref(m.GetId()), UserPrincipalName: deref(m.GetUserPrincipalName()), DisplayName: deref(m.GetDisplayName()), Mail: deref(m.GetMail())}
}

// GetMailbox reads a user with their mail address.
func (c *Client) GetMailbox(ctx context.Context, idOrUPN string) (*Mailbox, error) {
	m, err := c.sdk.Users().ByUserId(idOrUPN).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: mailboxSelect},
	})
	if err != nil {
		return nil, wrap(ctx, operation{"reading the mail address of user " + idOrUPN, permUserRead}, err)
	}
	mb := mailboxFromUser(m)
	return &mb, nil
}

// GetManager reads a user's manager (GET /users/{id}/manager). A user without a manager is ErrNotFound.
func (c *Client) GetManager(ctx context.Context, userID string) (*Mailbox, error) {
	obj, err := c.sdk.Users().ByUserId(userID).Manager().Get(ctx, &users.ItemManagerRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemManagerRequestBuilderGetQueryParameters{Select: mailboxSelect},
	})
	if err != nil {
		return nil, wrap(ctx, operation{"reading the manager of user " + userID, permUserRead}, err)
	}
	u, ok := obj.(models.Userable)
	if !ok {
		return &Mailbox{ID: deref(obj.GetId())}, nil // a manager that is not a user (an org contact) has no mailbox here
	}
	mb := mailboxFromUser(u)
	return &mb, nil
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
	body := users.NewItemSendMailPostRequestBody()
	m := models.NewMessage()
	m.SetSubject(&msg.Subject)
	itemBody := models.NewItemBody()
	text := models.TEXT_BODYTYPE
	itemBody.SetContentType(&text)
	itemBody.SetContent(&msg.Body)
	m.SetBody(itemBody)
	to := make([]models.Recipientable, 0, len(msg.To))
	for _, r := range msg.To {
		rcpt, addr := models.NewRecipient(), models.NewEmailAddress()
		address, name := r.Address, r.Name
		addr.SetAddress(&address)
		if name != "" {
			addr.SetName(&name)
		}
		rcpt.SetEmailAddress(addr)
		to = append(to, rcpt)
	}
	m.SetToRecipients(to)
	body.SetMessage(m)
	save := false
	body.SetSaveToSentItems(&save)

	meta := &responseMeta{}
	ctx = context.WithValue(sendOnce(ctx), responseMetaKey{}, meta)
	if err := c.sdk.Users().ByUserId(sender).SendMail().Post(ctx, body, nil); err != nil {
		return "", wrap(ctx, operation{"sending mail from " + sender, permMailSend}, err)
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
