package graph

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// urlRecorder answers every request with an empty collection and records the URLs sent.
type urlRecorder struct {
	mu   sync.Mutex
	urls []string
}

func (r *urlRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.Method+" "+req.URL.String())
	r.mu.Unlock()
	body := `{"value":[]}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		ContentLength: int64(len(body)), Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// Every call that addresses a user writes a principal name beginning with '$' as /users('…') (Graph's
// documented form), and leaves object ids and other principal names as the SDK writes them.
func TestUsersWhoseNameBeginsWithDollarAreAddressedInParentheses(t *testing.T) {
	calls := []struct {
		name, suffix string
		call         func(*Client, string) error
	}{
		{"GetUser", "?$select=", func(c *Client, u string) error { _, err := c.GetUser(context.Background(), u); return err }},
		{"CheckMemberGroups", "/checkMemberGroups", func(c *Client, u string) error {
			_, err := c.CheckMemberGroups(context.Background(), u, []string{"0b8f4d3c-1a2b-4c5d-8e9f-000000000001"})
			return err
		}},
		{"ListMethods", "/authentication/methods", func(c *Client, u string) error { _, err := c.ListMethods(context.Background(), u); return err }},
		{"DeleteMethod", "/authentication/fido2Methods/m1", func(c *Client, u string) error {
			return c.DeleteMethod(context.Background(), u, AuthenticationMethod{ID: "m1", Type: MethodFido2})
		}},
		{"CreateTAP", "/authentication/temporaryAccessPassMethods", func(c *Client, u string) error {
			_, err := c.CreateTAP(context.Background(), u, NewTAP{})
			return err
		}},
		{"ListTAPs", "/authentication/temporaryAccessPassMethods", func(c *Client, u string) error { _, err := c.ListTAPs(context.Background(), u); return err }},
		{"GetTAP", "/authentication/temporaryAccessPassMethods/p1", func(c *Client, u string) error {
			_, err := c.GetTAP(context.Background(), u, "p1")
			return err
		}},
		{"DeleteTAP", "/authentication/temporaryAccessPassMethods/p1", func(c *Client, u string) error { return c.DeleteTAP(context.Background(), u, "p1") }},
	}
	refs := []struct{ ref, want string }{
		{"$adele@contoso.com", "/v1.0/users('$adele@contoso.com')"},
		{"$o'neil@contoso.com", "/v1.0/users('$o''neil@contoso.com')"},
		{"$adele_fabrikam.com#EXT#@contoso.onmicrosoft.com", "/v1.0/users('$adele_fabrikam.com%23EXT%23@contoso.onmicrosoft.com')"},
		{"adele@contoso.com", "/v1.0/users/adele%40contoso.com"},
		{"adele$@contoso.com", "/v1.0/users/adele%24%40contoso.com"},
		{"0b8f4d3c-1a2b-4c5d-8e9f-000000000001", "/v1.0/users/0b8f4d3c-1a2b-4c5d-8e9f-000000000001"},
	}
	for _, call := range calls {
		for _, r := range refs {
			rec := &urlRecorder{}
			client := newTestClient(t, "https://graph.microsoft.com", Reachability{}, rec)
			if err := call.call(client, r.ref); err != nil {
				t.Fatalf("%s(%q): %v", call.name, r.ref, err)
			}
			if len(rec.urls) != 1 {
				t.Fatalf("%s(%q): sent %v", call.name, r.ref, rec.urls)
			}
			_, got, _ := strings.Cut(rec.urls[0], " ")
			if want := "https://graph.microsoft.com" + r.want + call.suffix; !strings.HasPrefix(got, want) {
				t.Errorf("%s(%q):\n got %s\nwant %s…", call.name, r.ref, got, want)
			}
		}
	}
}
