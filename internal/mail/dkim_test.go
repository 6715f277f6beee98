package mail

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// TestDKIM signs a composed mail and checks the signature the way a receiver would, with the
// public key published for the selector; an altered mail fails.
func TestDKIM(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDKIM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), "Desk.Example", "kept")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Compose(Outgoing{From: Address{Name: "Ann", Email: "support@desk.example"}, To: Address{Email: "mari@example.ee"},
		Subject: "Re: Arve [K-1042]", Text: "Tere Mari,\nparandasime arve.", MessageID: "k.42.7.abc@desk.example", Date: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := d.Sign(raw)
	if err != nil {
		t.Fatal(err)
	}
	lookup := &dkim.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		if name != "kept._domainkey.desk.example" {
			t.Errorf("looked up %q", name)
		}
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), lookup)
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "desk.example" {
		t.Fatalf("verification of a signed mail: %v %+v", err, vs)
	}
	tampered := bytes.Replace(signed, []byte("parandasime"), []byte("PARANDASIME"), 1)
	vs, err = dkim.VerifyWithOptions(bytes.NewReader(tampered), lookup)
	if err != nil || len(vs) != 1 || vs[0].Err == nil {
		t.Errorf("an altered mail verified: %v %+v", err, vs)
	}
	if _, err := NewDKIM([]byte("not a key"), "desk.example", "kept"); err == nil || !strings.Contains(err.Error(), "PEM") {
		t.Errorf("a bad key: %v", err)
	}
}
