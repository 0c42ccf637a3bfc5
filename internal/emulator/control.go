package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The control API (CONTRACT.md): no auth, loopback callers only, plain JSON errors {"error": "..."}.

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(marshalJSON(v)) // the client may be gone; nothing to do about it
}

func controlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func isLoopbackRemote(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// controlPattern matches control paths; "*" is a path parameter.
func controlPattern(segs []string, pattern ...string) bool {
	if len(segs) != len(pattern) {
		return false
	}
	for i, p := range pattern {
		if p != "*" && segs[i] != p {
			return false
		}
	}
	return true
}

func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !isLoopbackRemote(r.RemoteAddr) {
		controlError(w, http.StatusForbidden, "the control API answers loopback callers only")
		return
	}
	segs, err := splitSegments(strings.TrimPrefix(r.URL.EscapedPath(), "/_emulator"))
	if err != nil {
		controlError(w, http.StatusBadRequest, "invalid path")
		return
	}
	// The identity helpers are token requests of a tenant: they get its faults, latency and log.
	if len(segs) == 4 && segs[0] == "tenants" && segs[3] == "token" && (segs[2] == "msi" || segs[2] == "cli") {
		t := e.tenant(segs[1])
		if t == nil {
			controlError(w, http.StatusNotFound, "no tenant "+segs[1])
			return
		}
		if r.Method != http.MethodGet {
			controlError(w, http.StatusMethodNotAllowed, "use GET")
			return
		}
		if segs[2] == "msi" {
			e.handleMSIToken(w, r, t)
		} else {
			e.handleCLIToken(w, r, t)
		}
		return
	}
	rec := &statusRecorder{ResponseWriter: w}
	e.routeControl(rec, r, segs)
	e.logf("control %s %s -> %d %.1fms", r.Method, r.URL.Path, rec.status, float64(time.Since(start).Microseconds())/1000)
}

type controlHandler func(w http.ResponseWriter, r *http.Request)

func (e *Emulator) routeControl(w http.ResponseWriter, r *http.Request, segs []string) {
	methods := map[string]controlHandler{}
	switch {
	case controlPattern(segs, "health"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
		}
	case controlPattern(segs, "info"):
		methods["GET"] = e.handleInfo
	case controlPattern(segs, "issued-secrets"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"secrets": e.secrets.list("")})
		}
	case controlPattern(segs, "federation", "token"):
		methods["POST"] = e.handleFederationToken
	case controlPattern(segs, "federation", "github"):
		methods["GET"] = e.handleGitHubToken
	case controlPattern(segs, "federation", "ado"):
		methods["POST"] = e.handleADOToken
	case controlPattern(segs, "federation", ".well-known", "openid-configuration"):
		methods["GET"] = e.handleFederationDiscovery
	case controlPattern(segs, "federation", "keys"):
		methods["GET"] = e.handleFederationKeys
	case controlPattern(segs, "tenants"):
		methods["GET"] = e.handleListTenants
		methods["POST"] = e.handleCreateTenant
	case len(segs) >= 2 && segs[0] == "tenants":
		t := e.tenant(segs[1])
		if t == nil {
			controlError(w, http.StatusNotFound, "no tenant "+segs[1])
			return
		}
		e.tenantControl(methods, t, segs[2:])
	}
	if len(methods) == 0 {
		controlError(w, http.StatusNotFound, "unknown control endpoint "+r.URL.Path)
		return
	}
	h := methods[r.Method]
	if h == nil {
		allowed := make([]string, 0, len(methods))
		for m := range methods {
			allowed = append(allowed, m)
		}
		sort.Strings(allowed)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		controlError(w, http.StatusMethodNotAllowed, "use "+strings.Join(allowed, " or "))
		return
	}
	h(w, r)
}

