package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/entra-tap/terraform-provider-entra/internal/emulator"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// seedFile describes a small directory to build in the default tenant at start, through ordinary Graph
// calls and the control API, so demos and manual tests start from a realistic tenant.
//
//	{
//	  "users":   [{"key": "ada", "displayName": "Ada Lovelace", "mailNickname": "ada.lovelace", "guest": false,
//	               "mail": "ada.lovelace", "manager": "grace", "mailboxDisabled": false}],
//	  "groups":  [{"key": "new_starters", "displayName": "New starters", "members": ["ada"]}],
//	  "methods": [{"user": "ada", "method": {"type": "fido2", "displayName": "YubiKey 5C"}}],
//	  "vaults":  [{"key": "passes", "name": "entra-passes", "cloud": "public", "grantDefaultApp": true}]
//	}
//
// User principal names are <mailNickname>@<tenant domain>. mail (optional) gives the user a mail address,
// and so a mailbox: a value without "@" is a local part on the tenant domain. manager (optional) is the key
// of another seeded user, assigned through Graph once every user exists; mailboxDisabled keeps the address
// but disables the mailbox. Every field added after the first version is optional, so older files stay valid.
// The ids Graph assigned are written as a Terraform variables file: <key>_id, <key>_upn (and <key>_mail)
// per user, <key>_group_id per group, <key>_vault_name and <key>_vault_uri per vault, and tenant_domain.
type seedFile struct {
	Users []struct {
		Key             string `json:"key"`
		DisplayName     string `json:"displayName"`
		MailNickname    string `json:"mailNickname"`
		Guest           bool   `json:"guest"`
		External        bool   `json:"external"`
		Mail            string `json:"mail"`
		Manager         string `json:"manager"`
		MailboxDisabled bool   `json:"mailboxDisabled"`
	} `json:"users"`
	Groups []struct {
		Key         string   `json:"key"`
		DisplayName string   `json:"displayName"`
		Members     []string `json:"members"`
	} `json:"groups"`
	Methods []struct {
		User   string         `json:"user"`
		Method control.Method `json:"method"`
	} `json:"methods"`
	Vaults []struct {
		Key             string `json:"key"`
		Name            string `json:"name"`
		Cloud           string `json:"cloud"`
		GrantDefaultApp *bool  `json:"grantDefaultApp"`
	} `json:"vaults"`
}

func seed(ctx context.Context, emu *emulator.Emulator, path, tfvarsPath string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the seed file: %w", err)
	}
	var sf seedFile
	if err := json.Unmarshal(raw, &sf); err != nil {
		return fmt.Errorf("parsing the seed file %s: %w", path, err)
	}
	hc, err := control.NewHTTPClient(emu.CAFile())
	if err != nil {
		return err
	}
	ctl := control.New(emu.URL(), hc)
	creds := emu.DefaultTenant()
	g := ctl.Graph(control.TenantCredentials{TenantID: creds.TenantID, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, Domain: creds.Domain})

	vars := map[string]string{"tenant_domain": creds.Domain}
	users := map[string]string{}
	for _, u := range sf.Users {
		var opts []control.UserOption
		switch {
		case u.External:
			opts = append(opts, control.External())
		case u.Guest:
			opts = append(opts, control.Guest())
		}
		mail := u.Mail
		if mail != "" && !strings.Contains(mail, "@") {
			mail += "@" + creds.Domain
		}
		if mail != "" {
			opts = append(opts, control.Mail(mail))
			vars[u.Key+"_mail"] = mail
		}
		created, err := g.CreateUser(ctx, u.DisplayName, u.MailNickname+"@"+creds.Domain, opts...)
		if err != nil {
			return fmt.Errorf("seeding user %s: %w", u.Key, err)
		}
		users[u.Key] = created.ID
		vars[u.Key+"_id"] = created.ID
		vars[u.Key+"_upn"] = created.UserPrincipalName
		if u.MailboxDisabled {
			off := false
			if _, err := ctl.SetMailbox(ctx, creds.TenantID, created.ID, nil, &off); err != nil {
				return fmt.Errorf("disabling the mailbox of %s: %w", u.Key, err)
			}
		}
	}
	for _, u := range sf.Users {
		if u.Manager == "" {
			continue
		}
		id, ok := users[u.Manager]
		if !ok {
			return fmt.Errorf("user %s: no seeded manager %q", u.Key, u.Manager)
		}
		if err := g.SetManager(ctx, users[u.Key], id); err != nil {
			return fmt.Errorf("making %s the manager of %s: %w", u.Manager, u.Key, err)
		}
	}
	for _, grp := range sf.Groups {
		created, err := g.CreateGroup(ctx, grp.DisplayName)
		if err != nil {
			return fmt.Errorf("seeding group %s: %w", grp.Key, err)
		}
		vars[grp.Key+"_group_id"] = created.ID
		for _, member := range grp.Members {
			id, ok := users[member]
			if !ok {
				return fmt.Errorf("group %s: no seeded user %q", grp.Key, member)
			}
			if err := g.AddMember(ctx, created.ID, id); err != nil {
				return fmt.Errorf("adding %s to %s: %w", member, grp.Key, err)
			}
		}
	}
	for _, m := range sf.Methods {
		id, ok := users[m.User]
		if !ok {
			return fmt.Errorf("method: no seeded user %q", m.User)
		}
		if _, err := ctl.SeedMethod(ctx, creds.TenantID, id, m.Method); err != nil {
			return fmt.Errorf("seeding a %v method for %s: %w", m.Method["type"], m.User, err)
		}
	}
	for _, v := range sf.Vaults {
		info, err := ctl.CreateVault(ctx, creds.TenantID, control.Vault{Name: v.Name, Cloud: v.Cloud, GrantDefaultApp: v.GrantDefaultApp})
		if err != nil {
			return fmt.Errorf("seeding vault %s: %w", v.Key, err)
		}
		vars[v.Key+"_vault_name"] = info.Name
		vars[v.Key+"_vault_uri"] = info.VaultURI
	}
	if tfvarsPath == "" {
		return nil
	}
	out, err := json.MarshalIndent(vars, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(tfvarsPath, append(out, '\n'), 0o644)
}

// seedSummary is one line for the log.
func seedSummary(path string) string {
	return "seeded the default tenant from " + strings.TrimSpace(path)
}
