package graph

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Authentication method types, as the provider names them: the Graph type without the
// "AuthenticationMethod" suffix (graph-spec §5).
const (
	MethodEmail                   = "email"
	MethodExternal                = "external"
	MethodFido2                   = "fido2"
	MethodMicrosoftAuthenticator  = "microsoftAuthenticator"
	MethodPassword                = "password"
	MethodPhone                   = "phone"
	MethodPlatformCredential      = "platformCredential"
	MethodSoftwareOath            = "softwareOath"
	MethodTemporaryAccessPass     = "temporaryAccessPass"
	MethodWindowsHelloForBusiness = "windowsHelloForBusiness"
)

// AuthenticationMethod is one registered method of a user, with the details useful to decide
// whether it belongs to a lost device.
type AuthenticationMethod struct {
	ID              string
	Type            string
	DisplayName     string
	Device          string
	PhoneNumber     string
	PhoneType       string
	EmailAddress    string
	CreatedDateTime *time.Time
}

// ListMethods returns every registered method of the user.
func (c *Client) ListMethods(ctx context.Context, userID string) ([]AuthenticationMethod, error) {
	op := operation{"listing the authentication methods of user " + userID, methodReadPermission(ctx)}
	info, err := c.user(userID).Authentication().Methods().ToGetRequestInformation(ctx, nil)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Value []methodJSON `json:"value"`
	}
	if err := c.getJSON(ctx, info, op, &resp); err != nil {
		return nil, err
	}
	methods := make([]AuthenticationMethod, 0, len(resp.Value))
	for _, m := range resp.Value {
		methods = append(methods, m.method())
	}
	return methods, nil
}

// methodJSON is an authenticationMethod of any type, with the properties of each type the provider shows
// (graph-spec §5).
type methodJSON struct {
	ODataType       string     `json:"@odata.type"`
	ID              string     `json:"id"`
	CreatedDateTime *graphTime `json:"createdDateTime"`
	DisplayName     string     `json:"displayName"`
	Model           string     `json:"model"`
	DeviceTag       string     `json:"deviceTag"`
	PhoneNumber     string     `json:"phoneNumber"`
	PhoneType       string     `json:"phoneType"`
	EmailAddress    string     `json:"emailAddress"`
	Platform        string     `json:"platform"`
}

func (m methodJSON) method() AuthenticationMethod {
	am := AuthenticationMethod{ID: m.ID}
	if m.CreatedDateTime != nil && !m.CreatedDateTime.IsZero() {
		t := m.CreatedDateTime.Time
		am.CreatedDateTime = &t
	}
	kind := strings.TrimSuffix(strings.TrimPrefix(m.ODataType, "#microsoft.graph."), "AuthenticationMethod")
	switch kind {
	case MethodFido2:
		am.Type, am.DisplayName, am.Device = MethodFido2, m.DisplayName, m.Model
	case MethodMicrosoftAuthenticator:
		am.Type, am.DisplayName, am.Device = MethodMicrosoftAuthenticator, m.DisplayName, m.DeviceTag
	case MethodPhone:
		am.Type, am.PhoneNumber, am.PhoneType = MethodPhone, m.PhoneNumber, m.PhoneType
	case MethodEmail:
		am.Type, am.EmailAddress = MethodEmail, m.EmailAddress
	case MethodWindowsHelloForBusiness, MethodPlatformCredential, MethodExternal:
		am.Type, am.DisplayName = kind, m.DisplayName
		if kind == MethodPlatformCredential {
			am.Device = m.Platform
		}
	default:
		am.Type = kind
	}
	return am
}

// DeleteMethod removes a method through its typed collection (v1.0 has no generic DELETE, graph-spec §5.2).
// Passwords cannot be deleted.
func (c *Client) DeleteMethod(ctx context.Context, userID string, m AuthenticationMethod) error {
	op := operation{fmt.Sprintf("removing %s method %s of user %s", m.Type, m.ID, userID), permMethodWrite}
	if m.Type == MethodTemporaryAccessPass {
		op.permission = permTAPWrite
	}
	auth := c.user(userID).Authentication()
	var err error
	switch m.Type {
	case MethodFido2:
		err = auth.Fido2Methods().ByFido2AuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodMicrosoftAuthenticator:
		err = auth.MicrosoftAuthenticatorMethods().ByMicrosoftAuthenticatorAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodPhone:
		err = auth.PhoneMethods().ByPhoneAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodEmail:
		err = auth.EmailMethods().ByEmailAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodSoftwareOath:
		err = auth.SoftwareOathMethods().BySoftwareOathAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodWindowsHelloForBusiness:
		err = auth.WindowsHelloForBusinessMethods().ByWindowsHelloForBusinessAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodPlatformCredential:
		err = auth.PlatformCredentialMethods().ByPlatformCredentialAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodExternal:
		err = auth.ExternalAuthenticationMethods().ByExternalAuthenticationMethodId(m.ID).Delete(ctx, nil)
	case MethodTemporaryAccessPass:
		err = auth.TemporaryAccessPassMethods().ByTemporaryAccessPassAuthenticationMethodId(m.ID).Delete(ctx, nil)
	default:
		return fmt.Errorf("%s: %s methods cannot be removed through Microsoft Graph", op.what, m.Type)
	}
	return wrap(ctx, op, err)
}
