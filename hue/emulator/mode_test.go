package emulator

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// errWrongBridge is what bridgeTLS says of a certificate issued to
// another bridge.
var errWrongBridge = errors.New("certificate is not the bridge's")

// bridgeTLS verifies a bridge as a careful client does: the chain against
// the (test) Hue root and the common name against the bridge id. Go's own
// host check cannot do it, as a bridge certificate names no host.
func bridgeTLS(ca *CA, bridgeID string) *tls.Config {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM())
	return &tls.Config{
		InsecureSkipVerify: true, // VerifyConnection does the verifying
		VerifyConnection: func(cs tls.ConnectionState) error {
			certs := cs.PeerCertificates
			inter := x509.NewCertPool()
			for _, c := range certs[1:] {
				inter.AddCert(c)
			}
			_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			if err != nil {
				return err
			}
			if certs[0].Subject.CommonName != bridgeID {
				return fmt.Errorf("%w: CN %q", errWrongBridge, certs[0].Subject.CommonName)
			}
			return nil
		},
	}
}

// tlsWorld is a bridge served in a mode with a certificate of the test CA.
type tlsWorld struct {
	ca *CA
	s  *Server
}

func serveMode(t *testing.T, mode Mode, kind CertKind, opts ...Option) tlsWorld {
	t.Helper()
	b, err := Load(fixture, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return serveModeBridge(t, b, mode, kind)
}

func serveModeBridge(t *testing.T, b *Bridge, mode Mode, kind CertKind) tlsWorld {
	t.Helper()
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	opt := ServeOptions{Mode: mode}
	if mode != ModeOld {
		cert, err := ca.Cert(kind, b.BridgeID())
		if err != nil {
			t.Fatal(err)
		}
		opt.Cert = &cert
	}
	s, err := StartMode(b, "127.0.0.1:0", opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return tlsWorld{ca: ca, s: s}
}

// tlsClient talks https to the server, verifying it as bridgeTLS does.
func (w tlsWorld) tlsClient(t *testing.T) *client {
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: bridgeTLS(w.ca, w.s.Bridge.BridgeID())}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, base: "https://" + w.s.addr, http: &http.Client{Transport: tr}}
}

// plainClient talks plain http to the server's port, whatever its mode.
func (w tlsWorld) plainClient(t *testing.T) *client {
	c := newClient(t, w.s)
	c.base = "http://" + w.s.addr
	return c
}

func TestEachModeAnswersTheSchemesItsBridgeDoes(t *testing.T) {
	for _, tc := range []struct {
		mode             Mode
		url, httpURL     string // schemes expected
		plainOK, httpsOK bool
	}{
		{ModeOld, "http", "http", true, false},
		{ModeGen2, "https", "http", true, true},
		{ModePro, "https", "", false, true},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			w := serveMode(t, tc.mode, CertGood)
			if !strings.HasPrefix(w.s.URL, tc.url+"://127.0.0.1:") ||
				(tc.httpURL == "") != (w.s.HTTPURL == "") || !strings.HasPrefix(w.s.HTTPURL, tc.httpURL) {
				t.Errorf("URL %q, HTTPURL %q", w.s.URL, w.s.HTTPURL)
			}

			r, err := w.plainClient(t).try(context.Background(), "GET", api("lights", desk), "")
			switch {
			case tc.plainOK && (err != nil || r.status != 200 || !strings.Contains(string(r.body), "Desk lamp")):
				t.Errorf("plain http: %v %d %.80s", err, r.status, r.body)
			case !tc.plainOK && err == nil && (r.status != http.StatusBadRequest || strings.Contains(string(r.body), "Desk lamp")):
				t.Errorf("plain http to an https-only bridge: %d %.80s", r.status, r.body)
			}

			r, err = w.tlsClient(t).try(context.Background(), "GET", api("lights", desk), "")
			switch {
			case tc.httpsOK && (err != nil || r.status != 200 || !strings.Contains(string(r.body), "Desk lamp")):
				t.Errorf("https: %v %d %.80s", err, r.status, r.body)
			case !tc.httpsOK && err == nil:
				t.Errorf("https to an http-only bridge answered %d", r.status)
			}
		})
	}
}

func TestTheProHasNoDescriptionXML(t *testing.T) {
	w := serveMode(t, ModePro, CertGood)
	if r := w.tlsClient(t).get("/description.xml"); r.status != http.StatusNotFound {
		t.Errorf("GET /description.xml: %d %.80s", r.status, r.body)
	}
}

func TestGen2KeepsTheEventStreamToHTTPS(t *testing.T) {
	w := serveMode(t, ModeGen2, CertGood)
	if r := w.plainClient(t).get(EventStreamPath); r.status != http.StatusNotFound {
		t.Errorf("event stream over plain http: %d", r.status)
	}
	c := w.tlsClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+EventStreamPath, nil)
	req.Header.Set("hue-application-key", DefaultKey)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if resp.StatusCode != 200 || err != nil || line != ": hi\n" {
		t.Errorf("event stream over https: %d %q %v", resp.StatusCode, line, err)
	}
}

