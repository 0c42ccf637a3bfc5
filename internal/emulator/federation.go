package emulator

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The subjects the default app trusts from the emulator's federation issuer, so the GitHub, Azure
// Pipelines and Kubernetes helpers work out of the box. A trailing '*' matches any suffix.
var defaultFederatedSubjects = []string{
	"repo:entra-tap/terraform-provider-entra:*",
	"sc://entra-tap/emulator/*",
	"system:serviceaccount:*",
	"emulator:*",
}

const (
	defaultGitHubSubject   = "repo:entra-tap/terraform-provider-entra:ref:refs/heads/main"
	defaultFederationSub   = "emulator:test"
	federatedTokenLifetime = 10 * time.Minute
)

func (e *Emulator) federationIssuer() string { return e.url + "/_emulator/federation" }

// federatedToken issues an OIDC token from the emulator's own issuer (like a CI system would).
func (e *Emulator) federatedToken(subject, audience string) (string, error) {
	now := time.Now()
	tok, err := e.federationKey.sign(map[string]any{
		"iss": e.federationIssuer(), "sub": subject, "aud": audience, "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(federatedTokenLifetime).Unix(), "jti": newGUID(),
	})
	if err != nil {
		return "", err
	}
	e.secrets.add("", secretFederated, tok)
	return tok, nil
}

// bearerMatches compares the request's bearer token with want in constant time.
func bearerMatches(r *http.Request, want string) bool {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(want)) == 1
}

// handleFederationToken answers POST /_emulator/federation/token {"subject","audience"} with {"token"}.
func (e *Emulator) handleFederationToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Subject  string `json:"subject"`
		Audience string `json:"audience"`
	}
	body, _ := readBody(r)
	if len(body) > 0 && json.Unmarshal(body, &req) != nil {
		controlError(w, http.StatusBadRequest, `body must be {"subject","audience"}`)
		return
	}
	tok, err := e.federatedToken(firstNonEmpty(req.Subject, defaultFederationSub), firstNonEmpty(req.Audience, federatedAudience))
	if err != nil {
		controlError(w, http.StatusInternalServerError, "could not sign the token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": tok})
}

// handleGitHubToken answers GET /_emulator/federation/github?audience=... in the shape of GitHub Actions'
// ACTIONS_ID_TOKEN_REQUEST_URL.
func (e *Emulator) handleGitHubToken(w http.ResponseWriter, r *http.Request) {
	if !bearerMatches(r, e.githubRequestToken) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials"})
		return
	}
	q := r.URL.Query()
	tok, err := e.federatedToken(firstNonEmpty(q.Get("subject"), defaultGitHubSubject), firstNonEmpty(q.Get("audience"), federatedAudience))
	if err != nil {
		controlError(w, http.StatusInternalServerError, "could not sign the token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": 1, "value": tok})
}

// handleADOToken answers POST /_emulator/federation/ado?api-version=7.1&serviceConnectionId=... in the shape
// of Azure Pipelines' SYSTEM_OIDCREQUESTURI.
func (e *Emulator) handleADOToken(w http.ResponseWriter, r *http.Request) {
	if !bearerMatches(r, e.githubRequestToken) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Unauthorized"})
		return
	}
	conn := r.URL.Query().Get("serviceConnectionId")
	if conn == "" {
		controlError(w, http.StatusBadRequest, "serviceConnectionId is required")
		return
	}
	tok, err := e.federatedToken("sc://entra-tap/emulator/"+conn, federatedAudience)
	if err != nil {
		controlError(w, http.StatusInternalServerError, "could not sign the token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"oidcToken": tok})
}

func (e *Emulator) handleFederationDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": e.federationIssuer(), "jwks_uri": e.federationIssuer() + "/keys",
		"id_token_signing_alg_values_supported": []string{"ES256"}, "subject_types_supported": []string{"public"},
		"response_types_supported": []string{"id_token"},
	})
}

func (e *Emulator) handleFederationKeys(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{e.federationKey.jwk()}})
}

// ----- managed identity and Azure CLI stand-ins -----

// tokenApp picks the app a helper token is for: client_id if given, else the default app.
func (e *Emulator) tokenApp(t *tenant, clientID string) *app {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.s.appByClientID(firstNonEmpty(clientID, e.defaultClientID))
}

func helperResource(r *http.Request) string {
	q := r.URL.Query()
	res := q.Get("resource")
	if res == "" {
		res = strings.TrimSuffix(q.Get("scope"), "/.default")
	}
	return strings.TrimRight(res, "/")
}

