package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// Control endpoints for delivery (CONTRACT.md): managers, mailboxes and their messages, mail access
// policies, Key Vaults, their role assignments and secrets. They answer with values (mail bodies, secret
// values) because tests read them; the request log never holds them.

func (e *Emulator) deliveryControl(methods map[string]controlHandler, t *tenant, rest []string) {
	switch {
	case controlPattern(rest, "users", "*", "manager"):
		key := rest[1]
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) { e.handleGetManager(w, t, key) }
		methods["PUT"] = func(w http.ResponseWriter, r *http.Request) { e.handleSetManager(w, r, t, key) }
		methods["DELETE"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			defer t.mu.Unlock()
			u := t.s.findUser(key)
			if u == nil {
				controlError(w, http.StatusNotFound, "no user "+key)
				return
			}
			delete(t.s.delivery.managers, u.id)
			w.WriteHeader(http.StatusNoContent)
		}
	case controlPattern(rest, "users", "*", "mailbox"):
		key := rest[1]
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) { e.handleMailbox(w, nil, t, key) }
		methods["PUT"] = func(w http.ResponseWriter, r *http.Request) { e.handleMailbox(w, r, t, key) }
	case controlPattern(rest, "mailboxes"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			list := t.s.mailboxes()
			t.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"mailboxes": list})
		}
	case controlPattern(rest, "mailboxes", "*", "messages"):
		key := rest[1]
		methods["GET"] = func(w http.ResponseWriter, r *http.Request) {
			t.mu.Lock()
			defer t.mu.Unlock()
			u := t.s.userByMailboxKey(key)
			if u == nil {
				controlError(w, http.StatusNotFound, "no mailbox "+key)
				return
			}
			msgs, err := t.s.folderMessages(u, r.URL.Query().Get("folder"))
			if err != nil {
				controlError(w, http.StatusBadRequest, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"address": u.mail, "userId": u.id, "messages": msgs})
		}
	case controlPattern(rest, "outbox"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			msgs := t.s.outboxMessages()
			t.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"messages": msgs})
		}
		methods["DELETE"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			d := &t.s.delivery
			d.outbox, d.inbox, d.sent = nil, map[string][]*mailMessage{}, map[string][]*mailMessage{}
			t.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}
	case controlPattern(rest, "apps", "*", "mailAccessPolicy"):
		clientID := strings.ToLower(rest[1])
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			list, restricted := t.s.delivery.mailPolicies[clientID]
			t.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"clientId": clientID, "restricted": restricted, "allowedMailboxes": nonNilStrings(list)})
		}
		methods["PUT"] = func(w http.ResponseWriter, r *http.Request) {
			var req struct {
				AllowedMailboxes []string `json:"allowedMailboxes"`
			}
			body, _ := readBody(r)
			if err := json.Unmarshal(body, &req); err != nil || req.AllowedMailboxes == nil {
				controlError(w, http.StatusBadRequest, `body must be {"allowedMailboxes": ["address", ...]}`)
				return
			}
			list := normalizePolicy(req.AllowedMailboxes)
			t.mu.Lock()
			t.s.delivery.mailPolicies[clientID] = list
			t.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"clientId": clientID, "restricted": true, "allowedMailboxes": list})
		}
		methods["DELETE"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			delete(t.s.delivery.mailPolicies, clientID)
			t.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}
	case controlPattern(rest, "vaults"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			out := []vaultView{}
			for _, k := range sortedSecretKeys(t.s.delivery.vaults) {
				out = append(out, e.vaultView(t, t.s.delivery.vaults[k]))
			}
			t.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"vaults": out})
		}
		methods["POST"] = func(w http.ResponseWriter, r *http.Request) { e.handleCreateVault(w, r, t) }
	case controlPattern(rest, "vaults", "*"):
		name := rest[1]
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			e.withVault(w, t, name, func(v *kvVault) { writeJSON(w, http.StatusOK, e.vaultView(t, v)) })
		}
		methods["DELETE"] = func(w http.ResponseWriter, _ *http.Request) {
			if !e.deleteVault(t, name) {
				controlError(w, http.StatusNotFound, "no vault "+name+" in this tenant")
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	case controlPattern(rest, "vaults", "*", "roleAssignments", "*"):
		name, clientID := rest[1], strings.ToLower(rest[3])
		methods["PUT"] = func(w http.ResponseWriter, r *http.Request) {
			var req struct {
				Roles []string `json:"roles"`
			}
			body, _ := readBody(r)
			if err := json.Unmarshal(body, &req); err != nil || req.Roles == nil {
				controlError(w, http.StatusBadRequest, `body must be {"roles": ["Key Vault Secrets Officer", ...]}`)
				return
			}
			roles := []string{}
			for _, r := range req.Roles {
				c := canonicalRole(r)
				if c == "" {
					controlError(w, http.StatusBadRequest, "unknown role "+r+": use Key Vault Administrator, Key Vault Secrets Officer, Key Vault Secrets User or Key Vault Reader")
					return
				}
				roles = append(roles, c)
			}
			e.withVault(w, t, name, func(v *kvVault) {
				if len(roles) == 0 {
					delete(v.roles, clientID)
				} else {
					v.roles[clientID] = roles
				}
				writeJSON(w, http.StatusOK, vaultRoleView{ClientID: clientID, Roles: roles})
			})
		}
		methods["DELETE"] = func(w http.ResponseWriter, _ *http.Request) {
			e.withVault(w, t, name, func(v *kvVault) {
				delete(v.roles, clientID)
				w.WriteHeader(http.StatusNoContent)
			})
		}
	case controlPattern(rest, "vaults", "*", "secrets", "*"):
		name, secret := rest[1], rest[3]
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			e.withVault(w, t, name, func(v *kvVault) {
				view, ok := e.secretView(t.s, v, secret)
				if !ok {
					controlError(w, http.StatusNotFound, "no secret "+secret+" in vault "+name)
					return
				}
				writeJSON(w, http.StatusOK, view)
			})
		}
		methods["PUT"] = func(w http.ResponseWriter, r *http.Request) {
			body, _ := readBody(r)
			if !kvSecretName.MatchString(secret) {
				controlError(w, http.StatusBadRequest, "secret names match ^[0-9a-zA-Z-]{1,127}$")
				return
			}
			b, rep := parseSecretBody(body)
			if rep != nil {
				controlError(w, http.StatusBadRequest, "invalid secret: "+kvMessage(*rep))
				return
			}
			e.withVault(w, t, name, func(v *kvVault) {
				op := &kvOp{e: e, t: t, s: t.s, v: v, now: t.s.now().Unix()}
				if _, _, rep := op.putVersion(secret, b); rep != nil {
					controlError(w, rep.status, kvMessage(*rep))
					return
				}
				view, _ := e.secretView(t.s, v, secret)
				writeJSON(w, http.StatusCreated, view)
			})
		}
	}
}

