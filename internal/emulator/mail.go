package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// POST /users/{id|upn}/sendMail (Graph v1.0 "user: sendMail", JSON form). The message goes to the
// tenant's outbox, to the Inbox of every recipient whose address is a mailbox of the tenant, and to the
// sender's Sent Items unless saveToSentItems is false. Bodies are kept only here and in the control API,
// never in the request log.

// maxKeptMessages bounds a tenant's outbox and each folder in long runs; the oldest half is dropped.
const maxKeptMessages = 10_000

type mailAddress struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

type mailBody struct {
	ContentType string `json:"contentType"` // "text" or "html", as Graph's bodyType enum
	Content     string `json:"content"`
}

type mailHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// mailMessage is one sent message as the control API shows it.
type mailMessage struct {
	ID                     string        `json:"id"`
	InternetMessageID      string        `json:"internetMessageId"`
	SenderUserID           string        `json:"senderUserId"`
	ClientID               string        `json:"clientId"`
	From                   mailAddress   `json:"from"`
	ToRecipients           []mailAddress `json:"toRecipients"`
	CcRecipients           []mailAddress `json:"ccRecipients"`
	BccRecipients          []mailAddress `json:"bccRecipients"`
	ReplyTo                []mailAddress `json:"replyTo"`
	Subject                string        `json:"subject"`
	Body                   mailBody      `json:"body"`
	Importance             string        `json:"importance"`
	InternetMessageHeaders []mailHeader  `json:"internetMessageHeaders"`
	SentDateTime           string        `json:"sentDateTime"`
	SaveToSentItems        bool          `json:"saveToSentItems"`
	DeliveredTo            []string      `json:"deliveredTo"`        // mailboxes of the tenant that received it
	ExternalRecipients     []string      `json:"externalRecipients"` // addresses outside the tenant's mailboxes
	Folder                 string        `json:"folder,omitempty"`   // set in folder listings: "inbox" or "sentitems"
}

// messageProperties are the writable and read-only properties of microsoft.graph.message; anything else in
// a sent message is rejected as Graph's OData layer does.
var messageProperties = []string{"attachments", "bccRecipients", "body", "bodyPreview", "categories", "ccRecipients",
	"changeKey", "conversationId", "conversationIndex", "createdDateTime", "extensions", "flag", "from",
	"hasAttachments", "id", "importance", "inferenceClassification", "internetMessageHeaders", "internetMessageId",
	"isDeliveryReceiptRequested", "isDraft", "isRead", "isReadReceiptRequested", "lastModifiedDateTime",
	"multiValueExtendedProperties", "parentFolderId", "receivedDateTime", "replyTo", "sender", "sentDateTime",
	"singleValueExtendedProperties", "subject", "toRecipients", "uniqueBody", "webLink"}

func mailError(status int, code, message string) reply {
	return svcError(svcMail, status, code, message)
}

func requestBodyRead(message string) reply {
	return mailError(http.StatusBadRequest, "RequestBodyRead", message)
}

