package control

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// KeyVaultAPIVersion is the api-version KeyVault.Do adds when the path has no query.
const KeyVaultAPIVersion = "7.5"

// KeyVault calls one emulated vault the way azsecrets does: the first request goes without a token and
// without its body; the 401 challenge names the tenant (authorization="https://host/{tenant}") and the
// resource; the client gets a token for "<resource>/.default" from that tenant's token endpoint with the
// client secret, then sends the request again. Safe for concurrent use.
type KeyVault struct {
	vaultURI string
	http     *http.Client
	creds    TenantCredentials

	mu        sync.Mutex
	token     string
	expires   time.Time
	challenge string
}

// KeyVault returns a vault client for vaultURI (VaultInfo.VaultURI) signing in with creds.
func (c *Client) KeyVault(creds TenantCredentials, vaultURI string) *KeyVault {
	return NewKeyVault(vaultURI, c.http, creds)
}

// NewKeyVault returns a vault client without a control client.
func NewKeyVault(vaultURI string, httpClient *http.Client, creds TenantCredentials) *KeyVault {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &KeyVault{vaultURI: strings.TrimRight(vaultURI, "/"), http: httpClient, creds: creds}
}

// Challenge is the last WWW-Authenticate header the vault sent.
func (k *KeyVault) Challenge() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.challenge
}

// KeyVaultError is a non-2xx Key Vault answer.
type KeyVaultError struct {
	Method, Path string
	Status       int
	Code         string
	InnerCode    string
	Message      string
}

func (e *KeyVaultError) Error() string {
	return fmt.Sprintf("key vault %s %s: HTTP %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// Do sends one request. path is relative to the vault URI ("/secrets/name"); api-version=7.5 is added
// when the path has no query. A non-2xx answer is not an error here.
func (k *KeyVault) Do(ctx context.Context, method, path string, body any) (*Response, error) {
	if !strings.Contains(path, "?") {
		path += "?api-version=" + KeyVaultAPIVersion
	}
	var data []byte
	if body != nil {
		switch b := body.(type) {
		case []byte:
			data = b
		case string:
			data = []byte(b)
		default:
			var err error
			if data, err = json.Marshal(b); err != nil {
				return nil, err
			}
		}
	}
	k.mu.Lock()
	tok := k.token
	if time.Until(k.expires) < 5*time.Minute {
		tok = ""
	}
	k.mu.Unlock()
	if tok == "" {
		// Elicit the challenge with a bodiless, unauthenticated request, as azsecrets' challenge policy does.
		resp, err := k.send(ctx, method, path, nil, "")
		if err != nil {
			return nil, err
		}
		if resp.Status != http.StatusUnauthorized {
			return resp, nil
		}
		if tok, err = k.authenticate(ctx, resp.Header.Get("WWW-Authenticate")); err != nil {
			return nil, err
		}
	}
	return k.send(ctx, method, path, data, tok)
}

func (k *KeyVault) send(ctx context.Context, method, path string, data []byte, token string) (*Response, error) {
	var r io.Reader
	if data != nil {
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.vaultURI+path, r)
	if err != nil {
		return nil, err
	}
	if data != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := k.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: out}, nil
}

// ParseKeyVaultChallenge splits `Bearer authorization="...", resource="..."` (or scope="...") into the
// authorization URL and the token scope, the way azsecrets' challenge policy does.
func ParseKeyVaultChallenge(header string) (authorization, scope string, err error) {
	vals := map[string]string{}
	for _, part := range strings.Split(strings.ReplaceAll(header, "Bearer ", ""), " ") {
		kv := strings.Split(part, "=")
		if len(kv) == 2 {
			vals[kv[0]] = strings.TrimSuffix(strings.ReplaceAll(kv[1], `"`, ""), ",")
		}
	}
	scope = vals["scope"]
	if scope == "" {
		scope = vals["resource"]
	}
	if scope == "" || vals["authorization"] == "" {
		return "", "", fmt.Errorf("no authorization and resource in challenge %q", header)
	}
	if !strings.HasSuffix(scope, "/.default") {
		scope += "/.default"
	}
	return vals["authorization"], scope, nil
}

func (k *KeyVault) authenticate(ctx context.Context, challenge string) (string, error) {
	k.mu.Lock()
	k.challenge = challenge
	k.mu.Unlock()
	authorization, scope, err := ParseKeyVaultChallenge(challenge)
	if err != nil {
		return "", err
	}
	tok, expires, err := clientCredentialsToken(ctx, k.http, authorization, k.creds, scope)
	if err != nil {
		return "", err
	}
	k.mu.Lock()
	k.token, k.expires = tok, expires
	k.mu.Unlock()
	return tok, nil
}

// call is Do plus error mapping and decoding into out.
func (k *KeyVault) call(ctx context.Context, method, path string, body, out any) error {
	resp, err := k.Do(ctx, method, path, body)
	if err != nil {
		return err
	}
	if resp.Status/100 != 2 {
		ke := &KeyVaultError{Method: method, Path: path, Status: resp.Status}
		var env struct {
			Error struct {
				Code       string `json:"code"`
				Message    string `json:"message"`
				InnerError struct {
					Code string `json:"code"`
				} `json:"innererror"`
			} `json:"error"`
		}
		if json.Unmarshal(resp.Body, &env) == nil {
			ke.Code, ke.Message, ke.InnerCode = env.Error.Code, env.Error.Message, env.Error.InnerError.Code
		}
		return ke
	}
	if out == nil || len(resp.Body) == 0 {
		return nil
	}
	return json.Unmarshal(resp.Body, out)
}

// SecretBundle is Key Vault's answer for one secret version.
type SecretBundle struct {
	ID          string            `json:"id"`
	Value       *string           `json:"value"`
	ContentType *string           `json:"contentType"`
	Tags        map[string]string `json:"tags"`
	Attributes  SecretAttributes  `json:"attributes"`
}

// SetSecret is PUT /secrets/{name}: a new version.
func (k *KeyVault) SetSecret(ctx context.Context, name, value string, contentType *string, tags map[string]string) (SecretBundle, error) {
	var out SecretBundle
	body := map[string]any{"value": value}
	if contentType != nil {
		body["contentType"] = *contentType
	}
	if tags != nil {
		body["tags"] = tags
	}
	err := k.call(ctx, http.MethodPut, "/secrets/"+url.PathEscape(name), body, &out)
	return out, err
}

// GetSecret is GET /secrets/{name}/{version}; version "" is the latest (azsecrets sends a trailing slash).
func (k *KeyVault) GetSecret(ctx context.Context, name, version string) (SecretBundle, error) {
	var out SecretBundle
	err := k.call(ctx, http.MethodGet, "/secrets/"+url.PathEscape(name)+"/"+url.PathEscape(version), nil, &out)
	return out, err
}

// DeleteSecret is DELETE /secrets/{name} (soft delete).
func (k *KeyVault) DeleteSecret(ctx context.Context, name string) (map[string]any, error) {
	var out map[string]any
	err := k.call(ctx, http.MethodDelete, "/secrets/"+url.PathEscape(name), nil, &out)
	return out, err
}

// PurgeDeletedSecret is DELETE /deletedsecrets/{name}.
func (k *KeyVault) PurgeDeletedSecret(ctx context.Context, name string) error {
	return k.call(ctx, http.MethodDelete, "/deletedsecrets/"+url.PathEscape(name), nil, nil)
}
