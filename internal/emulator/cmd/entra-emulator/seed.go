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
//	  "users":   [{"key": "ada", "displayName": "Ada Lovelace", "mailNickname": "ada.lovelace", "guest": false}],
//	  "groups":  [{"key": "new_starters", "displayName": "New starters", "members": ["ada"]}],
//	  "methods": [{"user": "ada", "method": {"type": "fido2", "displayName": "YubiKey 5C"}}]
//	}
//
// User principal names are <mailNickname>@<tenant domain>. The ids Graph assigned are written as a
// Terraform variables file: <key>_id and <key>_upn per user, <key>_group_id per group, and tenant_domain.
type seedFile struct {
	Users []struct {
		Key          string `json:"key"`
		DisplayName  string `json:"displayName"`
		MailNickname string `json:"mailNickname"`
		Guest        bool   `json:"guest"`
		External     bool   `json:"external"`
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
		created, err := g.CreateUser(ctx, u.DisplayName, u.MailNickname+"@"+creds.Domain, opts...)
		if err != nil {
			return fmt.Errorf("seeding user %s: %w", u.Key, err)
		}
		users[u.Key] = created.ID
		vars[u.Key+"_id"] = created.ID
		vars[u.Key+"_upn"] = created.UserPrincipalName
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
