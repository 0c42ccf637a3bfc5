package emulator

import (
	"strings"
)

// deliveryState is what a tenant needs for the provider to deliver passes itself: managers (manager.go),
// mailboxes and sent mail (mail.go), per-app mail access policies, and Key Vaults (keyvault.go). It lives
// apart from the directory's own types so the directory code stays untouched; edges to deleted users are
// ignored when read.
type deliveryState struct {
	managers   map[string]string // user id -> manager's user id
	mailboxOff map[string]bool   // user id -> mailbox disabled (seed or control API)

	mailSeq int64
	outbox  []*mailMessage            // every message sent in the tenant, oldest first
	inbox   map[string][]*mailMessage // user id -> received messages
	sent    map[string][]*mailMessage // user id -> Sent Items

	// mailPolicies restricts an app (lowercase client id) to the listed mailboxes (lowercase addresses),
	// as an Exchange Online application access policy does. No entry means no restriction.
	mailPolicies map[string][]string

	vaults map[string]*kvVault // by lowercase vault name
}

func newDeliveryState() deliveryState {
	return deliveryState{
		managers:     map[string]string{},
		mailboxOff:   map[string]bool{},
		inbox:        map[string][]*mailMessage{},
		sent:         map[string][]*mailMessage{},
		mailPolicies: map[string][]string{},
		vaults:       map[string]*kvVault{},
	}
}

// managerOf returns the user's manager, or nil when none is set or the manager was deleted.
func (s *tenantState) managerOf(u *user) *user {
	id, ok := s.delivery.managers[u.id]
	if !ok {
		return nil
	}
	m := s.users[id]
	if m == nil {
		delete(s.delivery.managers, u.id)
	}
	return m
}

// mailboxAddress is the primary SMTP address of the user's mailbox, or "" when the user has none: a mailbox
// exists when the user has a mail address, is a member (guests have none unless guestMailboxes is set) and
// has not been disabled through the seed file or the control API.
func (s *tenantState) mailboxAddress(u *user) string {
	if u == nil || u.mail == "" || s.delivery.mailboxOff[u.id] {
		return ""
	}
	if u.userType != "Member" && !s.settings.GuestMailboxes {
		return ""
	}
	return u.mail
}

// mailboxOwner finds the user whose mailbox has this address (case-insensitive), or nil. Graph does not
// stop two users from sharing a mail address; the older one owns the mailbox then.
func (s *tenantState) mailboxOwner(address string) *user {
	var owner *user
	for _, u := range s.users {
		if a := s.mailboxAddress(u); a != "" && strings.EqualFold(a, address) && (owner == nil || u.seq < owner.seq) {
			owner = u
		}
	}
	return owner
}
