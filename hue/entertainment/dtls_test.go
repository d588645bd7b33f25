package entertainment

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

const clientKey = "00112233445566778899aabbccddeeff"

func listen(t *testing.T) *Listener {
	t.Helper()
	k, _ := ParseKey(clientKey)
	ln, err := Listen("127.0.0.1:0", func(id string) ([]byte, bool) { return k, id == "app-1" })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// A frame sent by Dial's end arrives whole at the Listener's end, which
// knows the client's identity.
func TestStreamCarriesFrames(t *testing.T) {
	ln := listen(t)
	got := make(chan Frame, 1)
	ids := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if c.HandshakeContext(ctx) != nil {
			return
		}
		ids <- c.Identity()
		buf := make([]byte, 1500)
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		f, _ := Parse(buf[:n])
		got <- f
	}()
	port := ln.Addr().(*net.UDPAddr).Port
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, "127.0.0.1", port, "app-1", clientKey)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, _ := Append(nil, Frame{Seq: 5, Space: XYB, Area: area, Channels: []Channel{{ID: 2, A: 100, B: 200, C: 300}}})
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	if id := <-ids; id != "app-1" {
		t.Fatalf("identity %q", id)
	}
	select {
	case f := <-got:
		if f.Seq != 5 || f.Area != area || f.Channels[0] != (Channel{ID: 2, A: 100, B: 200, C: 300}) {
			t.Fatalf("frame %+v", f)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no frame arrived")
	}
}

// A wrong key fails the handshake, and the error does not quote the key.
func TestWrongKeyFailsWithoutQuotingIt(t *testing.T) {
	ln := listen(t)
	// The server side ends with the test: its handshakes are cancelled and
	// waited for, so nothing outlives it.
	srvCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { stop(); _ = ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = c.HandshakeContext(srvCtx)
				_ = c.Close()
			}()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	wrong := "ffeeddccbbaa99887766554433221100"
	_, err := Dial(ctx, "127.0.0.1", ln.Addr().(*net.UDPAddr).Port, "app-1", wrong)
	if err == nil {
		t.Fatal("handshake with a wrong key succeeded")
	}
	if strings.Contains(err.Error(), wrong) {
		t.Fatalf("error quotes the key: %v", err)
	}
}

// A peer that never answers fails the dial when ctx ends.
func TestSilentPeerTimesOut(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = Dial(ctx, "127.0.0.1", pc.LocalAddr().(*net.UDPAddr).Port, "app-1", clientKey)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "handshake") {
		t.Fatalf("dial to a silent peer: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	for _, k := range []string{"", "xyz", "0011"} {
		_, err := ParseKey(k)
		if err == nil {
			t.Errorf("%q accepted", k)
		} else if k != "" && strings.Contains(err.Error(), k) {
			t.Errorf("error quotes the key: %v", err)
		}
	}
}
