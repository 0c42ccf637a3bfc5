package control

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Delivery: managers, mailboxes and sent mail, mail access policies, Key Vaults (see the emulator's
// CONTRACT.md). Mail bodies and secret values come back from these calls because tests check them; never
// log them.

// MailAddress is an emailAddress of a recipient.
type MailAddress struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

// MailBody is a message body; ContentType is "text" or "html".
type MailBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

// MailHeader is an internet message header (x-...).
type MailHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MailMessage is a message the emulator accepted through sendMail.
type MailMessage struct {
	ID                     string        `json:"id"`
	InternetMessageID      string        `json:"internetMessageId"`
	SenderUserID           string        `json:"senderUserId"`
	ClientID               string        `json:"clientId"`
	From                   MailAddress   `json:"from"`
	ToRecipients           []MailAddress `json:"toRecipients"`
	CcRecipients           []MailAddress `json:"ccRecipients"`
	BccRecipients          []MailAddress `json:"bccRecipients"`
	ReplyTo                []MailAddress `json:"replyTo"`
	Subject                string        `json:"subject"`
	Body                   MailBody      `json:"body"`
	Importance             string        `json:"importance"`
	InternetMessageHeaders []MailHeader  `json:"internetMessageHeaders"`
	SentDateTime           time.Time     `json:"sentDateTime"`
	SaveToSentItems        bool          `json:"saveToSentItems"`
	DeliveredTo            []string      `json:"deliveredTo"`
	ExternalRecipients     []string      `json:"externalRecipients"`
	Folder                 string        `json:"folder"`
}

// Mailbox is one row of Mailboxes: a user with a mail address.
type Mailbox struct {
	Address           string `json:"address"`
	UserID            string `json:"userId"`
	UserPrincipalName string `json:"userPrincipalName"`
	Enabled           bool   `json:"enabled"`
	Inbox             int    `json:"inbox"`
	SentItems         int    `json:"sentItems"`
}

// UserMailbox is a user's mailbox state.
type UserMailbox struct {
	UserID  string  `json:"userId"`
	Address *string `json:"address"`
	Enabled bool    `json:"enabled"`
}

// MailAccessPolicy restricts an app to some mailboxes (an Exchange Online application access policy).
type MailAccessPolicy struct {
	ClientID         string   `json:"clientId"`
	Restricted       bool     `json:"restricted"`
	AllowedMailboxes []string `json:"allowedMailboxes"`
}

// Vault describes a vault to create. Cloud is "public" (default), "usgovernment" or "china";
// GrantDefaultApp (default true) gives the tenant's default app Key Vault Secrets Officer.
type Vault struct {
	Name            string `json:"name"`
	Cloud           string `json:"cloud,omitempty"`
	GrantDefaultApp *bool  `json:"grantDefaultApp,omitempty"`
}

// VaultRoles is a role assignment on a vault.
type VaultRoles struct {
	ClientID string   `json:"clientId"`
	Roles    []string `json:"roles"`
}

// VaultInfo is a vault as the control API shows it. VaultURI is what azsecrets.NewClient needs;
// CanonicalURI is the host the secret ids carry by default; Scope is the token scope.
type VaultInfo struct {
	Name            string       `json:"name"`
	TenantID        string       `json:"tenantId"`
	VaultURI        string       `json:"vaultUri"`
	CanonicalURI    string       `json:"canonicalUri"`
	Cloud           string       `json:"cloud"`
	Resource        string       `json:"resource"`
	Scope           string       `json:"scope"`
	CreatedDateTime time.Time    `json:"createdDateTime"`
	RoleAssignments []VaultRoles `json:"roleAssignments"`
	Secrets         []string     `json:"secrets"`
	DeletedSecrets  []string     `json:"deletedSecrets"`
}

// SecretAttributes are a secret version's attributes (Unix seconds).
type SecretAttributes struct {
	Enabled         *bool  `json:"enabled,omitempty"`
	NotBefore       *int64 `json:"nbf,omitempty"`
	Expires         *int64 `json:"exp,omitempty"`
	Created         int64  `json:"created,omitempty"`
	Updated         int64  `json:"updated,omitempty"`
	RecoveryLevel   string `json:"recoveryLevel,omitempty"`
	RecoverableDays int    `json:"recoverableDays,omitempty"`
}

// SecretVersion is one version of a vault secret, with its value.
type SecretVersion struct {
	Version     string            `json:"version"`
	ID          string            `json:"id"`
	Value       string            `json:"value"`
	ContentType *string           `json:"contentType"`
	Tags        map[string]string `json:"tags"`
	Attributes  SecretAttributes  `json:"attributes"`
}

// VaultSecret is a secret with every version; Current is the latest.
type VaultSecret struct {
	Name               string          `json:"name"`
	Deleted            bool            `json:"deleted"`
	DeletedDate        *int64          `json:"deletedDate"`
	ScheduledPurgeDate *int64          `json:"scheduledPurgeDate"`
	Current            SecretVersion   `json:"current"`
	Versions           []SecretVersion `json:"versions"`
}

// SecretSeed is the body of SeedVaultSecret, the Set Secret body of the Key Vault REST API.
type SecretSeed struct {
	Value       string            `json:"value"`
	ContentType *string           `json:"contentType,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Attributes  *SecretAttributes `json:"attributes,omitempty"`
}

// ManagerOf is a user's manager (nil when none).
type ManagerOf struct {
	UserID    string  `json:"userId"`
	ManagerID *string `json:"managerId"`
}

// ----- managers -----

// SetManager makes manager (id or UPN) the manager of user (id or UPN), without a Graph call.
func (c *Client) SetManager(ctx context.Context, tid, user, manager string) (ManagerOf, error) {
	var out ManagerOf
	err := c.do(ctx, http.MethodPut, tenantPath(tid, "users", url.PathEscape(user), "manager"), map[string]string{"manager": manager}, &out)
	return out, err
}

// Manager reads a user's manager.
func (c *Client) Manager(ctx context.Context, tid, user string) (ManagerOf, error) {
	var out ManagerOf
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "users", url.PathEscape(user), "manager"), nil, &out)
	return out, err
}

// RemoveManager clears a user's manager.
func (c *Client) RemoveManager(ctx context.Context, tid, user string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tid, "users", url.PathEscape(user), "manager"), nil, nil)
}

// ----- mailboxes and mail -----

// SetMailbox changes a user's mail address (address non-nil; "" removes it) and/or enables or disables
// the mailbox (enabled non-nil).
func (c *Client) SetMailbox(ctx context.Context, tid, user string, address *string, enabled *bool) (UserMailbox, error) {
	var out UserMailbox
	in := map[string]any{}
	if address != nil {
		in["address"] = *address
	}
	if enabled != nil {
		in["enabled"] = *enabled
	}
	err := c.do(ctx, http.MethodPut, tenantPath(tid, "users", url.PathEscape(user), "mailbox"), in, &out)
	return out, err
}

// UserMailbox reads a user's mailbox state.
func (c *Client) UserMailbox(ctx context.Context, tid, user string) (UserMailbox, error) {
	var out UserMailbox
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "users", url.PathEscape(user), "mailbox"), nil, &out)
	return out, err
}

// Mailboxes lists the users with a mail address.
func (c *Client) Mailboxes(ctx context.Context, tid string) ([]Mailbox, error) {
	var out struct {
		Mailboxes []Mailbox `json:"mailboxes"`
	}
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "mailboxes"), nil, &out)
	return out.Mailboxes, err
}

// MailboxMessages lists what a mailbox (mail address, user id or UPN) received, oldest first.
func (c *Client) MailboxMessages(ctx context.Context, tid, address string) ([]MailMessage, error) {
	return c.MailboxFolder(ctx, tid, address, "inbox")
}

// MailboxFolder lists a mailbox folder: "inbox" or "sentitems".
func (c *Client) MailboxFolder(ctx context.Context, tid, address, folder string) ([]MailMessage, error) {
	var out struct {
		Messages []MailMessage `json:"messages"`
	}
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "mailboxes", url.PathEscape(address), "messages")+"?folder="+url.QueryEscape(folder), nil, &out)
	return out.Messages, err
}

// SentMessages lists every message sent in the tenant (the outbox), oldest first.
func (c *Client) SentMessages(ctx context.Context, tid string) ([]MailMessage, error) {
	var out struct {
		Messages []MailMessage `json:"messages"`
	}
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "outbox"), nil, &out)
	return out.Messages, err
}

// ClearMail empties the outbox and every mailbox folder.
func (c *Client) ClearMail(ctx context.Context, tid string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tid, "outbox"), nil, nil)
}

// SetMailAccessPolicy restricts an app to the listed mailboxes; sending as any other gets 403 ErrorAccessDenied.
func (c *Client) SetMailAccessPolicy(ctx context.Context, tid, clientID string, allowed []string) (MailAccessPolicy, error) {
	if allowed == nil {
		allowed = []string{}
	}
	var out MailAccessPolicy
	err := c.do(ctx, http.MethodPut, tenantPath(tid, "apps", url.PathEscape(clientID), "mailAccessPolicy"), map[string]any{"allowedMailboxes": allowed}, &out)
	return out, err
}

// ClearMailAccessPolicy lifts an app's restriction.
func (c *Client) ClearMailAccessPolicy(ctx context.Context, tid, clientID string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tid, "apps", url.PathEscape(clientID), "mailAccessPolicy"), nil, nil)
}

// ----- Key Vault -----

// CreateVault creates a vault in the tenant; names are unique across the emulator.
func (c *Client) CreateVault(ctx context.Context, tid string, v Vault) (VaultInfo, error) {
	var out VaultInfo
	err := c.do(ctx, http.MethodPost, tenantPath(tid, "vaults"), v, &out)
	return out, err
}

// Vaults lists a tenant's vaults.
func (c *Client) Vaults(ctx context.Context, tid string) ([]VaultInfo, error) {
	var out struct {
		Vaults []VaultInfo `json:"vaults"`
	}
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "vaults"), nil, &out)
	return out.Vaults, err
}

// Vault reads one vault.
func (c *Client) Vault(ctx context.Context, tid, name string) (VaultInfo, error) {
	var out VaultInfo
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "vaults", url.PathEscape(name)), nil, &out)
	return out, err
}

// DeleteVault removes a vault and its secrets.
func (c *Client) DeleteVault(ctx context.Context, tid, name string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tid, "vaults", url.PathEscape(name)), nil, nil)
}

// SetVaultRoles replaces an app's roles on a vault ("Key Vault Secrets Officer", "Key Vault Secrets User",
// "Key Vault Reader", "Key Vault Administrator"); an empty list removes the assignment.
func (c *Client) SetVaultRoles(ctx context.Context, tid, vault, clientID string, roles ...string) (VaultRoles, error) {
	if roles == nil {
		roles = []string{}
	}
	var out VaultRoles
	err := c.do(ctx, http.MethodPut, tenantPath(tid, "vaults", url.PathEscape(vault), "roleAssignments", url.PathEscape(clientID)), map[string]any{"roles": roles}, &out)
	return out, err
}

// RemoveVaultRoles removes an app's role assignment on a vault.
func (c *Client) RemoveVaultRoles(ctx context.Context, tid, vault, clientID string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tid, "vaults", url.PathEscape(vault), "roleAssignments", url.PathEscape(clientID)), nil, nil)
}

// VaultSecret reads a secret (live or soft-deleted) with every version's value.
func (c *Client) VaultSecret(ctx context.Context, tid, vault, name string) (VaultSecret, error) {
	var out VaultSecret
	err := c.do(ctx, http.MethodGet, tenantPath(tid, "vaults", url.PathEscape(vault), "secrets", url.PathEscape(name)), nil, &out)
	return out, err
}

// SeedVaultSecret adds a version to a secret without going through Key Vault's auth.
func (c *Client) SeedVaultSecret(ctx context.Context, tid, vault, name string, s SecretSeed) (VaultSecret, error) {
	var out VaultSecret
	err := c.do(ctx, http.MethodPut, tenantPath(tid, "vaults", url.PathEscape(vault), "secrets", url.PathEscape(name)), s, &out)
	return out, err
}

// ----- Graph helpers -----

// Mail gives the new user a mail address (and so a mailbox, for members).
func Mail(address string) UserOption { return func(b map[string]any) { b["mail"] = address } }

// SetManager assigns a manager through Graph (PUT /users/{id}/manager/$ref).
func (g *Graph) SetManager(ctx context.Context, user, managerID string) error {
	return g.call(ctx, http.MethodPut, UserPath(user, "manager", "$ref"),
		map[string]string{"@odata.id": g.baseURL + "/v1.0/users/" + managerID}, nil)
}

// GetManager reads a user's manager through Graph.
func (g *Graph) GetManager(ctx context.Context, user string) (User, error) {
	var out User
	err := g.call(ctx, http.MethodGet, UserPath(user, "manager")+userSelect, nil, &out)
	return out, err
}

// SendMail sends message (the Graph message resource as JSON) as user.
func (g *Graph) SendMail(ctx context.Context, user string, message map[string]any, saveToSentItems *bool) error {
	body := map[string]any{"message": message}
	if saveToSentItems != nil {
		body["saveToSentItems"] = *saveToSentItems
	}
	return g.call(ctx, http.MethodPost, UserPath(user, "sendMail"), body, nil)
}

// TextMessage builds a sendMail message with a text body to the given addresses.
func TextMessage(subject, content string, to ...string) map[string]any {
	recipients := make([]map[string]any, 0, len(to))
	for _, a := range to {
		recipients = append(recipients, map[string]any{"emailAddress": map[string]string{"address": a}})
	}
	return map[string]any{"subject": subject, "body": map[string]string{"contentType": "Text", "content": content}, "toRecipients": recipients}
}
