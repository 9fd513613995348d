package tlsca

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestClientVerifiesSimulatorCertificate(t *testing.T) {
	ca, err := New(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	srv.TLS = ca.ServerTLS()
	srv.StartTLS()
	defer srv.Close()

	trusted := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientTLS()}}
	resp, err := trusted.Get(srv.URL)
	if err != nil {
		t.Fatalf("client trusting the CA: %v", err)
	}
	resp.Body.Close()

	other, _ := New(time.Hour)
	untrusted := &http.Client{Transport: &http.Transport{TLSClientConfig: other.ClientTLS()}}
	if _, err := untrusted.Get(srv.URL); err == nil {
		t.Fatal("a client trusting another CA connected: verification is off")
	}
	p, err := ca.WriteCert(t.TempDir(), "ca.pem")
	if err != nil || p == "" {
		t.Fatal(err)
	}
}
