package graph

import (
	"net/http"
	"net/url"
	"strings"

	khttp "github.com/microsoft/kiota-http-go"
)

// userKeyMiddleware addresses a user whose principal name begins with '$' the way Graph documents:
// "When the userPrincipalName begins with a $ character, the GET request URL syntax /users/$x@y.com fails
// with a 400 Bad Request error code. This is because this request URL violates the OData URL convention,
// which expects only system query options to be prefixed with a $ character. Remove the slash (/) after
// /users and enclose the userPrincipalName in parentheses and single quotes" (Get user, HTTP request,
// https://learn.microsoft.com/graph/api/user-get?view=graph-rest-1.0). msgraph-sdk-go's ByUserId always
// builds /users/{id}, for every request under a user, so the rewrite is done once here, for every
// user-addressed call; object ids and other principal names are left exactly as the SDK wrote them.
type userKeyMiddleware struct{}

// Intercept implements khttp.Middleware.
func (userKeyMiddleware) Intercept(pipeline khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	if u, ok := userKeyURL(req.URL); ok {
		req = req.Clone(req.Context())
		req.URL = u
	}
	return pipeline.Next(req, index)
}

// userKeyURL rewrites …/v1.0/users/{key}… into …/v1.0/users('{key}')… when key begins with '$'.
func userKeyURL(in *url.URL) (*url.URL, bool) {
	const marker = "/v1.0/users/"
	escaped := in.EscapedPath()
	i := strings.Index(escaped, marker)
	if i < 0 {
		return nil, false
	}
	rest := escaped[i+len(marker):]
	segment, tail, _ := strings.Cut(rest, "/")
	key, err := url.PathUnescape(segment)
	if err != nil || !strings.HasPrefix(key, "$") {
		return nil, false
	}
	rewritten := escaped[:i] + "/v1.0/users(" + odataStringKey(key) + ")"
	if tail != "" || strings.HasSuffix(rest, "/") {
		rewritten += "/" + tail
	}
	path, err := url.PathUnescape(rewritten)
	if err != nil {
		return nil, false
	}
	out := *in
	out.Path, out.RawPath = path, rewritten
	return &out, true
}

// odataStringKey writes key as an OData string literal for a path: in single quotes, with a quote inside
// doubled (OData URL conventions §4.3.1), and every byte that may not appear literally in a path segment
// percent-encoded ('#' of a guest's #EXT#, '^').
func odataStringKey(key string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '\'':
			b.WriteString("''")
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!$&()*+,;=:@", c) >= 0:
			b.WriteByte(c)
		default:
			const hex = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	b.WriteByte('\'')
	return b.String()
}
