package graph

import (
	"html"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	khttp "github.com/microsoft/kiota-http-go"
)

// excerptHeader carries, from nonJSONErrorMiddleware to wrap, the sanitized excerpt of an error answer
// whose body Kiota cannot parse. It is set on the response inside this process only; it is never sent.
const excerptHeader = "X-Entra-Provider-Body-Excerpt"

// maxExcerpt is the longest excerpt kept, in characters.
const maxExcerpt = 200

// nonJSONErrorMiddleware handles error answers that are not JSON: the HTML page of a proxy, a gateway or
// a load balancer (a 502 or 503 from nginx, a corporate proxy's block page). Kiota parses error bodies
// with the factory of their content type and has none for text/html, so such an answer became "content
// type text/html does not have a factory registered to be parsed", losing the status and the request id.
// Here the body is read (at most 64 KiB), reduced to a short sanitized excerpt carried in a
// process-internal header, and replaced by an empty body: Kiota then reports the status with the headers,
// and wrap builds an Error with the status, the request ids and the excerpt. JSON error bodies are left
// to Kiota's OData error parsing.
type nonJSONErrorMiddleware struct{}

// Intercept implements khttp.Middleware.
func (nonJSONErrorMiddleware) Intercept(pipeline khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	resp, err := pipeline.Next(req, index)
	if err != nil || resp == nil || resp.StatusCode < 400 || resp.Body == nil || resp.Body == http.NoBody {
		return resp, err
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") {
		return resp, err
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	drain(resp)
	if readErr != nil && len(body) == 0 {
		body = nil
	}
	resp.Header = resp.Header.Clone()
	if excerpt := bodyExcerpt(body, mediaType); excerpt != "" {
		resp.Header.Set(excerptHeader, excerpt)
	}
	resp.Body, resp.ContentLength = http.NoBody, 0
	return resp, nil
}

var (
	htmlHidden  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>|<!--.*?-->`)
	htmlTitle   = regexp.MustCompile(`(?is)<title\b[^>]*>(.*?)</title\s*>`)
	htmlTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	bearerValue = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+`)
	secretValue = regexp.MustCompile(`(?i)\b(client_secret|client_assertion|access_token|refresh_token|password|temporaryAccessPass)(["']?\s*[:=]\s*["']?)[^\s"'&,;<]+`)
)

// bodyExcerpt reduces an error body to at most maxExcerpt characters of readable text: markup removed
// (with the title first, when the page has one), entities decoded, control characters dropped, whitespace
// collapsed, and anything shaped like a token or a secret masked, since a proxy's page may echo the request.
func bodyExcerpt(body []byte, mediaType string) string {
	text := strings.ToValidUTF8(string(body), "")
	if mediaType == "text/html" || mediaType == "application/xhtml+xml" || mediaType != "text/plain" && looksLikeMarkup(text) {
		title := ""
		if m := htmlTitle.FindStringSubmatch(text); m != nil {
			title = m[1]
		}
		text = htmlHidden.ReplaceAllString(text, " ")
		text = htmlTag.ReplaceAllString(text, " ")
		if title = strings.TrimSpace(htmlTag.ReplaceAllString(title, " ")); title != "" && !strings.Contains(text, title) {
			text = title + " " + text
		}
		text = html.UnescapeString(text)
	}
	text = jwtPattern.ReplaceAllString(text, "***")
	text = bearerValue.ReplaceAllString(text, "Bearer ***")
	text = secretValue.ReplaceAllString(text, "$1$2***")
	var b strings.Builder
	space := false
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || r == utf8.RuneError:
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if utf8.RuneCountInString(out) > maxExcerpt {
		runes := []rune(out)
		out = strings.TrimSpace(string(runes[:maxExcerpt-1])) + "…"
	}
	return out
}

// looksLikeMarkup: a body of unknown type that starts like HTML or XML.
func looksLikeMarkup(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), "<")
}
