package emulator

import (
	"crypto/x509"
	"fmt"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"
)

// tenant is one emulated Entra tenant. Everything mutable lives in state, behind mu, so parallel tests on
// different tenants never contend and a reset is a single pointer swap.
type tenant struct {
	id     string
	domain string

	mu sync.Mutex
	s  *tenantState
}

type tenantState struct {
	clockOffset time.Duration
	settings    Settings
	rng         *mrand.Rand // drives fault probability; seeded from settings.faultSeed

	seq        int64 // creation order of directory objects
	users      map[string]*user
	usersByUPN map[string]*user // lowercase UPN
	groups     map[string]*group
	members    map[string]map[string]bool // group id -> member ids
	memberOf   map[string]map[string]bool // member id -> group ids

	tapPolicy tapPolicy
	configs   map[string]map[string]any // the other method configurations, by lowercase id
	root      rootPolicy

	apps map[string]*app // by lowercase client id

	faults   []*fault
	faultSeq int

	log requestLog

	delivery deliveryState // managers, mailboxes, sent mail, mail access policies, Key Vaults (delivery.go)
}

// app is an app registration with its service principal in this tenant.
type app struct {
	clientID          string
	secret            string
	objectID          string
	roles             []string
	certificates      map[string]*x509.Certificate // by "x5t:<b64>" and "x5t#S256:<b64>"
	federatedSubjects []string
}

func (e *Emulator) createTenant(id, domain string) (*tenant, error) {
	if id == "" {
		id = newGUID()
	}
	id = strings.ToLower(id)
	if !validTenantID(id) {
		return nil, fmt.Errorf("tenant id %q must match ^[0-9a-zA-Z-.]+$", id)
	}
	if domain == "" {
		compact := strings.ReplaceAll(id, "-", "")
		domain = "emu" + compact[:min(8, len(compact))] + ".onmicrosoft.com"
	}
	domain = strings.ToLower(domain)
	t := &tenant{id: id, domain: domain}
	t.s = e.newTenantState()

	e.tenantsMu.Lock()
	defer e.tenantsMu.Unlock()
	if _, dup := e.tenants[id]; dup {
		return nil, fmt.Errorf("tenant %s already exists", id)
	}
	if _, dup := e.domains[domain]; dup {
		return nil, fmt.Errorf("domain %s is already used by another tenant", domain)
	}
	e.tenants[id] = t
	e.domains[domain] = t
	return t, nil
}

// validTenantID is azidentity's rule for tenant ids.
func validTenantID(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-.", c) {
			return false
		}
	}
	return true
}

func (e *Emulator) newTenantState() *tenantState {
	s := &tenantState{
		settings:   defaultSettings(),
		users:      map[string]*user{},
		usersByUPN: map[string]*user{},
		groups:     map[string]*group{},
		members:    map[string]map[string]bool{},
		memberOf:   map[string]map[string]bool{},
		tapPolicy:  defaultTAPPolicy(),
		configs:    defaultMethodConfigurations(),
		apps:       map[string]*app{},
		delivery:   newDeliveryState(),
	}
	s.rng = newFaultRNG(s.settings.FaultSeed)
	s.root = defaultRootPolicy(time.Now().UTC())
	s.apps[strings.ToLower(e.defaultClientID)] = &app{
		clientID:          e.defaultClientID,
		secret:            e.defaultClientSecret,
		objectID:          newGUID(),
		roles:             append([]string(nil), defaultAppRoles...),
		certificates:      map[string]*x509.Certificate{},
		federatedSubjects: append([]string(nil), defaultFederatedSubjects...),
	}
	return s
}

func newFaultRNG(seed int64) *mrand.Rand {
	return mrand.New(mrand.NewPCG(uint64(seed), 0x656d756c61746f72))
}

// tenant finds a tenant by id.
func (e *Emulator) tenant(id string) *tenant {
	e.tenantsMu.RLock()
	defer e.tenantsMu.RUnlock()
	return e.tenants[strings.ToLower(id)]
}

// tenantByKey finds a tenant by id or domain, as the token endpoint's path segment may carry either.
func (e *Emulator) tenantByKey(key string) *tenant {
	key = strings.ToLower(key)
	e.tenantsMu.RLock()
	defer e.tenantsMu.RUnlock()
	if t := e.tenants[key]; t != nil {
		return t
	}
	return e.domains[key]
}

func (e *Emulator) deleteTenant(id string) bool {
	e.tenantsMu.Lock()
	defer e.tenantsMu.Unlock()
	t := e.tenants[strings.ToLower(id)]
	if t == nil {
		return false
	}
	delete(e.tenants, t.id)
	delete(e.domains, t.domain)
	return true
}

func (e *Emulator) listTenants() []*tenant {
	e.tenantsMu.RLock()
	out := make([]*tenant, 0, len(e.tenants))
	for _, t := range e.tenants {
		out = append(out, t)
	}
	e.tenantsMu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// reset puts the tenant back to its fresh state: directory, policy, passes, methods, apps, faults, clock,
// settings and request log.
func (e *Emulator) resetTenant(t *tenant) {
	fresh := e.newTenantState()
	t.mu.Lock()
	t.s = fresh
	t.mu.Unlock()
}

// now is the tenant clock: real time shifted by the offset set through the control API.
func (s *tenantState) now() time.Time { return time.Now().Add(s.clockOffset).UTC() }

// settingsSnapshot reads the settings without holding the lock for longer than the copy.
func (t *tenant) settingsSnapshot() Settings {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.s.settings
}

func (s *tenantState) appByClientID(clientID string) *app { return s.apps[strings.ToLower(clientID)] }