func TestOldModeServesTheEventStreamAsBefore(t *testing.T) {
	w := serveMode(t, ModeOld, CertGood, WithEventStream())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := w.plainClient(t)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+EventStreamPath, nil)
	req.Header.Set("hue-application-key", DefaultKey)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("event stream of an old bridge made WithEventStream: %d", resp.StatusCode)
	}
}

func TestEachWrongCertificateFailsVerificationForItsReason(t *testing.T) {
	for _, tc := range []struct {
		kind CertKind
		want func(error, tls.ConnectionState) bool
	}{
		{CertGood, func(err error, _ tls.ConnectionState) bool { return err == nil }},
		{CertWrongCN, func(err error, cs tls.ConnectionState) bool {
			return errors.Is(err, errWrongBridge) && cs.PeerCertificates[0].Subject.CommonName == WrongCN
		}},
		{CertOtherRoot, func(err error, cs tls.ConnectionState) bool {
			// Signed by a root, just not the trusted one.
			var ua x509.UnknownAuthorityError
			return errors.As(err, &ua) && len(cs.PeerCertificates) == 2 &&
				cs.PeerCertificates[1].Subject.CommonName == "huegate emulator test root"
		}},
		{CertSelfSigned, func(err error, cs tls.ConnectionState) bool {
			var ua x509.UnknownAuthorityError
			leaf := cs.PeerCertificates[0]
			return errors.As(err, &ua) && len(cs.PeerCertificates) == 1 &&
				leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil
		}},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			for _, mode := range []Mode{ModeGen2, ModePro} {
				w := serveMode(t, mode, tc.kind)
				cfg := bridgeTLS(w.ca, w.s.Bridge.BridgeID())
				verify := cfg.VerifyConnection
				var seen tls.ConnectionState
				cfg.VerifyConnection = func(cs tls.ConnectionState) error { seen = cs; return verify(cs) }
				conn, err := tls.Dial("tcp", w.s.addr, cfg)
				if err == nil {
					conn.Close()
				}
				if seen.PeerCertificates == nil || seen.PeerCertificates[0].Subject.CommonName == "" {
					t.Fatalf("%v: no certificate seen (%v)", mode, err)
				}
				if !tc.want(err, seen) {
					t.Errorf("%v: verification said %v", mode, err)
				}
			}
		})
	}
}

func TestRestartInTLSModesShowsTheSameCertificate(t *testing.T) {
	for _, mode := range []Mode{ModeGen2, ModePro} {
		t.Run(mode.String(), func(t *testing.T) {
			w := serveMode(t, mode, CertGood)
			c := w.tlsClient(t)
			c.put(api("lights", desk, "state"), `{"bri":42}`)
			before := peerCert(t, w)

			w.s.Stop()
			if _, err := c.try(context.Background(), "GET", api("lights"), ""); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("while stopped: %v, want connection refused", err)
			}
			if err := w.s.Restart(); err != nil {
				t.Fatal(err)
			}
			if r := c.get(api("lights", desk)); r.status != 200 || !strings.Contains(string(r.body), `"bri":42`) {
				t.Errorf("after restart: %d %.120s", r.status, r.body)
			}
			if !peerCert(t, w).Equal(before) {
				t.Error("the certificate changed across the restart")
			}
			if mode == ModeGen2 {
				if r := w.plainClient(t).get(api("lights", desk)); r.status != 200 {
					t.Errorf("plain http after restart: %d", r.status)
				}
			}
		})
	}
}

func peerCert(t *testing.T, w tlsWorld) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", w.s.addr, bridgeTLS(w.ca, w.s.Bridge.BridgeID()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

func TestStartModeWantsACertificateForHTTPS(t *testing.T) {
	b, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []Mode{ModeGen2, ModePro} {
		if s, err := StartMode(b, "127.0.0.1:0", ServeOptions{Mode: mode}); err == nil {
			s.Close()
			t.Errorf("%v started without a certificate", mode)
		}
	}
}

func TestParseModeReadsEveryName(t *testing.T) {
	for _, m := range []Mode{ModeOld, ModeGen2, ModePro} {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseMode("gen3"); err == nil {
		t.Error("parsed gen3")
	}
}

func TestFaultResetResetsTLSConnectionsToo(t *testing.T) {
	for _, mode := range []Mode{ModeGen2, ModePro} {
		w := serveMode(t, mode, CertGood, WithFault(FaultReset))
		_, err := w.tlsClient(t).try(context.Background(), "GET", api("lights"), "")
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("%v: %v, want connection reset", mode, err)
		}
	}
}
