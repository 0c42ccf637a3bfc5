package emulator

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	accessTokenLifetime = 3599 * time.Second
	jwtBearerType       = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	graphAppID          = "00000003-0000-0000-c000-000000000000"
	federatedAudience   = "api://AzureADTokenExchange"
)

// tokenReply is a token-side answer: a JSON body, or an AADSTS error body.
type tokenReply struct {
	status  int
	body    any
	header  http.Header
	raw     *rawBody // a fault's own page instead of JSON
	omitIDs bool     // no client-request-id / x-ms-request-id headers
}

func (e *Emulator) tokenOK(body any) tokenReply { return tokenReply{status: http.StatusOK, body: body} }

// aadError is Entra's error shape (spec §7.5). Descriptions never contain a secret.
func aadError(status int, code string, aadsts int, desc string, x *exchange) tokenReply {
	now := time.Now().UTC().Format("2006-01-02 15:04:05Z")
	full := fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", aadsts, desc, x.requestID, x.clientRequestID, now)
	return tokenReply{status: status, body: map[string]any{
		"error": code, "error_description": full, "error_codes": []int{aadsts}, "timestamp": now,
		"trace_id": x.requestID, "correlation_id": x.clientRequestID,
	}}
}

func missingParameter(name string, x *exchange) tokenReply {
	return aadError(http.StatusBadRequest, "invalid_request", 900144,
		fmt.Sprintf("The request body must contain the following parameter: '%s'.", name), x)
}

// serveTokenSide handles /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/oauth2/v2.0/token and
// /{tenant}/discovery/v2.0/keys. The tenant segment is case-insensitive (MSAL lowercases the authority) and
// may be the tenant id or its domain.
func (e *Emulator) serveTokenSide(w http.ResponseWriter, r *http.Request) {
	x := newTokenExchange(r)
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	tenantKey := segs[0]
	rest := strings.ToLower(strings.Join(segs[1:], "/"))

	var handle func(t *tenant) tokenReply
	switch {
	case rest == "v2.0/.well-known/openid-configuration" && r.Method == http.MethodGet:
		x.route = "GET /{tenant}/v2.0/.well-known/openid-configuration"
		handle = func(t *tenant) tokenReply { return e.tokenOK(e.openIDConfiguration(r, t, tenantKey)) }
	case rest == "oauth2/v2.0/token" && r.Method == http.MethodPost:
		x.route, x.issuesToken = "POST /{tenant}/oauth2/v2.0/token", true
		handle = func(t *tenant) tokenReply { return e.issueToken(r, t, x) }
	case rest == "discovery/v2.0/keys" && r.Method == http.MethodGet:
		x.route = "GET /{tenant}/discovery/v2.0/keys"
		handle = func(*tenant) tokenReply {
			return e.tokenOK(map[string]any{"keys": []any{e.tokenKey.jwk()}})
		}
	default:
		x.route = r.Method + " (unknown)"
		e.writeToken(w, x, tokenReply{status: http.StatusNotFound, body: map[string]any{"error": "not_found",
			"error_description": "The emulator does not serve this path."}})
		e.record(nil, x, http.StatusNotFound, "", false)
		return
	}
	t := e.tenantByKey(tenantKey)
	if t == nil {
		if strings.HasSuffix(rest, "openid-configuration") && isMultiTenantAlias(tenantKey) {
			rep := handle(nil)
			e.writeToken(w, x, rep)
			e.record(nil, x, rep.status, "", false)
			return
		}
		rep := aadError(http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenantKey), x)
		e.writeToken(w, x, rep)
		e.record(nil, x, rep.status, "", false)
		return
	}
	e.runTokenSide(w, r, t, x, func() tokenReply { return handle(t) })
}

func isMultiTenantAlias(key string) bool {
	switch strings.ToLower(key) {
	case "common", "organizations", "consumers":
		return true
	}
	return false
}

func newTokenExchange(r *http.Request) *exchange {
	x := &exchange{kind: "token", method: r.Method, path: r.URL.Path, requestID: newGUID(),
		clientRequestID: r.Header.Get("client-request-id"), start: time.Now()}
	if x.clientRequestID == "" {
		x.clientRequestID = newGUID()
	}
	return x
}

