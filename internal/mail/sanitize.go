package mail

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// SanitizeHTML returns HTML safe to render in the agent's browser: no script,
// style attributes with expressions, event handlers, javascript:/vbscript:/
// data: URLs (except data:image for inline images), forms,
// iframes/objects/embeds, meta refresh, base; remote images are not loaded:
// an <img> with an http(s) src keeps its alt text but loses the src (cid:
// sources are kept for inline parts); links get rel="noopener noreferrer
// nofollow" and target="_blank".
//
// It is an allow-list: anything not named in htmlPolicy is dropped (the text
// of unknown elements is kept, that of script, style and the like is not).
// Show the result in a sandboxed frame or under a strict Content-Security-
// Policy as well; sanitising is one layer, not the only one.
func SanitizeHTML(html string) string {
	out := htmlPolicy().Sanitize(html)
	out = strings.ReplaceAll(out, "<a ", `<a rel="noopener noreferrer nofollow" target="_blank" `)
	return defuseSchemes(out)
}

// htmlPolicy builds the allow-list. It is built per call because a shared
// policy would be package state; building one costs microseconds next to the
// parsing it then does.
func htmlPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()

	p.AllowElements("p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "small", "big",
		"sub", "sup", "blockquote", "pre", "code", "tt", "kbd", "samp", "var", "hr", "h1", "h2", "h3", "h4",
		"h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
		"caption", "colgroup", "col", "center", "font", "abbr", "address", "cite", "q", "del", "ins", "mark",
		"figure", "figcaption", "section", "article", "header", "footer", "main", "aside", "details",
		"summary", "wbr")

	// URLs: only these schemes, and each attribute narrows further below.
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto", "tel", "cid")
	p.AllowURLSchemeWithCustomPolicy("data", isInlineImageData)

	// Links: rel and target are set by SanitizeHTML, never taken from the mail.
	p.AllowAttrs("href").Matching(regexp.MustCompile(`(?i)^(https?://[^/?#\s]|mailto:|tel:)`)).OnElements("a")
	// Images: inline parts and embedded raster images only; a remote src
	// would tell the sender the mail was opened.
	p.AllowAttrs("src").Matching(regexp.MustCompile(`(?i)^(cid:|data:image/(png|gif|jpeg|jpg|webp);base64,)`)).OnElements("img")
	p.AllowAttrs("alt").Matching(regexp.MustCompile(`^[^<>]*$`)).OnElements("img")

	size := regexp.MustCompile(`^[0-9]{1,4}(%|px)?$`)
	p.AllowAttrs("width", "height").Matching(size).OnElements("img", "table", "td", "th", "col", "colgroup", "hr")
	p.AllowAttrs("border", "cellpadding", "cellspacing").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("table", "img")
	p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("td", "th")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`(?i)^(left|right|center|justify)$`)).Globally()
	p.AllowAttrs("valign").Matching(regexp.MustCompile(`(?i)^(top|middle|bottom|baseline)$`)).Globally()
	color := regexp.MustCompile(`^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$`)
	p.AllowAttrs("bgcolor").Matching(color).OnElements("table", "tr", "td", "th")
	p.AllowAttrs("color").Matching(color).OnElements("font")
	p.AllowAttrs("face").Matching(regexp.MustCompile(`^[a-zA-Z0-9 ,'"-]{1,100}$`)).OnElements("font")
	p.AllowAttrs("size").Matching(regexp.MustCompile(`^[+-]?[1-7]$`)).OnElements("font")
	p.AllowAttrs("dir").Matching(regexp.MustCompile(`(?i)^(ltr|rtl|auto)$`)).Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$`)).Globally()
	p.AllowAttrs("title").Matching(regexp.MustCompile(`^[^<>]*$`)).Globally()

	// Inline styles carry most of an HTML mail's layout. Only these
	// properties pass, each value checked by bluemonday's handler for it,
	// which refuses expression(), url() and the like.
	p.AllowStyles("color", "background-color", "font-family", "font-size", "font-style", "font-weight",
		"text-align", "text-decoration", "text-transform", "line-height", "letter-spacing", "white-space",
		"vertical-align", "width", "height", "max-width", "min-width", "margin", "margin-top",
		"margin-right", "margin-bottom", "margin-left", "padding", "padding-top", "padding-right",
		"padding-bottom", "padding-left", "border", "border-top", "border-right", "border-bottom",
		"border-left", "border-color", "border-style", "border-width", "border-collapse",
		"border-spacing", "border-radius", "list-style-type").Globally()
	return p
}

// isInlineImageData admits data: URLs of raster images only (an SVG may
// carry script).
func isInlineImageData(u *url.URL) bool {
	o := strings.ToLower(u.Opaque)
	for _, t := range []string{"image/png;", "image/gif;", "image/jpeg;", "image/jpg;", "image/webp;"} {
		if strings.HasPrefix(o, t) {
			return true
		}
	}
	return false
}

// defuseSchemes writes the colon after a script scheme name that is still
// in the output (as text or alt text: no URL attribute lets one through) as
// an entity, so that no "javascript:" survives to be picked up by later
// processing; it renders the same.
func defuseSchemes(s string) string {
	lower := asciiLower(s)
	if !strings.Contains(lower, "script:") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(lower[i:], "script:")
		if j < 0 {
			break
		}
		at := i + j
		i = at + len("script:")
		pre := lower[:at]
		if strings.HasSuffix(pre, "java") || strings.HasSuffix(pre, "vb") || strings.HasSuffix(pre, "live") {
			colon := at + len("script")
			b.WriteString(s[last:colon])
			b.WriteString("&#58;")
			last = colon + 1
		}
	}
	b.WriteString(s[last:])
	return b.String()
}

// HTMLText is the plain text of an HTML body that came from elsewhere (an imported ticket's
// comment), rendered as the text of an HTML-only mail is.
func HTMLText(html string) string { return htmlToText(SanitizeHTML(html)) }