// tenantControl registers the handlers of /_emulator/tenants/{tid}/...
func (e *Emulator) tenantControl(methods map[string]controlHandler, t *tenant, rest []string) {
	switch {
	case len(rest) == 0:
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, e.credentials(t)) }
		methods["DELETE"] = func(w http.ResponseWriter, _ *http.Request) {
			e.deleteTenant(t.id)
			w.WriteHeader(http.StatusNoContent)
		}
	case controlPattern(rest, "reset"):
		methods["POST"] = func(w http.ResponseWriter, _ *http.Request) {
			e.resetTenant(t)
			writeJSON(w, http.StatusOK, e.credentials(t))
		}
	case controlPattern(rest, "apps"):
		methods["POST"] = func(w http.ResponseWriter, r *http.Request) { e.handleCreateApp(w, r, t) }
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) { e.handleListApps(w, t) }
	case controlPattern(rest, "requests"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			entries, _ := t.s.log.snapshot()
			t.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"requests": entries})
		}
		methods["DELETE"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			t.s.log = requestLog{}
			t.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}
	case controlPattern(rest, "counters"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			_, c := t.s.log.snapshot()
			t.mu.Unlock()
			writeJSON(w, http.StatusOK, c)
		}
	case controlPattern(rest, "faults"):
		methods["POST"] = func(w http.ResponseWriter, r *http.Request) { e.handleAddFault(w, r, t) }
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			list := make([]fault, 0, len(t.s.faults))
			for _, f := range t.s.faults {
				list = append(list, *f)
			}
			t.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"faults": list})
		}
		methods["DELETE"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			t.s.faults = nil
			t.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}
	case controlPattern(rest, "faults", "*"):
		methods["DELETE"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			defer t.mu.Unlock()
			for i, f := range t.s.faults {
				if f.ID == rest[1] {
					t.s.faults = append(t.s.faults[:i], t.s.faults[i+1:]...)
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
			controlError(w, http.StatusNotFound, "no fault "+rest[1])
		}
	case controlPattern(rest, "clock"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			t.mu.Lock()
			v := t.s.clockView()
			t.mu.Unlock()
			writeJSON(w, http.StatusOK, v)
		}
		methods["POST"] = func(w http.ResponseWriter, r *http.Request) {
			body, _ := readBody(r)
			t.mu.Lock()
			err := t.s.setClock(body)
			v := t.s.clockView()
			t.mu.Unlock()
			if err != nil {
				controlError(w, http.StatusBadRequest, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, v)
		}
	case controlPattern(rest, "settings"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, t.settingsSnapshot()) }
		methods["PATCH"] = func(w http.ResponseWriter, r *http.Request) { e.handlePatchSettings(w, r, t) }
	case controlPattern(rest, "users", "*", "methods"):
		methods["POST"] = func(w http.ResponseWriter, r *http.Request) { e.handleSeedMethod(w, r, t, rest[1]) }
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) { e.handleListSeededMethods(w, t, rest[1]) }
	case controlPattern(rest, "signin"):
		methods["POST"] = func(w http.ResponseWriter, r *http.Request) {
			body, _ := readBody(r)
			t.mu.Lock()
			res, err := t.s.signIn(body)
			t.mu.Unlock()
			if err != nil {
				controlError(w, http.StatusBadRequest, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, res)
		}
	case controlPattern(rest, "issued-secrets"):
		methods["GET"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"secrets": e.secrets.list(t.id)})
		}
	default:
		e.deliveryControl(methods, t, rest) // delivery_control.go
	}
}

func (e *Emulator) handleInfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"url": e.url, "caFile": e.caFile, "caBundleFile": e.bundleFile, "defaultTenant": e.DefaultTenant(),
		"federationIssuer": e.federationIssuer(), "githubRequestToken": e.githubRequestToken, "msiHeader": e.msiHeader,
		"githubTokenUrl":           e.url + "/_emulator/federation/github",
		"adoTokenUrl":              e.url + "/_emulator/federation/ado",
		"defaultFederatedSubjects": defaultFederatedSubjects,
		"federatedAudience":        federatedAudience,
	})
}