// runTokenSide applies the tenant's latency and faults to a token-side request, then answers and logs it.
func (e *Emulator) runTokenSide(w http.ResponseWriter, r *http.Request, t *tenant, x *exchange, handle func() tokenReply) {
	t.mu.Lock()
	dec := t.s.decideFault(r.Method, x.path)
	latency := t.s.settings.latency()
	t.mu.Unlock()
	e.wait(r.Context(), e.opts.Latency+latency+dec.latency)

	switch {
	case dec.drop == "before":
		e.record(t, x, 0, dec.id, true)
		panic(http.ErrAbortHandler)
	case dec.failsBefore():
		rep := tokenFault(dec, x)
		e.writeToken(w, x, rep)
		e.record(t, x, rep.status, dec.id, false)
		return
	}
	rep := handle()
	switch {
	case dec.drop == "after":
		e.record(t, x, rep.status, dec.id, true)
		panic(http.ErrAbortHandler)
	case dec.failAfter:
		rep = tokenFault(dec, x) // the token was issued, the client gets the fault
	}
	e.writeToken(w, x, rep)
	e.record(t, x, rep.status, dec.id, false)
}

func tokenFault(dec faultDecision, x *exchange) tokenReply {
	if page, ok := dec.rawPage(); ok {
		rep := tokenReply{status: dec.status, raw: &page, omitIDs: dec.omitIDs}
		if dec.retryAfter != nil && *dec.retryAfter != "" {
			rep.header = http.Header{"Retry-After": {*dec.retryAfter}}
		}
		return rep
	}
	code := dec.code
	if code == "" {
		code = "invalid_request"
		if dec.status == http.StatusTooManyRequests || dec.status >= 500 {
			code = "temporarily_unavailable"
		}
	}
	rep := aadError(dec.status, code, 90033, firstNonEmpty(dec.message, "A transient error has occurred. Please try again."), x)
	if dec.retryAfter != nil && *dec.retryAfter != "" {
		rep.header = http.Header{"Retry-After": {*dec.retryAfter}}
	}
	rep.omitIDs = dec.omitIDs
	return rep
}

func (e *Emulator) writeToken(w http.ResponseWriter, x *exchange, rep tokenReply) {
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	h.Set("Cache-Control", "no-store, no-cache")
	if !rep.omitIDs {
		h.Set("client-request-id", x.clientRequestID)
		h.Set("x-ms-request-id", x.requestID)
	}
	if rep.raw != nil {
		h.Set("Content-Type", rep.raw.contentType)
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.raw.data)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rep.status)
	_, _ = w.Write(marshalJSON(rep.body))
}

// openIDConfiguration builds the discovery document on the host the client used, so MSAL's
// issuer-vs-authority check (spec §7.3) holds for 127.0.0.1, localhost or [::1].
func (e *Emulator) openIDConfiguration(r *http.Request, t *tenant, requested string) map[string]any {
	base := "https://" + r.Host
	tid, pathTenant := "{tenantid}", strings.ToLower(requested)
	if t != nil {
		tid, pathTenant = t.id, t.id
	}
	root := base + "/" + pathTenant
	return map[string]any{
		"issuer":                                base + "/" + tid + "/v2.0",
		"token_endpoint":                        root + "/oauth2/v2.0/token",
		"authorization_endpoint":                root + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         root + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  root + "/oauth2/v2.0/logout",
		"jwks_uri":                              root + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "tid", "oid", "roles"},
		"request_uri_parameter_supported":       false,
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          r.Host,
		"rbac_url":                              "https://pas.windows.net",
	}
}

