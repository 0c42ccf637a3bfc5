// Package delivery holds the channels through which the provider itself hands a pass to the person who
// gives it to the user: an email from a mailbox of the tenant (Graph sendMail), and an Azure Key Vault secret.
// Each is an issuance.Delivery: the engine mints, calls Deliver, and revokes the pass when Deliver fails.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// DefaultSubject and DefaultBody make a plain, correct message with no configuration.
const (
	DefaultSubject = "Temporary Access Pass for {{user_display_name}}"
	DefaultBody    = `A Temporary Access Pass has been issued for {{user_display_name}} ({{user_principal_name}}).

Pass: {{pass}}
Sign in at: {{sign_in_url}}
Valid from {{start}} until {{expiry}} ({{time_zone}}).
{{usage}}

Give the pass to {{user_display_name}} in person or over a channel you trust. They sign in with their user name and this pass, then register their own methods, such as a passkey or Microsoft Authenticator.
`
)

// Placeholders are the names a subject or body may use, written {{name}}.
var Placeholders = map[string]string{
	"pass":                "the pass",
	"user_display_name":   "the user's display name",
	"user_principal_name": "the user's user principal name",
	"sign_in_url":         "where the user signs in with the pass (" + tap.SignInURL + ")",
	"start":               "when the pass starts working, in the time zone",
	"expiry":              "when the pass stops working, in the time zone",
	"time_zone":           "the time zone's name",
	"lifetime_in_minutes": "the pass's lifetime in minutes",
	"usage":               "\"It works for one sign-in only.\" or \"It can be used until it expires.\"",
}

var placeholder = regexp.MustCompile(`\{\{\s*([a-z_]+)\s*\}\}`)

// CheckTemplate returns what is wrong with a subject or body template: unknown placeholders, and, for a body,
// a message that would not carry the pass.
func CheckTemplate(text string, isBody bool) []string {
	var problems []string
	hasPass := false
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if m[1] == "pass" {
			hasPass = true
		}
		if _, ok := Placeholders[m[1]]; !ok {
			problems = append(problems, fmt.Sprintf("{{%s}} is not a placeholder; use one of %s", m[1], placeholderList()))
		}
	}
	if isBody && !hasPass {
		problems = append(problems, "the body has no {{pass}}, so the message would not carry the pass")
	}
	return problems
}

func placeholderList() string {
	names := make([]string, 0, len(Placeholders))
	for n := range Placeholders {
		names = append(names, "{{"+n+"}}")
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Render fills a template for a pass.
func Render(text string, p issuance.Pass, loc *time.Location) string {
	usage := "It can be used until it expires."
	if p.IsUsableOnce {
		usage = "It works for one sign-in only."
	}
	name := p.User.DisplayName
	if name == "" {
		name = p.User.UserPrincipalName
	}
	values := map[string]string{
		"pass": p.Value, "user_display_name": name, "user_principal_name": p.User.UserPrincipalName, "sign_in_url": tap.SignInURL,
		"start": formatTime(p.StartDateTime, loc), "expiry": formatTime(p.ExpirationDateTime(), loc), "time_zone": loc.String(),
		"lifetime_in_minutes": fmt.Sprint(p.LifetimeInMinutes), "usage": usage,
	}
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		return values[placeholder.FindStringSubmatch(m)[1]]
	})
}

// formatTime writes a time for people, e.g. "Monday 7 December 2026, 08:00 CET (UTC+01:00)".
func formatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006, 15:04 MST (UTC-07:00)")
}

// Email sends the pass from Sender's mailbox to the user's manager and/or named addresses.
type Email struct {
	Graph     *graph.Client
	Sender    string
	ToManager bool
	To        []string
	Location  *time.Location
	Subject   string
	Body      string
}

// Channel names the delivery in messages.
func (e Email) Channel() string { return "email from " + e.Sender }

// Recipients resolves who receives the message: the user's manager (read from the directory now, so that a
// manager changed since the plan gets it) and the named addresses.
func (e Email) Recipients(ctx context.Context, userID string) ([]graph.Recipient, error) {
	var to []graph.Recipient
	if e.ToManager {
		manager, err := e.Graph.GetManager(ctx, userID)
		if errors.Is(err, graph.ErrNotFound) {
			return nil, fmt.Errorf("the user has no manager in the directory: set their manager, or send to named addresses (delivery.email.to)")
		}
		if err != nil {
			return nil, err
		}
		if manager.Mail == "" {
			return nil, fmt.Errorf("the user's manager %s has no mail address (no mailbox): give them one, or send to named addresses (delivery.email.to)", orID(manager))
		}
		to = append(to, graph.Recipient{Name: manager.DisplayName, Address: manager.Mail})
	}
	for _, a := range e.To {
		to = append(to, graph.Recipient{Address: a})
	}
	return to, nil
}

// Deliver sends the message.
func (e Email) Deliver(ctx context.Context, p issuance.Pass) (issuance.Receipt, error) {
	to, err := e.Recipients(ctx, p.User.ID)
	if err != nil {
		return issuance.Receipt{}, err
	}
	if p.User.DisplayName == "" {
		// The plan resolved only the user's id and principal name; the message names them.
		if mb, err := e.Graph.GetMailbox(ctx, p.User.ID); err == nil {
			p.User.DisplayName = mb.DisplayName
		}
	}
	subject, body := e.Subject, e.Body
	if subject == "" {
		subject = DefaultSubject
	}
	if body == "" {
		body = DefaultBody
	}
	requestID, err := e.Graph.SendMail(ctx, e.Sender, graph.Message{Subject: Render(subject, p, e.Location), Body: Render(body, p, e.Location), To: to})
	if err != nil {
		return issuance.Receipt{}, err
	}
	addresses := make([]string, len(to))
	for i, r := range to {
		addresses[i] = r.Address
	}
	return issuance.Receipt{Channel: "email", Destination: strings.Join(addresses, ", "), Reference: requestID, At: time.Now().UTC()}, nil
}

func orID(m *graph.Mailbox) string {
	if m.UserPrincipalName != "" {
		return m.UserPrincipalName
	}
	return m.ID
}
