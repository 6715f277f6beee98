package mail

import (
	"strings"
	"testing"
)

func TestSanitizeHTMLWithImages(t *testing.T) {
	in := `<p>Hi<img src="https://track.example/p.gif" alt="logo"><img src="http://plain.example/x.gif">` +
		`<img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x</a></p>`
	blocked := SanitizeHTML(in)
	if strings.Contains(blocked, "track.example") {
		t.Fatalf("SanitizeHTML kept a remote image: %s", blocked)
	}
	out := SanitizeHTMLWithImages(in)
	if !strings.Contains(out, `src="https://track.example/p.gif"`) {
		t.Fatalf("the https image is not kept: %s", out)
	}
	for _, bad := range []string{"plain.example", "onerror", "<script", "javascript:"} {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Fatalf("%q survived: %s", bad, out)
		}
	}
}