// handleMSIToken serves GET /_emulator/tenants/{tid}/msi/token: the App Service managed identity protocol (IDENTITY_ENDPOINT,
// X-IDENTITY-HEADER, api-version 2019-08-01) as MSAL's managedidentity package speaks it.
func (e *Emulator) handleMSIToken(w http.ResponseWriter, r *http.Request, t *tenant) {
	x := newTokenExchange(r)
	x.route, x.issuesToken = "GET /_emulator/tenants/{tid}/msi/token", true
	e.runTokenSide(w, r, t, x, func() tokenReply {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-IDENTITY-HEADER")), []byte(e.msiHeader)) != 1 {
			return tokenReply{status: http.StatusUnauthorized, body: map[string]any{"statusCode": 401, "message": "X-IDENTITY-HEADER is missing or not valid."}}
		}
		resource := helperResource(r)
		if resource == "" || r.URL.Query().Get("api-version") == "" {
			return tokenReply{status: http.StatusBadRequest, body: map[string]any{"statusCode": 400, "message": "api-version and resource are required."}}
		}
		a := e.tokenApp(t, r.URL.Query().Get("client_id"))
		if a == nil {
			return tokenReply{status: http.StatusBadRequest, body: map[string]any{"statusCode": 400, "message": "No managed identity with this client_id."}}
		}
		tok, exp, err := e.mintAccessToken(t, a, resource, "2")
		if err != nil {
			return tokenReply{status: http.StatusInternalServerError, body: map[string]any{"statusCode": 500, "message": "could not sign the token"}}
		}
		return e.tokenOK(map[string]any{"access_token": tok, "expires_on": strconv.FormatInt(exp.Unix(), 10),
			"resource": resource, "token_type": "Bearer", "client_id": a.clientID})
	})
}

// handleCLIToken serves GET /_emulator/tenants/{tid}/cli/token: what `az account get-access-token -o json` prints. The token is
// the default app's (app-only); the emulator has no delegated sign-in.
func (e *Emulator) handleCLIToken(w http.ResponseWriter, r *http.Request, t *tenant) {
	x := newTokenExchange(r)
	x.route, x.issuesToken = "GET /_emulator/tenants/{tid}/cli/token", true
	e.runTokenSide(w, r, t, x, func() tokenReply {
		resource := helperResource(r)
		if resource == "" {
			return tokenReply{status: http.StatusBadRequest, body: map[string]any{"error": "resource or scope is required"}}
		}
		a := e.tokenApp(t, r.URL.Query().Get("client_id"))
		if a == nil {
			return tokenReply{status: http.StatusBadRequest, body: map[string]any{"error": "unknown client_id"}}
		}
		tok, exp, err := e.mintAccessToken(t, a, resource, "1")
		if err != nil {
			return tokenReply{status: http.StatusInternalServerError, body: map[string]any{"error": "could not sign the token"}}
		}
		return e.tokenOK(map[string]any{"accessToken": tok, "expiresOn": exp.Local().Format("2006-01-02 15:04:05.000000"),
			"expires_on": exp.Unix(), "subscription": t.id, "tenant": t.id, "tokenType": "Bearer"})
	})
}

// ----- app registrations -----

type appRequest struct {
	ClientID          string   `json:"clientId"`
	ClientSecret      string   `json:"clientSecret"`
	CertificatePEM    string   `json:"certificatePem"`
	Roles             []string `json:"roles"`
	FederatedSubjects []string `json:"federatedSubjects"`
}

// newApp builds an app registration; a secret is generated when none is given.
func newApp(req appRequest) (*app, error) {
	a := &app{clientID: firstNonEmpty(req.ClientID, newGUID()), secret: req.ClientSecret, objectID: newGUID(),
		roles: append([]string{}, req.Roles...), federatedSubjects: append([]string{}, req.FederatedSubjects...),
		certificates: map[string]*x509.Certificate{}}
	if a.secret == "" {
		a.secret = newClientSecret()
	}
	data := []byte(req.CertificatePEM)
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue // a bundle with the private key next to the certificate is fine; the key is ignored
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificatePem: %v", err)
		}
		if _, ok := rsaPublicKey(cert); !ok {
			return nil, errors.New("certificatePem: Entra client assertions need an RSA certificate")
		}
		s1, s256 := sha1.Sum(cert.Raw), sha256.Sum256(cert.Raw)
		a.certificates["x5t:"+hex.EncodeToString(s1[:])] = cert
		a.certificates["x5t#S256:"+hex.EncodeToString(s256[:])] = cert
	}
	if req.CertificatePEM != "" && len(a.certificates) == 0 {
		return nil, errors.New("certificatePem holds no CERTIFICATE block")
	}
	return a, nil
}

func rsaPublicKey(cert *x509.Certificate) (*rsa.PublicKey, bool) {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	return pub, ok
}

func (a *app) thumbprints() []string {
	out := []string{}
	for k := range a.certificates {
		if strings.HasPrefix(k, "x5t:") {
			out = append(out, strings.ToUpper(strings.TrimPrefix(k, "x5t:")))
		}
	}
	return out
}
