package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// SecretName is what Key Vault accepts as a secret name.
var SecretName = regexp.MustCompile(`^[0-9a-zA-Z-]{1,127}$`)

// vaultSuffixes are the Key Vault DNS suffixes of the clouds (public, US Government, China). A vault URI on
// another host (a private endpoint's custom name, the local emulator) cannot pass azsecrets' check that the
// authentication challenge names a Key Vault host, so that check is off for them; the token's audience still
// comes from the challenge, and TLS still verifies the host.
var vaultSuffixes = []string{".vault.azure.net", ".vault.usgovcloudapi.net", ".vault.azure.cn"}

// CheckVaultURI returns what is wrong with a vault URI, or "".
func CheckVaultURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.RawQuery != "" || u.Fragment != "") {
		return fmt.Sprintf("%q is not a vault URI: write it as https://<vault name>.vault.azure.net/ (the vault's \"Vault URI\" in the Azure portal)", raw)
	}
	return ""
}

func standardVaultHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(strings.Split(host, ":")[0], "."))
	for _, s := range vaultSuffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// KeyVault writes the pass as a secret version: not usable before the pass starts, expiring with it, tagged
// with the user and the sign-in link.
type KeyVault struct {
	Client      *azsecrets.Client
	VaultURI    string
	SecretName  string
	ContentType string
}

// NewKeyVault builds the delivery with the provider's credential.
func NewKeyVault(vaultURI, secretName, contentType string, cred azcore.TokenCredential, transport policy.Transporter) (*KeyVault, error) {
	u, err := url.Parse(vaultURI)
	if err != nil {
		return nil, err
	}
	opts := &azsecrets.ClientOptions{DisableChallengeResourceVerification: !standardVaultHost(u.Host)}
	if transport != nil {
		opts.Transport = transport
	}
	client, err := azsecrets.NewClient(vaultURI, cred, opts)
	if err != nil {
		return nil, err
	}
	if contentType == "" {
		contentType = "Temporary Access Pass"
	}
	return &KeyVault{Client: client, VaultURI: vaultURI, SecretName: secretName, ContentType: contentType}, nil
}

// Channel names the delivery in messages.
func (k *KeyVault) Channel() string {
	return "Key Vault secret " + k.SecretName + " in " + k.VaultURI
}

// Deliver writes the secret.
func (k *KeyVault) Deliver(ctx context.Context, p issuance.Pass) (issuance.Receipt, error) {
	start, expiry := p.StartDateTime.UTC(), p.ExpirationDateTime().UTC()
	tags := map[string]*string{
		"user_principal_name": ptr(p.User.UserPrincipalName),
		"user_object_id":      ptr(p.User.ID),
		"sign_in_url":         ptr(tap.SignInURL),
		"pass_id":             ptr(p.ID),
		"one_time":            ptr(fmt.Sprint(p.IsUsableOnce)),
	}
	resp, err := k.Client.SetSecret(ctx, k.SecretName, azsecrets.SetSecretParameters{
		Value: ptr(p.Value), ContentType: ptr(k.ContentType), Tags: tags,
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: ptr(true), NotBefore: &start, Expires: &expiry},
	}, nil)
	if err != nil {
		return issuance.Receipt{}, explainKeyVault(err)
	}
	id, version := "", ""
	if resp.ID != nil {
		id, version = string(*resp.ID), resp.ID.Version()
	}
	return issuance.Receipt{Channel: "key_vault", Destination: id, Reference: version, At: time.Now().UTC()}, nil
}

// explainKeyVault keeps Key Vault's answer and says what to check.
func explainKeyVault(err error) error {
	var re *azcore.ResponseError
	if !asResponseError(err, &re) {
		return fmt.Errorf("%w (check the vault URI, and that this machine trusts the vault's certificate: SSL_CERT_FILE)", err)
	}
	switch re.StatusCode {
	case http.StatusForbidden:
		return fmt.Errorf("Key Vault answered %d %s: the identity the provider signs in as may not write secrets there. Grant it the "+
			"\"Key Vault Secrets Officer\" role on the vault (Azure RBAC), or a secret set permission (access policy)", re.StatusCode, re.ErrorCode)
	case http.StatusUnauthorized:
		return fmt.Errorf("Key Vault answered %d %s: the token was refused; check that the vault belongs to tenant the provider signs in to", re.StatusCode, re.ErrorCode)
	}
	return fmt.Errorf("Key Vault answered %d %s", re.StatusCode, re.ErrorCode)
}

func ptr[T any](v T) *T { return &v }

func asResponseError(err error, target **azcore.ResponseError) bool {
	return errors.As(err, target)
}
