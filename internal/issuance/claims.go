package issuance

import (
	"strings"
	"sync"
)

// Claims records, per user, which pass instance of this provider process issues their pass. Two instances
// for one user would revoke each other's pass at every apply (a user holds one), so the second is refused.
//
// Terraform does not tell a provider which resource address it is planning, so a claim carries a label: how
// the configuration names the user, and the pass it already holds, if any. Claiming again with the same label
// is allowed, because Terraform plans a replaced resource twice (once to find out it must be replaced, once
// as a create) and plans it again while applying.
type Claims struct {
	mu     sync.Mutex
	byUser map[string]string
}

// Claim records that label issues the pass of the user with this object id. When another label holds the
// user, it returns that label and false.
func (c *Claims) Claim(userObjectID, label string) (holder string, ok bool) {
	key := strings.ToLower(userObjectID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byUser == nil {
		c.byUser = map[string]string{}
	}
	if holder, taken := c.byUser[key]; taken && holder != label {
		return holder, false
	}
	c.byUser[key] = label
	return label, true
}
