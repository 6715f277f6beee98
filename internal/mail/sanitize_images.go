package mail

import (
	"regexp"
	"strings"
)

// SanitizeHTMLWithImages is SanitizeHTML that keeps the https addresses of remote images:
// for the one message an agent has asked to see with its images (the sender then learns the
// mail was opened). Everything else is as SanitizeHTML leaves it; plain http images stay
// blocked, and the page showing it must still be sandboxed.
func SanitizeHTMLWithImages(html string) string {
	p := htmlPolicy()
	p.AllowAttrs("src").Matching(regexp.MustCompile(`(?i)^https://[^/?#\s]`)).OnElements("img")
	out := p.Sanitize(html)
	out = strings.ReplaceAll(out, "<a ", `<a rel="noopener noreferrer nofollow" target="_blank" `)
	return defuseSchemes(out)
}
