package emulator_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// mailUser creates a member with a mail address (and so a mailbox).
func (f *fixture) mailUser(name string, opts ...control.UserOption) control.User {
	f.t.Helper()
	addr := strings.ToLower(name) + "@" + f.creds.Domain
	return f.user(name, append([]control.UserOption{control.Mail(addr)}, opts...)...)
}

func mailOf(u control.User) string { return u.UserPrincipalName } // mailUser uses the UPN as address

func recipients(addrs ...string) []any {
	out := []any{}
	for _, a := range addrs {
		out = append(out, map[string]any{"emailAddress": map[string]any{"address": a, "name": "Name of " + a}})
	}
	return out
}

func sendBody(msg map[string]any, extra map[string]any) map[string]any {
	b := map[string]any{"message": msg}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

var internetMessageID = regexp.MustCompile(`^<[0-9A-F]{24}@[a-z0-9.]+>$`)

func TestSendMailDelivery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob, carol := f.mailUser("Alice"), f.mailUser("Bob"), f.mailUser("Carol")
	marker := fmt.Sprintf("Your pass is MARKER-%d", time.Now().UnixNano())
	msg := map[string]any{
		"subject":                "Temporary Access Pass",
		"body":                   map[string]any{"contentType": "HTML", "content": marker},
		"toRecipients":           recipients(strings.ToUpper(mailOf(bob))),
		"ccRecipients":           recipients("someone@example.org", mailOf(bob)),
		"bccRecipients":          recipients(mailOf(carol)),
		"internetMessageHeaders": []any{map[string]any{"name": "x-entra-pass", "value": "delivery"}},
	}
	r := f.call("POST", "/users/"+alice.UserPrincipalName+"/sendMail", sendBody(msg, nil))
	expectStatus(t, r, 202)
	if len(r.body) != 0 {
		t.Errorf("202 with a body: %s", r.body)
	}

	sent, err := f.ctl.SentMessages(f.ctx, f.tid)
	if err != nil || len(sent) != 1 {
		t.Fatalf("outbox: %v %v", sent, err)
	}
	m := sent[0]
	if m.Subject != "Temporary Access Pass" || m.Body.ContentType != "html" || m.Body.Content != marker ||
		m.From.Address != mailOf(alice) || m.From.Name != "Alice" || m.SenderUserID != alice.ID || m.ClientID != f.creds.ClientID ||
		!m.SaveToSentItems || !internetMessageID.MatchString(m.InternetMessageID) || m.Importance != "normal" {
		t.Fatalf("outbox message: %+v", m)
	}
	if strings.Join(m.DeliveredTo, ",") != mailOf(bob)+","+mailOf(carol) || strings.Join(m.ExternalRecipients, ",") != "someone@example.org" {
		t.Errorf("delivered %v, external %v", m.DeliveredTo, m.ExternalRecipients)
	}
	if len(m.BccRecipients) != 1 || m.ToRecipients[0].Name != "Name of "+strings.ToUpper(mailOf(bob)) || len(m.InternetMessageHeaders) != 1 {
		t.Errorf("recipients: %+v", m)
	}
	if time.Since(m.SentDateTime) > time.Minute {
		t.Errorf("sentDateTime %v", m.SentDateTime)
	}

	// Bob gets one copy although he is in To and Cc; Carol (Bcc) gets one; neither sees the Bcc line.
	for _, u := range []control.User{bob, carol} {
		inbox, err := f.ctl.MailboxMessages(f.ctx, f.tid, mailOf(u))
		if err != nil || len(inbox) != 1 {
			t.Fatalf("%s inbox: %v %v", u.DisplayName, inbox, err)
		}
		if inbox[0].Body.Content != marker || inbox[0].Folder != "inbox" || len(inbox[0].BccRecipients) != 0 || inbox[0].ID != m.ID {
			t.Errorf("%s inbox message: %+v", u.DisplayName, inbox[0])
		}
	}
	items, err := f.ctl.MailboxFolder(f.ctx, f.tid, alice.ID, "sentitems")
	if err != nil || len(items) != 1 || items[0].Folder != "sentitems" {
		t.Fatalf("sent items: %v %v", items, err)
	}
	if inbox, _ := f.ctl.MailboxMessages(f.ctx, f.tid, mailOf(alice)); len(inbox) != 0 {
		t.Errorf("the sender's inbox got %d messages", len(inbox))
	}
	if _, err := f.ctl.MailboxMessages(f.ctx, f.tid, "nobody@example.org"); !control.IsStatus(err, 404) {
		t.Errorf("unknown mailbox: %v", err)
	}
	if _, err := f.ctl.MailboxFolder(f.ctx, f.tid, alice.ID, "drafts"); !control.IsStatus(err, 400) {
		t.Errorf("unknown folder: %v", err)
	}
	boxes, _ := f.ctl.Mailboxes(f.ctx, f.tid)
	if len(boxes) != 3 || boxes[0].Address != mailOf(alice) || boxes[0].SentItems != 1 || boxes[1].Inbox != 1 || !boxes[2].Enabled {
		t.Errorf("mailboxes: %+v", boxes)
	}

	// saveToSentItems false (the documented example sends it as a string) keeps Sent Items unchanged.
	for _, save := range []any{"false", false} {
		r = f.call("POST", "/users/"+alice.ID+"/sendMail", sendBody(control.TextMessage("s", "b", mailOf(bob)), map[string]any{"saveToSentItems": save}))
		expectStatus(t, r, 202)
	}
	if items, _ := f.ctl.MailboxFolder(f.ctx, f.tid, alice.ID, "sentitems"); len(items) != 1 {
		t.Errorf("saveToSentItems false still saved: %d", len(items))
	}
	if sent, _ := f.ctl.SentMessages(f.ctx, f.tid); len(sent) != 3 || sent[2].SaveToSentItems || sent[2].Body.ContentType != "text" {
		t.Errorf("outbox after two more: %+v", sent)
	}

	// The request log and Logf never carry bodies.
	reqs, _ := f.ctl.Requests(f.ctx, f.tid)
	last := reqs[len(reqs)-1]
	if last.Route != "POST /v1.0/users/{id}/sendMail" || last.Status != 202 {
		t.Errorf("log entry %+v", last)
	}
	if strings.Contains(sharedLog.text(), "MARKER-") {
		t.Error("a mail body reached Logf")
	}
	c, _ := f.ctl.Counters(f.ctx, f.tid)
	if c.Writes < 3 {
		t.Errorf("sendMail counts as a write: %+v", c)
	}

	if err := f.ctl.ClearMail(f.ctx, f.tid); err != nil {
		t.Fatal(err)
	}
	if sent, _ := f.ctl.SentMessages(f.ctx, f.tid); len(sent) != 0 {
		t.Errorf("outbox after clear: %d", len(sent))
	}
}

