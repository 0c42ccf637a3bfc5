package graph

import (
	"context"
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// tapPolicyID is the key of the TAP method configuration under the authentication methods policy.
const tapPolicyID = "TemporaryAccessPass"

// GetTAPPolicy reads the policy.
func (c *Client) GetTAPPolicy(ctx context.Context) (*tap.Policy, error) {
	const op = "reading the Temporary Access Pass policy"
	cfg, err := c.policies().AuthenticationMethodsPolicy().AuthenticationMethodConfigurations().
		ByAuthenticationMethodConfigurationId(tapPolicyID).Get(ctx, nil)
	if err != nil {
		return nil, wrap(ctx, operation{op, permPolicyRead}, err)
	}
	tap, ok := cfg.(models.TemporaryAccessPassAuthenticationMethodConfigurationable)
	if !ok {
		return nil, fmt.Errorf("%s: Microsoft Graph answered without the temporaryAccessPassAuthenticationMethodConfiguration @odata.type", op)
	}
	return policyFromModel(tap), nil
}

// UpdateTAPPolicy replaces every setting of the policy with p (PATCH, graph-spec §2.4).
func (c *Client) UpdateTAPPolicy(ctx context.Context, p tap.Policy) error {
	_, err := c.policies().AuthenticationMethodsPolicy().AuthenticationMethodConfigurations().
		ByAuthenticationMethodConfigurationId(tapPolicyID).Patch(ctx, policyToModel(p), nil)
	return wrap(ctx, operation{"updating the Temporary Access Pass policy", permPolicyWrite}, err)
}

// ResetTAPPolicy reverts the policy to Microsoft's defaults (DELETE, graph-spec §2.5).
func (c *Client) ResetTAPPolicy(ctx context.Context) error {
	err := c.policies().AuthenticationMethodsPolicy().AuthenticationMethodConfigurations().
		ByAuthenticationMethodConfigurationId(tapPolicyID).Delete(ctx, nil)
	return wrap(ctx, operation{"resetting the Temporary Access Pass policy", permPolicyWrite}, err)
}

func policyFromModel(m models.TemporaryAccessPassAuthenticationMethodConfigurationable) *tap.Policy {
	p := &tap.Policy{
		Enabled:                  m.GetState() != nil && *m.GetState() == models.ENABLED_AUTHENTICATIONMETHODSTATE,
		DefaultLength:            int(deref(m.GetDefaultLength())),
		DefaultLifetimeInMinutes: int(deref(m.GetDefaultLifetimeInMinutes())),
		MinimumLifetimeInMinutes: int(deref(m.GetMinimumLifetimeInMinutes())),
		MaximumLifetimeInMinutes: int(deref(m.GetMaximumLifetimeInMinutes())),
		IsUsableOnce:             deref(m.GetIsUsableOnce()),
		IncludeTargets:           []tap.IncludeTarget{},
		ExcludeTargets:           []tap.Target{},
	}
	for _, t := range m.GetIncludeTargets() {
		p.IncludeTargets = append(p.IncludeTargets, tap.IncludeTarget{
			ID:                     deref(t.GetId()),
			Type:                   targetTypeString(t.GetTargetType()),
			IsRegistrationRequired: deref(t.GetIsRegistrationRequired()),
		})
	}
	for _, t := range m.GetExcludeTargets() {
		p.ExcludeTargets = append(p.ExcludeTargets, tap.Target{
			ID:   deref(t.GetId()),
			Type: targetTypeString(t.GetTargetType()),
		})
	}
	return p
}

// policyToModel builds a fresh model, so that the SDK's change tracking serializes every field,
// @odata.type included (graph-spec §2.4 on the backing store).
func policyToModel(p tap.Policy) *models.TemporaryAccessPassAuthenticationMethodConfiguration {
	m := models.NewTemporaryAccessPassAuthenticationMethodConfiguration()
	state := models.DISABLED_AUTHENTICATIONMETHODSTATE
	if p.Enabled {
		state = models.ENABLED_AUTHENTICATIONMETHODSTATE
	}
	m.SetState(&state)
	m.SetDefaultLength(int32Ptr(p.DefaultLength))
	m.SetDefaultLifetimeInMinutes(int32Ptr(p.DefaultLifetimeInMinutes))
	m.SetMinimumLifetimeInMinutes(int32Ptr(p.MinimumLifetimeInMinutes))
	m.SetMaximumLifetimeInMinutes(int32Ptr(p.MaximumLifetimeInMinutes))
	m.SetIsUsableOnce(&p.IsUsableOnce)
	include := make([]models.AuthenticationMethodTargetable, 0, len(p.IncludeTargets))
	for _, t := range p.IncludeTargets {
		target := models.NewAuthenticationMethodTarget()
		target.SetId(strPtr(t.ID))
		target.SetTargetType(targetTypeModel(t.Type))
		target.SetIsRegistrationRequired(boolPtr(t.IsRegistrationRequired))
		include = append(include, target)
	}
	m.SetIncludeTargets(include)
	exclude := make([]models.ExcludeTargetable, 0, len(p.ExcludeTargets))
	for _, t := range p.ExcludeTargets {
		target := models.NewExcludeTarget()
		target.SetId(strPtr(t.ID))
		target.SetTargetType(targetTypeModel(t.Type))
		exclude = append(exclude, target)
	}
	m.SetExcludeTargets(exclude)
	return m
}

func targetTypeString(t *models.AuthenticationMethodTargetType) string {
	if t == nil {
		return ""
	}
	return t.String()
}

func targetTypeModel(s string) *models.AuthenticationMethodTargetType {
	t := models.GROUP_AUTHENTICATIONMETHODTARGETTYPE
	if s == tap.TargetUser {
		t = models.USER_AUTHENTICATIONMETHODTARGETTYPE
	}
	return &t
}

func int32Ptr(v int) *int32 {
	i := int32(v)
	return &i
}

func strPtr(s string) *string { return &s }
func boolPtr(b bool) *bool    { return &b }
