package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestServeEmbedOrigins: --embed-origins names the sites that may frame the embeddable request
// page (its frame-ancestors); anything but a scheme and host is refused as a usage error, so
// no origin can widen the page's policy.
func TestServeEmbedOrigins(t *testing.T) {
	if code, _, errOut := kept(t, "", "serve", "--data", t.TempDir(), "--embed-origins", "https://shop.example; script-src *"); code != 2 ||
		!strings.Contains(errOut, "--embed-origins / KEPT_EMBED_ORIGINS") {
		t.Errorf("kept serve with a bad embed origin: %d %q", code, errOut)
	}
	s := startServer(t, []string{"--data", t.TempDir(), "--embed-origins", "https://shop.example,https://www.shop.example"})
	resp, err := http.Get(s.url + "/embed/request")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != http.StatusOK ||
		!strings.HasSuffix(csp, "; frame-ancestors https://shop.example https://www.shop.example") {
		t.Errorf("the page: %d, CSP %q", resp.StatusCode, csp)
	}
}
