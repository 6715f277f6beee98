package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// silentWAV is half a second of silence as 8 kHz 16-bit mono PCM: audio any browser decodes.
func silentWAV() []byte {
	const rate, samples = 8000, 4000
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + samples*2))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1)) // PCM
	le(uint16(1)) // mono
	le(uint32(rate))
	le(uint32(rate * 2))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(samples * 2))
	b.Write(make([]byte, samples*2))
	return b.Bytes()
}

// TestBrowserRecordingPlays: in a real Chromium the call's player loads its recording from the
// desk under the page's policy (media-src 'self'; without it, default-src 'none' blocks the load).
func TestBrowserRecordingPlays(t *testing.T) {
	cd := newCaseDesk(t, "sqlite")
	ctx := context.Background()
	ann := desk.AgentActor(cd.Ann)
	call := caseMust(cd.Svc.LogCall(ctx, ann, cd.CaseID, desk.NewCall{Direction: "inbound", At: start, DurationS: 30, Summary: "A short call."}))
	caseMust(cd.Svc.AddRecording(ctx, ann, service.RecordingIn{CaseID: cd.CaseID, CallSeq: call.Seq, Filename: "call.wav", ContentType: "audio/wav", Content: silentWAV()}))
	bctx, _ := chrome(t)
	signInChrome(t, bctx, cd.testDesk, "ann@example.com", casePassword)
	run(t, bctx, "open the case", chromedp.Navigate(cd.URL+cd.path("")), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#e%d audio", call.Seq))))
	duration := get(t, bctx, "load the recording", chromedp.Evaluate[float64](fmt.Sprintf(`new Promise((ok, fail) => {
		const a = document.querySelector('#e%d audio');
		a.onloadedmetadata = () => ok(a.duration);
		a.onerror = () => fail('the player could not load: ' + (a.error && a.error.code));
		a.load();
	})`, call.Seq), chromedp.EvalAwaitPromise))
	if duration < 0.4 || duration > 0.6 {
		t.Fatalf("the player's recording lasts %v s, want 0.5", duration)
	}
}
