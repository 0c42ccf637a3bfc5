package graph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
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
	resp, err := c.sdk.Users().ByUserId(userID).Authentication().Methods().Get(ctx, nil)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	methods := make([]AuthenticationMethod, 0, len(resp.GetValue()))
	for _, m := range resp.GetValue() {
		methods = append(methods, methodFromModel(m))
	}
	return methods, nil
}

func methodFromModel(m models.AuthenticationMethodable) AuthenticationMethod {
	am := AuthenticationMethod{ID: deref(m.GetId()), CreatedDateTime: m.GetCreatedDateTime()}
	// Concrete types, not the interfaces: the interface of one method type can be satisfied by another
	// (every platform credential is also a windowsHelloForBusinessAuthenticationMethodable).
	switch v := m.(type) {
	case *models.Fido2AuthenticationMethod:
		am.Type, am.DisplayName, am.Device = MethodFido2, deref(v.GetDisplayName()), deref(v.GetModel())
	case *models.MicrosoftAuthenticatorAuthenticationMethod:
		am.Type, am.DisplayName, am.Device = MethodMicrosoftAuthenticator, deref(v.GetDisplayName()), deref(v.GetDeviceTag())
	case *models.PhoneAuthenticationMethod:
		am.Type, am.PhoneNumber = MethodPhone, deref(v.GetPhoneNumber())
		if t := v.GetPhoneType(); t != nil {
			am.PhoneType = t.String()
		}
	case *models.EmailAuthenticationMethod:
		am.Type, am.EmailAddress = MethodEmail, deref(v.GetEmailAddress())
	case *models.SoftwareOathAuthenticationMethod:
		am.Type = MethodSoftwareOath
	case *models.WindowsHelloForBusinessAuthenticationMethod:
		am.Type, am.DisplayName = MethodWindowsHelloForBusiness, deref(v.GetDisplayName())
	case *models.PlatformCredentialAuthenticationMethod:
		am.Type, am.DisplayName = MethodPlatformCredential, deref(v.GetDisplayName())
		if p := v.GetPlatform(); p != nil {
			am.Device = p.String()
		}
	case *models.ExternalAuthenticationMethod:
		am.Type, am.DisplayName = MethodExternal, deref(v.GetDisplayName())
	case *models.TemporaryAccessPassAuthenticationMethod:
		am.Type = MethodTemporaryAccessPass
	case *models.PasswordAuthenticationMethod:
		am.Type = MethodPassword
	default:
		am.Type = strings.TrimSuffix(strings.TrimPrefix(deref(m.GetOdataType()), "#microsoft.graph."), "AuthenticationMethod")
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
	auth := c.sdk.Users().ByUserId(userID).Authentication()
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