// withVault runs fn with the tenant lock held and the named vault of t, or answers 404.
func (e *Emulator) withVault(w http.ResponseWriter, t *tenant, name string, fn func(*kvVault)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.s.delivery.vaults[strings.ToLower(name)]
	if v == nil {
		controlError(w, http.StatusNotFound, "no vault "+name+" in this tenant")
		return
	}
	fn(v)
}

func kvMessage(rep kvReply) string {
	if m, ok := rep.body.(map[string]any); ok {
		if e, ok := m["error"].(map[string]any); ok {
			if s, ok := e["message"].(string); ok {
				return s
			}
		}
	}
	return http.StatusText(rep.status)
}

func nonNilStrings(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

func (e *Emulator) handleCreateVault(w http.ResponseWriter, r *http.Request, t *tenant) {
	var req vaultRequest
	body, _ := readBody(r)
	if err := json.Unmarshal(body, &req); err != nil {
		controlError(w, http.StatusBadRequest, `body must be {"name", "cloud"?, "grantDefaultApp"?}`)
		return
	}
	v, err := e.createVault(t, req)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errVaultExists) {
			status = http.StatusConflict
		}
		controlError(w, status, err.Error())
		return
	}
	t.mu.Lock()
	view := e.vaultView(t, v)
	t.mu.Unlock()
	writeJSON(w, http.StatusCreated, view)
}

type managerView struct {
	UserID    string  `json:"userId"`
	ManagerID *string `json:"managerId"`
}

func (e *Emulator) handleGetManager(w http.ResponseWriter, t *tenant, key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.s.findUser(key)
	if u == nil {
		controlError(w, http.StatusNotFound, "no user "+key)
		return
	}
	out := managerView{UserID: u.id}
	if m := t.s.managerOf(u); m != nil {
		out.ManagerID = &m.id
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) handleSetManager(w http.ResponseWriter, r *http.Request, t *tenant, key string) {
	var req struct {
		Manager string `json:"manager"`
	}
	body, _ := readBody(r)
	if err := json.Unmarshal(body, &req); err != nil || req.Manager == "" {
		controlError(w, http.StatusBadRequest, `body must be {"manager": "<id or userPrincipalName>"}`)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	u, m := t.s.findUser(key), t.s.findUser(req.Manager)
	switch {
	case u == nil:
		controlError(w, http.StatusNotFound, "no user "+key)
	case m == nil:
		controlError(w, http.StatusNotFound, "no user "+req.Manager)
	case m.id == u.id:
		controlError(w, http.StatusBadRequest, "a user cannot be their own manager")
	default:
		t.s.delivery.managers[u.id] = m.id
		writeJSON(w, http.StatusOK, managerView{UserID: u.id, ManagerID: &m.id})
	}
}

type userMailboxView struct {
	UserID  string  `json:"userId"`
	Address *string `json:"address"`
	Enabled bool    `json:"enabled"` // the mailbox is usable: an address, not disabled, a member (or guestMailboxes)
}

// handleMailbox reads (r == nil) or changes a user's mailbox: {"address"?: "x@y" ("" removes the mail
// address), "enabled"?: bool}. The address is the user's mail property, visible through Graph too.
func (e *Emulator) handleMailbox(w http.ResponseWriter, r *http.Request, t *tenant, key string) {
	var req struct {
		Address *string `json:"address"`
		Enabled *bool   `json:"enabled"`
	}
	if r != nil {
		body, _ := readBody(r)
		if err := json.Unmarshal(body, &req); err != nil {
			controlError(w, http.StatusBadRequest, `body must be {"address"?, "enabled"?}`)
			return
		}
		if req.Address != nil && *req.Address != "" && !plausibleAddress(*req.Address) {
			controlError(w, http.StatusBadRequest, "address must look like local@domain")
			return
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.s.findUser(key)
	if u == nil {
		controlError(w, http.StatusNotFound, "no user "+key)
		return
	}
	if req.Address != nil {
		u.mail = *req.Address
	}
	if req.Enabled != nil {
		if *req.Enabled {
			delete(t.s.delivery.mailboxOff, u.id)
		} else {
			t.s.delivery.mailboxOff[u.id] = true
		}
	}
	out := userMailboxView{UserID: u.id, Enabled: t.s.mailboxAddress(u) != ""}
	if u.mail != "" {
		out.Address = &u.mail
	}
	writeJSON(w, http.StatusOK, out)
}