func TestSendMailMailboxes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.mailUser("Alice")
	noMail := f.user("NoMail")
	guest := f.mailUser("Guest", control.Guest())
	msg := sendBody(control.TextMessage("s", "b", mailOf(alice)), nil)

	expect := func(sender string, status int, code, message string) {
		t.Helper()
		r := f.call("POST", "/users/"+sender+"/sendMail", msg)
		expectStatus(t, r, status)
		if status == 202 {
			return
		}
		gotCode, gotMsg, inner := r.odataError(t)
		if gotCode != code || (message != "" && gotMsg != message) {
			t.Fatalf("%s: %s %s", sender, gotCode, gotMsg)
		}
		if _, repeated := inner["message"]; repeated || inner["request-id"] == nil {
			t.Errorf("innerError %v", inner)
		}
	}
	expect("nobody@"+f.creds.Domain, 404, "ErrorInvalidUser", "The requested user 'nobody@"+f.creds.Domain+"' is invalid.")
	expect(noMail.ID, 404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
	expect(guest.ID, 404, "MailboxNotEnabledForRESTAPI", "")
	expect(alice.ID, 202, "", "")

	// Disabling the mailbox through the control API; enabling it again.
	off, on := false, true
	if mb, err := f.ctl.SetMailbox(f.ctx, f.tid, alice.ID, nil, &off); err != nil || mb.Enabled {
		t.Fatalf("disable: %+v %v", mb, err)
	}
	expect(alice.ID, 404, "MailboxNotEnabledForRESTAPI", "")
	if _, err := f.ctl.SetMailbox(f.ctx, f.tid, alice.ID, nil, &on); err != nil {
		t.Fatal(err)
	}
	expect(alice.ID, 202, "", "")

	// Giving a user a mail address through the control API shows in Graph and creates the mailbox.
	addr := "no.mail@" + f.creds.Domain
	if mb, err := f.ctl.SetMailbox(f.ctx, f.tid, noMail.UserPrincipalName, &addr, nil); err != nil || !mb.Enabled || *mb.Address != addr {
		t.Fatalf("set address: %+v %v", mb, err)
	}
	if got := f.call("GET", "/users/"+noMail.ID+"?$select=mail", nil).json(t)["mail"]; got != addr {
		t.Errorf("mail through Graph: %v", got)
	}
	expect(noMail.ID, 202, "", "")

	f.settings(control.Settings{"guestMailboxes": true, "mailboxNotEnabledStatus": 403, "unknownSenderErrorCode": "ResourceNotFound"})
	expect(guest.ID, 202, "", "")
	empty := ""
	if _, err := f.ctl.SetMailbox(f.ctx, f.tid, noMail.ID, &empty, nil); err != nil {
		t.Fatal(err)
	}
	expect(noMail.ID, 403, "MailboxNotEnabledForRESTAPI", "")
	expect("00000000-0000-0000-0000-000000000009", 404, "ResourceNotFound", "Resource could not be discovered.")
	if _, err := f.ctl.PatchSettings(f.ctx, f.tid, control.Settings{"mailboxNotEnabledStatus": 500}); !control.IsStatus(err, 400) {
		t.Errorf("mailboxNotEnabledStatus 500 accepted: %v", err)
	}
	bad := "not an address"
	if _, err := f.ctl.SetMailbox(f.ctx, f.tid, noMail.ID, &bad, nil); !control.IsStatus(err, 400) {
		t.Errorf("bad address accepted: %v", err)
	}
}

func TestSendMailPermissionsAndAccessPolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.mailUser("Alice"), f.mailUser("Bob")
	msg := sendBody(control.TextMessage("s", "b", mailOf(bob)), nil)

	app, err := f.ctl.CreateApp(f.ctx, f.tid, control.App{Roles: []string{"User.Read.All", "Mail.ReadWrite"}})
	if err != nil {
		t.Fatal(err)
	}
	noSend := f.ctl.Graph(control.TenantCredentials{TenantID: f.tid, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
	resp, err := noSend.Do(f.ctx, "POST", "/users/"+alice.ID+"/sendMail", msg)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.Status, body: resp.Body}
	expectStatus(t, r, 403)
	if code, m, _ := r.odataError(t); code != "ErrorAccessDenied" || m != "Access is denied. Check credentials and try again." {
		t.Fatalf("without Mail.Send: %s %s", code, m)
	}

	// An application access policy limits the app to the listed mailboxes.
	pol, err := f.ctl.SetMailAccessPolicy(f.ctx, f.tid, strings.ToUpper(f.creds.ClientID), []string{strings.ToUpper(mailOf(bob))})
	if err != nil || !pol.Restricted || pol.AllowedMailboxes[0] != mailOf(bob) {
		t.Fatalf("policy: %+v %v", pol, err)
	}
	r = f.call("POST", "/users/"+alice.ID+"/sendMail", msg)
	expectStatus(t, r, 403)
	if code, m, _ := r.odataError(t); code != "ErrorAccessDenied" || m != "Access to OData is disabled." {
		t.Fatalf("outside the policy: %s %s", code, m)
	}
	expectStatus(t, f.call("POST", "/users/"+bob.ID+"/sendMail", msg), 202)
	if _, err := f.ctl.SetMailAccessPolicy(f.ctx, f.tid, f.creds.ClientID, nil); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, f.call("POST", "/users/"+bob.ID+"/sendMail", msg), 403) // an empty policy allows no mailbox
	if err := f.ctl.ClearMailAccessPolicy(f.ctx, f.tid, f.creds.ClientID); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, f.call("POST", "/users/"+alice.ID+"/sendMail", msg), 202)
}

func TestSendMailValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.mailUser("Alice")
	to := recipients("bob@example.org")
	for _, tc := range []struct {
		name   string
		body   any
		code   string
		substr string
	}{
		{"not JSON", "{", "RequestBodyRead", ""},
		{"no message", map[string]any{"saveToSentItems": true}, "ErrorInvalidRequest", "message"},
		{"unknown parameter", map[string]any{"message": map[string]any{"toRecipients": to}, "save": true}, "RequestBodyRead", "'save'"},
		{"unknown message property", map[string]any{"message": map[string]any{"toRecipients": to, "recipients": to}}, "RequestBodyRead", "'recipients'"},
		{"no recipients", map[string]any{"message": map[string]any{"subject": "x", "toRecipients": []any{}}}, "ErrorInvalidRecipients", "contains no recipients"},
		{"unresolvable recipient", map[string]any{"message": map[string]any{"toRecipients": recipients("not-an-address")}}, "ErrorInvalidRecipients", "'not-an-address' isn't resolved"},
		{"recipient without emailAddress", map[string]any{"message": map[string]any{"toRecipients": []any{map[string]any{"address": "a@b.c"}}}}, "RequestBodyRead", "toRecipients"},
		{"recipients not a list", map[string]any{"message": map[string]any{"toRecipients": "a@b.c"}}, "RequestBodyRead", "toRecipients"},
		{"bad body contentType", map[string]any{"message": map[string]any{"toRecipients": to, "body": map[string]any{"contentType": "markdown", "content": "x"}}}, "RequestBodyRead", "markdown"},
		{"bad saveToSentItems", map[string]any{"message": map[string]any{"toRecipients": to}, "saveToSentItems": "maybe"}, "RequestBodyRead", "saveToSentItems"},
		{"bad header name", map[string]any{"message": map[string]any{"toRecipients": to, "internetMessageHeaders": []any{map[string]any{"name": "Subject", "value": "x"}}}}, "InvalidInternetMessageHeader", "x-"},
		{"subject not a string", map[string]any{"message": map[string]any{"toRecipients": to, "subject": 3}}, "RequestBodyRead", "subject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.call("POST", "/users/"+alice.ID+"/sendMail", tc.body)
			expectStatus(t, r, 400)
			code, msg, _ := r.odataError(t)
			if code != tc.code || !strings.Contains(msg, tc.substr) {
				t.Fatalf("%s %s", code, msg)
			}
		})
	}
	if sent, _ := f.ctl.SentMessages(f.ctx, f.tid); len(sent) != 0 {
		t.Errorf("rejected messages were kept: %d", len(sent))
	}
	// msgraph-sdk-go writes the action parameters in PascalCase.
	r := f.call("POST", "/users/"+alice.ID+"/sendMail", map[string]any{"Message": map[string]any{"toRecipients": to}, "SaveToSentItems": false})
	expectStatus(t, r, 202)
	// Bcc alone is enough; the microsoft.graph. prefix of the action is accepted.
	r = f.call("POST", "/users/"+alice.ID+"/microsoft.graph.sendMail", map[string]any{"message": map[string]any{"bccRecipients": to, "importance": "High"}})
	expectStatus(t, r, 202)
}

func TestSendMailFaultsAndBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.mailUser("Alice"), f.mailUser("Bob")
	msg := sendBody(control.TextMessage("s", "b", mailOf(bob)), nil)
	fl := f.fault(control.Fault{Method: "POST", Path: "/sendMail$", Status: 503, Count: 1})
	expectStatus(t, f.call("POST", "/users/"+alice.ID+"/sendMail", msg), 503)
	if sent, _ := f.ctl.SentMessages(f.ctx, f.tid); len(sent) != 0 {
		t.Fatalf("a faulted send was delivered")
	}
	expectStatus(t, f.call("POST", "/users/"+alice.ID+"/sendMail", msg), 202)
	faults, _ := f.ctl.Faults(f.ctx, f.tid)
	if len(faults) != 1 || faults[0].ID != fl.ID || faults[0].Hits != 1 {
		t.Errorf("faults %+v", faults)
	}

	// A "drop after" fault delivers the message but loses the answer: the case a retrying client must handle.
	f.fault(control.Fault{Method: "POST", Path: "/sendMail$", Drop: "after", Count: 1})
	if _, err := f.graph.Do(f.ctx, "POST", "/users/"+alice.ID+"/sendMail", msg); err == nil {
		t.Error("dropped answer arrived")
	}
	if sent, _ := f.ctl.SentMessages(f.ctx, f.tid); len(sent) != 2 {
		t.Errorf("drop after: %d messages", len(sent))
	}

	r := f.call("POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "POST", "url": "/users/" + alice.ID + "/sendMail", "headers": map[string]any{"Content-Type": "application/json"}, "body": msg},
	}})
	expectStatus(t, r, 200)
	sub := asMap(asSlice(r.json(t)["responses"])[0])
	if sub["status"].(float64) != 202 {
		t.Errorf("batch sub-response %v", sub)
	}
	if inbox, _ := f.ctl.MailboxMessages(f.ctx, f.tid, mailOf(bob)); len(inbox) != 3 {
		t.Errorf("bob's inbox has %d", len(inbox))
	}
}