// handleListTenants lists tenants without their secrets (the default app's secret is in /info).
func (e *Emulator) handleListTenants(w http.ResponseWriter, _ *http.Request) {
	out := []map[string]any{}
	for _, t := range e.listTenants() {
		out = append(out, map[string]any{"tenantId": t.id, "clientId": e.defaultClientID, "domain": t.domain,
			"default": t.id == e.defaultTenantID})
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": out})
}

func (e *Emulator) handleCreateTenant(w http.ResponseWriter, r *http.Request) {
	var req struct {
		TenantID string `json:"tenantId"`
		Domain   string `json:"domain"`
	}
	body, _ := readBody(r)
	if len(body) > 0 && json.Unmarshal(body, &req) != nil {
		controlError(w, http.StatusBadRequest, `body must be {"tenantId"?, "domain"?}`)
		return
	}
	t, err := e.createTenant(req.TenantID, req.Domain)
	if err != nil {
		status := http.StatusConflict
		if strings.Contains(err.Error(), "must match") {
			status = http.StatusBadRequest
		}
		controlError(w, status, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, e.credentials(t))
}

func (e *Emulator) handleCreateApp(w http.ResponseWriter, r *http.Request, t *tenant) {
	var req appRequest
	body, _ := readBody(r)
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			controlError(w, http.StatusBadRequest, "invalid app: "+err.Error())
			return
		}
	}
	a, err := newApp(req)
	if err != nil {
		controlError(w, http.StatusBadRequest, err.Error())
		return
	}
	t.mu.Lock()
	if t.s.appByClientID(a.clientID) != nil {
		t.mu.Unlock()
		controlError(w, http.StatusConflict, "an app with client id "+a.clientID+" already exists in this tenant")
		return
	}
	t.s.apps[strings.ToLower(a.clientID)] = a
	t.mu.Unlock()
	e.secrets.add(t.id, secretClientSecret, a.secret)
	writeJSON(w, http.StatusCreated, map[string]any{"clientId": a.clientID, "clientSecret": a.secret})
}

func (e *Emulator) handleListApps(w http.ResponseWriter, t *tenant) {
	type appView struct {
		ClientID               string   `json:"clientId"`
		ObjectID               string   `json:"objectId"`
		Roles                  []string `json:"roles"`
		FederatedSubjects      []string `json:"federatedSubjects"`
		CertificateThumbprints []string `json:"certificateThumbprints"`
	}
	t.mu.Lock()
	out := []appView{}
	for _, a := range t.s.apps {
		out = append(out, appView{ClientID: a.clientID, ObjectID: a.objectID, Roles: a.roles,
			FederatedSubjects: a.federatedSubjects, CertificateThumbprints: a.thumbprints()})
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ClientID < out[j].ClientID })
	writeJSON(w, http.StatusOK, map[string]any{"apps": out})
}

func (e *Emulator) handleAddFault(w http.ResponseWriter, r *http.Request, t *tenant) {
	body, _ := readBody(r)
	f, err := parseFault(body)
	if err != nil {
		controlError(w, http.StatusBadRequest, err.Error())
		return
	}
	t.mu.Lock()
	t.s.faultSeq++
	f.ID = fmt.Sprintf("fault-%d", t.s.faultSeq)
	t.s.faults = append(t.s.faults, f)
	t.mu.Unlock()
	writeJSON(w, http.StatusCreated, f)
}

func (e *Emulator) handlePatchSettings(w http.ResponseWriter, r *http.Request, t *tenant) {
	body, _ := readBody(r)
	var keys map[string]json.RawMessage
	if json.Unmarshal(body, &keys) != nil {
		controlError(w, http.StatusBadRequest, "settings must be a JSON object")
		return
	}
	t.mu.Lock()
	next, err := patchSettings(t.s.settings, body)
	if err == nil {
		t.s.settings = next
		if _, reseed := keys["faultSeed"]; reseed {
			t.s.rng = newFaultRNG(next.FaultSeed)
		}
	}
	t.mu.Unlock()
	if err != nil {
		controlError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, next)
}

func (e *Emulator) handleSeedMethod(w http.ResponseWriter, r *http.Request, t *tenant, userKey string) {
	body, _ := readBody(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.s.findUser(userKey)
	if u == nil {
		controlError(w, http.StatusNotFound, "no user "+userKey)
		return
	}
	m, isDefault, err := seedMethod(u, body, t.s.now())
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errMethodConflict) {
			status = http.StatusConflict
		}
		controlError(w, status, err.Error())
		return
	}
	out := m.json()
	out["isDefault"] = isDefault
	writeJSON(w, http.StatusCreated, out)
}

// handleListSeededMethods shows a user's methods with the control-only isDefault flag.
func (e *Emulator) handleListSeededMethods(w http.ResponseWriter, t *tenant, userKey string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.s.findUser(userKey)
	if u == nil {
		controlError(w, http.StatusNotFound, "no user "+userKey)
		return
	}
	out := []map[string]any{}
	for _, m := range u.methods {
		item := m.json()
		item["isDefault"] = m.id == u.defaultMethodID
		out = append(out, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"methods": out})
}