// issueToken is the client-credentials grant with a secret (form or HTTP Basic) or a client assertion
// (certificate-signed JWT, or a federated token from the emulator's issuer). Spec §7.4.
func (e *Emulator) issueToken(r *http.Request, t *tenant, x *exchange) tokenReply {
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return aadError(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.", x)
	}
	form := r.PostForm
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both halves are form-encoded before Basic encoding.
		if u, err := url.QueryUnescape(user); err == nil {
			user = u
		}
		if p, err := url.QueryUnescape(pass); err == nil {
			pass = p
		}
		clientID, secret = user, pass
	}
	grant := form.Get("grant_type")
	switch {
	case grant == "":
		return missingParameter("grant_type", x)
	case grant != "client_credentials":
		return aadError(http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant), x)
	case clientID == "":
		return missingParameter("client_id", x)
	case form.Get("scope") == "":
		return missingParameter("scope", x)
	}
	resource, rep := resourceFromScope(form.Get("scope"), x)
	if rep != nil {
		return *rep
	}
	t.mu.Lock()
	a := t.s.appByClientID(clientID)
	t.mu.Unlock()
	if a == nil {
		return aadError(http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t.domain), x)
	}
	assertion := form.Get("client_assertion")
	acr := "1"
	switch {
	case secret != "" && assertion != "":
		return aadError(http.StatusBadRequest, "invalid_request", 90023, "Only one client credential may be presented: client_secret or client_assertion.", x)
	case secret != "":
		if a.secret == "" || subtle.ConstantTimeCompare([]byte(a.secret), []byte(secret)) != 1 {
			return aadError(http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", a.clientID), x)
		}
	case assertion != "":
		if form.Get("client_assertion_type") != jwtBearerType {
			return aadError(http.StatusBadRequest, "invalid_request", 700024, "client_assertion_type must be "+jwtBearerType+".", x)
		}
		if rep := e.verifyAssertion(r, t, a, assertion, x); rep != nil {
			return *rep
		}
		acr = "2"
	default:
		return aadError(http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", x)
	}
	tok, _, err := e.mintAccessToken(t, a, resource, acr)
	if err != nil {
		return aadError(http.StatusInternalServerError, "server_error", 90033, "The emulator could not sign the token.", x)
	}
	return e.tokenOK(map[string]any{"token_type": "Bearer", "expires_in": int(accessTokenLifetime.Seconds()),
		"ext_expires_in": int(accessTokenLifetime.Seconds()), "access_token": tok})
}

// resourceFromScope accepts exactly one "<resource>/.default" plus MSAL's extra openid/offline_access/profile.
func resourceFromScope(scope string, x *exchange) (string, *tokenReply) {
	var resources []string
	for _, s := range strings.Fields(scope) {
		switch {
		case strings.HasSuffix(s, "/.default"):
			resources = append(resources, strings.TrimRight(strings.TrimSuffix(s, "/.default"), "/"))
		case s == "openid" || s == "offline_access" || s == "profile" || s == "email":
		default:
			rep := aadError(http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", s), x)
			return "", &rep
		}
	}
	if len(resources) != 1 {
		rep := aadError(http.StatusBadRequest, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. Give exactly one scope of the form <resource>/.default.", x)
		return "", &rep
	}
	if strings.EqualFold(resources[0], graphAppID) {
		return "https://graph.microsoft.com", nil
	}
	return resources[0], nil
}

// mintAccessToken signs an app-only access token. Its lifetime uses the real clock, not the tenant clock.
func (e *Emulator) mintAccessToken(t *tenant, a *app, resource, acr string) (string, time.Time, error) {
	now := time.Now()
	exp := now.Add(accessTokenLifetime)
	roles := make([]any, len(a.roles))
	for i, r := range a.roles {
		roles[i] = r
	}
	tok, err := e.tokenKey.sign(map[string]any{
		"aud": resource, "iss": e.url + "/" + t.id + "/v2.0", "iat": now.Unix(), "nbf": now.Unix(), "exp": exp.Unix(),
		"tid": t.id, "appid": a.clientID, "azp": a.clientID, "oid": a.objectID, "sub": a.objectID, "roles": roles,
		"idtyp": "app", "ver": "1.0", "appidacr": acr, "uti": newGUID(),
	})
	if err != nil {
		return "", time.Time{}, err
	}
	e.secrets.add(t.id, secretAccessToken, tok)
	return tok, exp, nil
}

// verifyAssertion checks a client assertion: either a federated token from the emulator's issuer whose
// subject the app trusts, or a JWT signed (RS256/PS256) with a certificate registered on the app and
// named by x5t (SHA-1) or x5t#S256.
func (e *Emulator) verifyAssertion(r *http.Request, t *tenant, a *app, raw string, x *exchange) *tokenReply {
	fail := func(status int, code string, aadsts int, msg string) *tokenReply {
		rep := aadError(status, code, aadsts, msg, x)
		return &rep
	}
	tok, err := parseJWT(raw)
	if err != nil {
		return fail(http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
	}
	now := time.Now().Unix()
	if exp, ok := tok.num("exp"); !ok || now >= exp {
		return fail(http.StatusUnauthorized, "invalid_client", 700024, "Client assertion is not within its valid time range.")
	}
	if nbf, ok := tok.num("nbf"); ok && now+300 < nbf {
		return fail(http.StatusUnauthorized, "invalid_client", 700024, "Client assertion is not within its valid time range.")
	}

	if tok.str("iss") == e.federationIssuer() {
		if !e.federationKey.verify(tok) {
			return fail(http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation.")
		}
		if !contains(tok.audiences(), federatedAudience) {
			return fail(http.StatusBadRequest, "invalid_request", 700212, fmt.Sprintf("No matching federated identity record found for presented assertion audience '%s'.", strings.Join(tok.audiences(), " ")))
		}
		if !subjectTrusted(a.federatedSubjects, tok.str("sub")) {
			return fail(http.StatusBadRequest, "invalid_request", 70021, fmt.Sprintf("No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'.", tok.str("iss"), tok.str("sub"), strings.Join(tok.audiences(), " ")))
		}
		return nil
	}

	if tok.alg() != "RS256" && tok.alg() != "PS256" {
		return fail(http.StatusUnauthorized, "invalid_client", 5002730, fmt.Sprintf("Invalid JWT token. Unsupported signing algorithm '%s'.", tok.alg()))
	}
	key, thumb := "", ""
	if v, ok := tok.header["x5t#S256"].(string); ok {
		key, thumb = "x5t#S256:", v
	} else if v, ok := tok.header["x5t"].(string); ok {
		key, thumb = "x5t:", v
	}
	digest, ok := decodeThumbprint(thumb)
	if !ok {
		return fail(http.StatusUnauthorized, "invalid_client", 700027, "Client assertion contains no valid x5t or x5t#S256 certificate thumbprint.")
	}
	cert := a.certificates[key+digest]
	if cert == nil {
		return fail(http.StatusUnauthorized, "invalid_client", 700027, fmt.Sprintf("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s']", strings.ToUpper(digest)))
	}
	pub, ok := rsaPublicKey(cert)
	if !ok || tok.verifyRSA(pub) != nil {
		return fail(http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation.")
	}
	if !strings.EqualFold(tok.str("iss"), a.clientID) || !strings.EqualFold(tok.str("sub"), a.clientID) {
		return fail(http.StatusUnauthorized, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter.")
	}
	if !e.tokenEndpointAudience(tok.audiences(), r.Host, t) {
		return fail(http.StatusUnauthorized, "invalid_client", 700212, "The client assertion audience is not this tenant's token endpoint.")
	}
	return nil
}

// tokenEndpointAudience accepts the token endpoint of this tenant, by id or domain, on any loopback
// spelling of the emulator's port (MSAL uses the token_endpoint of the discovery document).
func (e *Emulator) tokenEndpointAudience(auds []string, requestHost string, t *tenant) bool {
	for _, a := range auds {
		u, err := url.Parse(a)
		if err != nil || u.Scheme != "https" {
			continue
		}
		hostOK := strings.EqualFold(u.Host, requestHost) || u.Port() == e.port() && isLoopbackHost(u.Hostname())
		p := strings.ToLower(strings.TrimRight(u.Path, "/"))
		for _, tenantKey := range []string{t.id, t.domain} {
			if hostOK && (p == "/"+tenantKey+"/oauth2/v2.0/token" || p == "/"+tenantKey+"/oauth2/token") {
				return true
			}
		}
	}
	return false
}

// decodeThumbprint accepts base64url (RFC 7515) or standard base64 (what MSAL Go sends) and returns hex.
func decodeThumbprint(v string) (string, bool) {
	if v == "" {
		return "", false
	}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(v); err == nil && (len(b) == sha1.Size || len(b) == sha256.Size) {
			return hex.EncodeToString(b), true
		}
	}
	return "", false
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// subjectTrusted matches a federated subject exactly, or by prefix when the trusted entry ends in '*'.
func subjectTrusted(trusted []string, sub string) bool {
	if sub == "" {
		return false
	}
	for _, t := range trusted {
		if p, ok := strings.CutSuffix(t, "*"); ok && strings.HasPrefix(sub, p) || t == sub {
			return true
		}
	}
	return false
}
