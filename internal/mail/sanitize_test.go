package mail

import (
	"regexp"
	"strings"
	"testing"
)

// hostileHTML is a corpus of known XSS and tracking vectors, with what the
// sanitised form must still hold ("" for nothing in particular).
func hostileHTML() []struct{ in, keep string } {
	return []struct{ in, keep string }{
		{`<script>alert(1)</script>`, ""},
		{`<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>`, ""},
		{`<scr<script>ipt>alert(1)</scr</script>ipt>`, ""},
		{`<img src=x onerror=alert(1)>`, ""},
		{`<svg onload=alert(1)>`, ""},
		{`<svg><script>alert(1)</script></svg>`, ""},
		{`<a href="javascript:alert(1)">x</a>`, ""},
		{`<a href="JaVaScRiPt:alert(1)">x</a>`, ""},
		{`<a href="jav&#x09;ascript:alert(1)">x</a>`, ""},
		{`<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>`, ""},
		{`<a href="javascript&colon;alert(1)">x</a>`, ""},
		{`<a href=" javascript:alert(1)">x</a>`, ""},
		{"<a href=\"java\nscript:alert(1)\">x</a>", ""},
		{`<a href="vbscript:msgbox(1)">x</a>`, ""},
		{`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`, ""},
		{`<img src="data:text/html,<script>alert(1)</script>">`, ""},
		{`<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`, ""},
		{`<div style="width: expression(alert(1))">x</div>`, ""},
		{`<div style="background:url(javascript:alert(1))">x</div>`, ""},
		{`<div style="background-image: url(http://evil.example/x.png)">x</div>`, ""},
		{`<p style="color: red; position: fixed; top: 0">x</p>`, `style="color: red"`},
		{`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`, ""},
		{`<meta http-equiv="refresh" content="0;url=https://evil.example/">`, ""},
		{`<iframe src="javascript:alert(1)"></iframe>`, ""},
		{`<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>`, ""},
		{`<object data="evil.swf"><param name=x></object>`, ""},
		{`<embed src="evil.swf">`, ""},
		{`<form action="https://evil.example/"><input name=password><button>Log in</button></form>`, ""},
		{`<base href="https://evil.example/">`, ""},
		{`<link rel=stylesheet href="https://evil.example/x.css">`, ""},
		{`<style>@import 'https://evil.example/x.css'; body{background:url(javascript:alert(1))}</style>`, ""},
		{`<body onload=alert(1)>hi</body>`, "hi"},
		{`<img src="https://remote.example/pixel.png" alt="Remote logo">`, `<img alt="Remote logo">`},
		{`<img srcset="https://remote.example/x.png 1x" alt="a">`, ""},
		{`<table background="https://remote.example/bg.png"><tr><td>x</td></tr></table>`, ""},
		{`<a href="https://ok.example/" onmouseover="x()">ok</a>`, `<a rel="noopener noreferrer nofollow" target="_blank" href="https://ok.example/">ok</a>`},
		{`<a href="mailto:help@ok.example" target="_self" rel="opener">mail</a>`, `<a rel="noopener noreferrer nofollow" target="_blank" href="mailto:help@ok.example">mail</a>`},
		{`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`, ""},
		{`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, ""},
		{`<xmp><img src=x onerror=alert(1)></xmp>`, ""},
		{`<details open ontoggle=alert(1)>x</details>`, ""},
		{`<video poster=javascript:alert(1)></video>`, ""},
		{`<!--<script>alert(1)</script>-->`, ""},
		{`<![CDATA[<script>alert(1)</script>]]>`, ""},
		{`<p>Type javascript:alert(1) in the address bar</p>`, ""},
		{`<img alt="javascript:alert(1)" src="cid:x@y">`, ""},
		{`<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`, "&lt;script&gt;"},
		{`<img src="cid:logo@kept.example" alt="logo">`, `src="cid:logo@kept.example"`},
		{`<img src="data:image/png;base64,iVBORw0KGgo=">`, `src="data:image/png;base64,iVBORw0KGgo="`},
		{`<div id="x" name="y" class="z" data-x="1">named</div>`, "<div>named</div>"},
		{`<a href="https://ok.example/" style="color:blue">styled</a>`, `style="color: blue"`},
		{`<td bgcolor="#ff0000" width="50%" onclick="x">c</td>`, ""},
		{`<a href="https:0">no host</a><a href="http:///evil.example">empty host</a>`, "no host"},
	}
}

// checkSafeHTML fails if s could run script, load a remote resource or
// submit anything.
func checkSafeHTML(t testing.TB, s string) {
	t.Helper()
	tagRE := regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	attrRE := regexp.MustCompile(`\s([^\s=/>]+)(?:="([^"]*)")?`)
	lower := strings.ToLower(s)
	for _, bad := range []string{"<script", "javascript:", "vbscript:"} {
		if strings.Contains(lower, bad) {
			t.Errorf("sanitised HTML contains %q: %q", bad, s)
		}
	}
	for _, tag := range tagRE.FindAllStringSubmatch(s, -1) {
		switch name := strings.ToLower(tag[1]); name {
		case "script", "style", "iframe", "frame", "object", "embed", "form", "input", "button", "textarea",
			"select", "meta", "base", "link", "svg", "math", "video", "audio", "source", "applet", "body", "html", "head":
			t.Errorf("sanitised HTML has <%s>: %q", name, s)
		}
		for _, a := range attrRE.FindAllStringSubmatch(tag[2], -1) {
			name, val := strings.ToLower(a[1]), strings.ToLower(a[2])
			switch {
			case strings.HasPrefix(name, "on"):
				t.Errorf("event handler %s in %q", name, s)
			case name == "src" && !strings.HasPrefix(val, "cid:") && !strings.HasPrefix(val, "data:image/"):
				t.Errorf("src %q in %q", val, s)
			case name == "href" && !strings.HasPrefix(val, "http://") && !strings.HasPrefix(val, "https://") &&
				!strings.HasPrefix(val, "mailto:") && !strings.HasPrefix(val, "tel:"):
				t.Errorf("href %q in %q", val, s)
			case name == "style" && (strings.Contains(val, "(") || strings.Contains(val, "\\")):
				t.Errorf("style %q in %q", val, s)
			case name == "srcset" || name == "background" || name == "action" || name == "formaction" ||
				name == "poster" || name == "srcdoc" || name == "http-equiv" || name == "id" || name == "name":
				t.Errorf("attribute %s in %q", name, s)
			}
		}
	}
}

func TestSanitizeHTMLHostile(t *testing.T) {
	for _, tt := range hostileHTML() {
		out := SanitizeHTML(tt.in)
		checkSafeHTML(t, out)
		if tt.keep != "" && !strings.Contains(out, tt.keep) {
			t.Errorf("SanitizeHTML(%q) = %q, want it to contain %q", tt.in, out, tt.keep)
		}
		if strings.Contains(out, "evil.example") || strings.Contains(out, "remote.example") {
			t.Errorf("SanitizeHTML(%q) = %q keeps a remote URL", tt.in, out)
		}
	}
}

func TestSanitizeHTMLMail(t *testing.T) {
	in := `<html><head><title>Newsletter</title></head><body bgcolor="#fff">
<table width="600" cellpadding="0" border="0" align="center"><tr><td valign="top" style="font-family: Arial, sans-serif; font-size: 14px; padding: 8px">
<h1>Order <i>4471</i></h1><p>Ti&#353;ak &amp; ko.</p><font color="red" face="Arial">red</font>
<ul><li>one</li></ul><blockquote>quoted</blockquote><a href="https://shop.example/o/4471">track</a>
</td></tr></table></body></html>`
	out := SanitizeHTML(in)
	checkSafeHTML(t, out)
	for _, want := range []string{
		`<table width="600" cellpadding="0" border="0" align="center">`,
		`<td valign="top" style="font-family: Arial, sans-serif; font-size: 14px; padding: 8px">`,
		"<h1>Order <i>4471</i></h1>", "<p>Tišak &amp; ko.</p>", `<font color="red" face="Arial">red</font>`,
		"<li>one</li>", "<blockquote>quoted</blockquote>",
		`<a rel="noopener noreferrer nofollow" target="_blank" href="https://shop.example/o/4471">track</a>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lost %q in %s", want, out)
		}
	}
	if strings.Contains(out, "Newsletter") {
		t.Errorf("title text kept: %s", out)
	}
}

func BenchmarkSanitizeHTML(b *testing.B) {
	in := `<p style="color: red">Hello <a href="https://ok.example/">there</a><img src="cid:a@b" alt="x"></p>`
	for b.Loop() {
		SanitizeHTML(in)
	}
}

func FuzzSanitizeHTML(f *testing.F) {
	for _, tt := range hostileHTML() {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkSafeHTML(t, SanitizeHTML(in))
	})
}
