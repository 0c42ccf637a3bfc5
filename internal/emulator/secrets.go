package emulator

import (
	"sync"
	"time"
)

// Kinds of secret the emulator hands out.
const (
	secretTAP          = "temporaryAccessPass"
	secretAccessToken  = "accessToken"
	secretClientSecret = "clientSecret"
	secretFederated    = "federatedToken"
	secretRequestToken = "requestToken" // GitHub/ADO request token, MSI identity header
)

type issuedSecret struct {
	Kind     string    `json:"kind"`
	TenantID string    `json:"tenantId,omitempty"`
	Value    string    `json:"value"`
	IssuedAt time.Time `json:"issuedAt"`
}

// secretStore remembers every secret the emulator issued, so leak scanners know what to grep for.
// It survives tenant resets and deletions on purpose: a leak from before a reset is still a leak.
type secretStore struct {
	mu    sync.Mutex
	items []issuedSecret
}

func (s *secretStore) add(tenantID, kind, value string) {
	s.mu.Lock()
	s.items = append(s.items, issuedSecret{Kind: kind, TenantID: tenantID, Value: value, IssuedAt: time.Now().UTC()})
	s.mu.Unlock()
}

// list returns every secret when tenantID is empty; otherwise the tenant's own secrets plus the
// emulator-wide ones (the default app's client secret, request tokens, federated tokens), which can leak
// through any tenant.
func (s *secretStore) list(tenantID string) []issuedSecret {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []issuedSecret{}
	for _, it := range s.items {
		if tenantID == "" || it.TenantID == tenantID || it.TenantID == "" {
			out = append(out, it)
		}
	}
	return out
}
