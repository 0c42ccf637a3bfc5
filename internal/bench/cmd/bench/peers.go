package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The peers are built from source trees the user provides (-peers DIR or PEERS_DIR), never from anything in
// this repository: DIR/terraform-provider-restful and DIR/terraform-provider-msgraph, each checked out at the
// tag to compare (BENCHMARKS.md names the tags measured).
var peerDirs = map[string]string{modeRestful: "terraform-provider-restful", modeMSGraph: "terraform-provider-msgraph"}

// peerHosts are the hosts terraform-provider-msgraph calls, hardwired: its requests reach the emulator through
// the CONNECT proxy below, and the emulator's certificate covers these names.
var peerHosts = []string{"graph.microsoft.com", "login.microsoftonline.com"}

func buildPeer(mode, root, plugins string) (string, error) {
	if root == "" {
		return "", fmt.Errorf("mode %s needs the peers' sources: -peers DIR (or PEERS_DIR) with %s in it", mode, peerDirs[mode])
	}
	src := filepath.Join(root, peerDirs[mode])
	if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
		return "", fmt.Errorf("mode %s: no Go module at %s", mode, src)
	}
	bin := filepath.Join(plugins, mode, "terraform-provider-"+mode)
	fmt.Fprintf(os.Stderr, "bench: building %s from %s\n", mode, src)
	var err error
	if _, statErr := os.Stat(filepath.Join(src, "vendor", "modules.txt")); statErr == nil {
		err = goBuildIn(src, bin, "-mod=vendor")
	} else {
		err = goBuildIn(src, bin)
	}
	return bin, err
}

func goBuildIn(dir, out string, extra ...string) error {
	// The peers' release flags, as for this provider: -trimpath -ldflags "-s -w".
	return goBuildArgs(dir, append(append([]string{"build", "-trimpath", "-ldflags", "-s -w"}, extra...), "-o", out, ".")...)
}

// startConnectProxy serves HTTP CONNECT on loopback and tunnels connections to peerHosts (port 443) to the
// emulator; every other destination is refused. It returns the proxy's URL for HTTPS_PROXY.
func startConnectProxy(ctx context.Context, emulatorURL string) (string, error) {
	u, err := url.Parse(emulatorURL)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	allowed := map[string]bool{}
	for _, h := range peerHosts {
		allowed[h+":443"] = true
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || !allowed[strings.ToLower(r.Host)] {
			http.Error(w, "the bench proxy only tunnels to "+strings.Join(peerHosts, ", "), http.StatusForbidden)
			return
		}
		upstream, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			_ = upstream.Close()
			return
		}
		w.WriteHeader(http.StatusOK)
		client, buf, err := hj.Hijack()
		if err != nil {
			_ = upstream.Close()
			return
		}
		if n := buf.Reader.Buffered(); n > 0 {
			pending, _ := buf.Peek(n)
			_, _ = upstream.Write(pending)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer wg.Done()
			_, _ = io.Copy(dst, src)
			if c, ok := dst.(*net.TCPConn); ok {
				_ = c.CloseWrite()
			}
		}
		go pipe(upstream, client)
		go pipe(client, upstream)
		wg.Wait()
		_ = client.Close()
		_ = upstream.Close()
	})}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return "http://" + ln.Addr().String(), nil
}