// sendMail checks, in order: a parsable body with known parameters, the sender exists, the sender has a
// mailbox, the app may send as it (application access policy), then the message itself.
func (c *call) sendMail() reply {
	o, err := parseObject(c.body)
	if err != nil {
		return requestBodyRead(invalidJSONMessage)
	}
	// Action parameter names are case-insensitive: msgraph-sdk-go sends "Message" and "SaveToSentItems".
	o = foldKeys(o, "message", "saveToSentItems")
	if k := firstUnknown(o, "message", "saveToSentItems"); k != "" {
		return requestBodyRead(fmt.Sprintf("The parameter '%s' in the request payload is not a valid parameter for the operation 'sendMail'.", k))
	}
	key := c.params[0]
	sender := c.s.findUser(key)
	if sender == nil || c.lagging(sender.created) {
		if c.s.settings.UnknownSenderErrorCode == "ResourceNotFound" {
			return mailError(http.StatusNotFound, "ResourceNotFound", "Resource could not be discovered.")
		}
		return mailError(http.StatusNotFound, "ErrorInvalidUser", fmt.Sprintf("The requested user '%s' is invalid.", key))
	}
	from := c.s.mailboxAddress(sender)
	if from == "" {
		return mailError(c.s.settings.MailboxNotEnabledStatus, "MailboxNotEnabledForRESTAPI",
			"The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
	}
	if allowed, restricted := c.s.delivery.mailPolicies[strings.ToLower(c.p.appID)]; restricted && !containsFold(allowed, from) {
		return mailError(http.StatusForbidden, "ErrorAccessDenied", "Access to OData is disabled.")
	}

	save := true
	if raw, ok := o["saveToSentItems"]; ok && o.present("saveToSentItems") {
		v, ok := parseLooseBool(raw)
		if !ok {
			return requestBodyRead(literalError("saveToSentItems", raw, "Edm.Boolean"))
		}
		save = v
	}
	if !o.present("message") {
		return mailError(http.StatusBadRequest, "ErrorInvalidRequest", "The message parameter is required.")
	}
	m, rep := c.parseMessage(o["message"])
	if rep != nil {
		return *rep
	}
	m.SenderUserID, m.ClientID, m.SaveToSentItems = sender.id, c.p.appID, save
	if m.From.Address == "" {
		m.From = mailAddress{Address: from, Name: sender.displayName}
	}
	c.deliver(sender, m)
	return reply{status: http.StatusAccepted}
}

// parseMessage decodes and validates the message parameter.
func (c *call) parseMessage(raw json.RawMessage) (*mailMessage, *reply) {
	fail := func(r reply) (*mailMessage, *reply) { return nil, &r }
	var mo jsonObject
	if err := json.Unmarshal(raw, &mo); err != nil || mo == nil {
		return fail(requestBodyRead("Cannot read the message parameter: it must be a JSON object of type 'microsoft.graph.message'."))
	}
	if k := firstUnknown(mo, messageProperties...); k != "" {
		return fail(requestBodyRead(fmt.Sprintf("The property '%s' does not exist on type 'Microsoft.OutlookServices.Message'. Make sure to only use property names that are defined by the type or mark the type as open type.", k)))
	}
	m := &mailMessage{Importance: "normal", Body: mailBody{ContentType: "text"}}
	if _, err := mo.decode("subject", &m.Subject); err != nil {
		return fail(requestBodyRead(literalError("subject", mo["subject"], "Edm.String")))
	}
	if mo.present("body") {
		var b struct {
			ContentType *string `json:"contentType"`
			Content     *string `json:"content"`
		}
		if err := json.Unmarshal(mo["body"], &b); err != nil {
			return fail(requestBodyRead("Cannot convert the value of property 'body' to type 'Microsoft.OutlookServices.ItemBody'."))
		}
		if b.ContentType != nil {
			switch strings.ToLower(*b.ContentType) {
			case "text", "html":
				m.Body.ContentType = strings.ToLower(*b.ContentType)
			default:
				return fail(requestBodyRead(fmt.Sprintf("Requested value '%s' was not found.", *b.ContentType)))
			}
		}
		if b.Content != nil {
			m.Body.Content = *b.Content
		}
	}
	if mo.present("importance") {
		var imp string
		if err := json.Unmarshal(mo["importance"], &imp); err != nil {
			return fail(requestBodyRead(literalError("importance", mo["importance"], "Microsoft.OutlookServices.Importance")))
		}
		switch strings.ToLower(imp) {
		case "low", "normal", "high":
			m.Importance = strings.ToLower(imp)
		default:
			return fail(requestBodyRead(fmt.Sprintf("Requested value '%s' was not found.", imp)))
		}
	}
	if mo.present("internetMessageHeaders") {
		if err := json.Unmarshal(mo["internetMessageHeaders"], &m.InternetMessageHeaders); err != nil {
			return fail(requestBodyRead("Cannot convert the value of property 'internetMessageHeaders' to a collection of 'Microsoft.OutlookServices.InternetMessageHeader'."))
		}
		for _, h := range m.InternetMessageHeaders {
			if !strings.HasPrefix(strings.ToLower(h.Name), "x-") {
				return fail(mailError(http.StatusBadRequest, "InvalidInternetMessageHeader",
					fmt.Sprintf("The internet message header name '%s' should start with 'x-' or 'X-'.", h.Name)))
			}
		}
	}
	lists := []struct {
		key string
		dst *[]mailAddress
	}{{"toRecipients", &m.ToRecipients}, {"ccRecipients", &m.CcRecipients}, {"bccRecipients", &m.BccRecipients}, {"replyTo", &m.ReplyTo}}
	for _, l := range lists {
		list, rep := parseRecipients(mo, l.key)
		if rep != nil {
			return nil, rep
		}
		*l.dst = list
	}
	if mo.present("from") {
		from, rep := parseRecipient(mo["from"], "from")
		if rep != nil {
			return nil, rep
		}
		m.From = from
	}
	if len(m.ToRecipients)+len(m.CcRecipients)+len(m.BccRecipients) == 0 {
		return fail(mailError(http.StatusBadRequest, "ErrorInvalidRecipients",
			"At least one recipient isn't valid., A message can't be sent because it contains no recipients."))
	}
	for _, l := range lists {
		for _, a := range *l.dst {
			if !plausibleAddress(a.Address) {
				return fail(mailError(http.StatusBadRequest, "ErrorInvalidRecipients",
					fmt.Sprintf("At least one recipient isn't valid., Recipient '%s' isn't resolved. All recipients must be resolved before a message can be submitted.", a.Address)))
			}
		}
	}
	return m, nil
}

// parseRecipients decodes a collection of microsoft.graph.recipient ({"emailAddress": {"address", "name"}}).
func parseRecipients(o jsonObject, key string) ([]mailAddress, *reply) {
	out := []mailAddress{}
	if !o.present(key) {
		return out, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(o[key], &raw); err != nil {
		r := requestBodyRead(fmt.Sprintf("Cannot convert the value of property '%s' to a collection of 'Microsoft.OutlookServices.Recipient'.", key))
		return nil, &r
	}
	for _, item := range raw {
		a, rep := parseRecipient(item, key)
		if rep != nil {
			return nil, rep
		}
		out = append(out, a)
	}
	return out, nil
}

func parseRecipient(raw json.RawMessage, key string) (mailAddress, *reply) {
	var r struct {
		EmailAddress *struct {
			Address *string `json:"address"`
			Name    *string `json:"name"`
		} `json:"emailAddress"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.EmailAddress == nil {
		rep := requestBodyRead(fmt.Sprintf("Cannot convert the value of property '%s' to type 'Microsoft.OutlookServices.Recipient'.", key))
		return mailAddress{}, &rep
	}
	var a mailAddress
	if r.EmailAddress.Address != nil {
		a.Address = strings.TrimSpace(*r.EmailAddress.Address)
	}
	if r.EmailAddress.Name != nil {
		a.Name = *r.EmailAddress.Name
	}
	return a, nil
}

// plausibleAddress accepts local@domain with a dot-free or dotted domain and no spaces.
func plausibleAddress(a string) bool {
	local, domain, ok := strings.Cut(a, "@")
	return ok && local != "" && domain != "" && !strings.ContainsAny(a, " \t<>,;\"") && !strings.Contains(domain, "@")
}

// parseLooseBool accepts true/false and, as the documented sendMail example sends it, "true"/"false".
func parseLooseBool(raw json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(s) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// foldKeys renames keys that match a canonical name case-insensitively to that name.
func foldKeys(o jsonObject, canonical ...string) jsonObject {
	out := make(jsonObject, len(o))
	for k, v := range o {
		for _, c := range canonical {
			if strings.EqualFold(k, c) {
				k = c
				break
			}
		}
		out[k] = v
	}
	return out
}

// firstUnknown names the alphabetically first unknown property, so the error does not depend on map order.
func firstUnknown(o jsonObject, known ...string) string {
	ks := o.unknownKeys(known...)
	if len(ks) == 0 {
		return ""
	}
	sort.Strings(ks)
	return ks[0]
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// deliver stamps the message and files it in the outbox, the recipients' inboxes and the sender's Sent Items.
func (c *call) deliver(sender *user, m *mailMessage) {
	d := &c.s.delivery
	d.mailSeq++
	var raw [12]byte
	_, _ = rand.Read(raw[:]) // crypto/rand never fails on supported platforms
	m.ID = newGUID()
	m.InternetMessageID = "<" + strings.ToUpper(hex.EncodeToString(raw[:])) + "@" + c.t.domain + ">"
	m.SentDateTime = graphTime(c.now)
	m.DeliveredTo, m.ExternalRecipients = []string{}, []string{}
	if m.InternetMessageHeaders == nil {
		m.InternetMessageHeaders = []mailHeader{}
	}

	seen := map[string]bool{}
	for _, list := range [][]mailAddress{m.ToRecipients, m.CcRecipients, m.BccRecipients} {
		for _, a := range list {
			addr := strings.ToLower(a.Address)
			if seen[addr] {
				continue
			}
			seen[addr] = true
			owner := c.s.mailboxOwner(a.Address)
			if owner == nil {
				m.ExternalRecipients = append(m.ExternalRecipients, a.Address)
				continue
			}
			m.DeliveredTo = append(m.DeliveredTo, c.s.mailboxAddress(owner))
			copyForRecipient := *m
			copyForRecipient.BccRecipients = []mailAddress{} // recipients do not see the Bcc line
			d.inbox[owner.id] = keepBounded(append(d.inbox[owner.id], &copyForRecipient))
		}
	}
	d.outbox = keepBounded(append(d.outbox, m))
	if m.SaveToSentItems {
		d.sent[sender.id] = keepBounded(append(d.sent[sender.id], m))
	}
}

func keepBounded(list []*mailMessage) []*mailMessage {
	if len(list) > maxKeptMessages {
		return append(list[:0], list[len(list)-maxKeptMessages/2:]...)
	}
	return list
}

// mailboxView is one mailbox of GET /_emulator/tenants/{tid}/mailboxes.
type mailboxView struct {
	Address           string `json:"address"`
	UserID            string `json:"userId"`
	UserPrincipalName string `json:"userPrincipalName"`
	Enabled           bool   `json:"enabled"`
	Inbox             int    `json:"inbox"`
	SentItems         int    `json:"sentItems"`
}

// mailboxes lists every user with a mail address, with whether the mailbox is usable, in creation order.
func (s *tenantState) mailboxes() []mailboxView {
	out := []mailboxView{}
	for _, u := range s.sortedUsers() {
		if u.mail == "" {
			continue
		}
		out = append(out, mailboxView{Address: u.mail, UserID: u.id, UserPrincipalName: u.upn,
			Enabled: s.mailboxAddress(u) != "", Inbox: len(s.delivery.inbox[u.id]), SentItems: len(s.delivery.sent[u.id])})
	}
	return out
}

// folderMessages returns copies of a mailbox folder's messages, oldest first, marked with the folder.
func (s *tenantState) folderMessages(u *user, folder string) ([]mailMessage, error) {
	var src []*mailMessage
	switch strings.ToLower(folder) {
	case "", "inbox":
		src, folder = s.delivery.inbox[u.id], "inbox"
	case "sentitems":
		src, folder = s.delivery.sent[u.id], "sentitems"
	default:
		return nil, fmt.Errorf("folder must be inbox or sentitems")
	}
	out := make([]mailMessage, 0, len(src))
	for _, m := range src {
		cp := *m
		cp.Folder = folder
		out = append(out, cp)
	}
	return out, nil
}

// outboxMessages returns copies of every sent message, oldest first.
func (s *tenantState) outboxMessages() []mailMessage {
	out := make([]mailMessage, 0, len(s.delivery.outbox))
	for _, m := range s.delivery.outbox {
		out = append(out, *m)
	}
	return out
}

// userByMailboxKey resolves a control-API mailbox key: a mail address, or else a user id or UPN.
func (s *tenantState) userByMailboxKey(key string) *user {
	if u := s.mailboxOwner(key); u != nil {
		return u
	}
	var found *user
	for _, u := range s.users {
		if u.mail != "" && strings.EqualFold(u.mail, key) && (found == nil || u.seq < found.seq) {
			found = u
		}
	}
	if found != nil {
		return found
	}
	return s.findUser(key)
}

// normalizePolicy lowercases, deduplicates and sorts an application access policy's mailbox list.
func normalizePolicy(addrs []string) []string {
	set := map[string]bool{}
	for _, a := range addrs {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			set[a] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
