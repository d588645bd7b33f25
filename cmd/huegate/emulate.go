package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/entertainment"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
)

type emulateFlags struct {
	listen  string
	fixture string
	latency time.Duration
	rate    int
	button  bool
	mode    string
	caDir   string
	cert    string
	stream  int

	frameLog    string // --frame-log
	inUse       bool   // --stream-in-use
	noHandshake bool   // --stream-no-handshake
}

func newEmulateCmd(g *globals) *cobra.Command {
	f := &emulateFlags{}
	cmd := &cobra.Command{
		Use:   "emulate",
		Short: "Serve an emulated Hue bridge from a recorded dump",
		Long: `Serve an emulated Hue bridge, loaded from a full-state dump: by default the
project's own fixture (8 lights, 5 groups), or your own bridge recorded with
` + "`huegate dump`" + `. Like a real bridge it answers 429 above its command
ceiling (--rate commands per second) and takes --latency to answer.
Commands change its state, which it logs; it forgets them on exit. It
prints its URLs and the API key it accepts: put them in bridge.host and
bridge.username to point huegate at it.

--mode picks the kind of bridge:
  gen2  today's square bridge (the default): http and https on the same
        port; REST API v1 on both, CLIP v2 (/clip/v2/resource, /auth/v1)
        and the event stream on https only
  pro   the Hue Bridge Pro: https only (plain http gets a 400), v1 and v2
  old   a bridge before CLIP v2: plain http, REST API v1 only

Over https it shows a certificate of a test CA that stands in for the Hue
root: with CN = the bridge id and no IP address, as real bridges. The CA is
kept in --ca-dir (ca.pem and ca-key.pem; made on first use, reused after;
default: huegate-emulator in your user cache directory, e.g.
~/.cache/huegate-emulator). It prints the line
  bridge.ca_file: <absolute path of ca.pem>
so huegate can be told to trust it. --cert makes the certificate wrong on
purpose, to see a client refuse it: wrong-cn (issued to another bridge),
other-root (issued by a CA nobody trusts) or self-signed (as older
firmware).

gen2 and pro also serve the Entertainment stream (DTLS over UDP, on
--stream-port of the --listen host; 2100 as a real bridge) and print
  bridge.stream_port: <port>
Its pre-shared key is the clientkey pairing hands out with
generateclientkey. It logs each area started and stopped (by which
application id, and why: stop, silence or reboot) and each stream session
opened and closed. --frame-log FILE appends a JSON line per frame it
accepts:
  {"time":"...","area":"<id>","seq":7,"space":"xyb",
   "channels":[{"id":0,"x":0.3127,"y":0.329,"bri":0.5}]}
(rgb frames carry r, g, b instead of x, y, bri; every value in 0..1).
Two knobs make streaming fail, to see a client fall back:
--stream-in-use makes every area look streamed by another application
(a start answers 409, REST commands to its lights are accepted and hidden
by that stream), --stream-no-handshake makes the stream port swallow every
datagram (a DTLS handshake never answers).

To try ` + "`huegate pair`" + ` against it, press its link button: Enter on its
terminal, --link-button at start, or
PUT /api/<key>/config {"linkbutton":true}. Each press lasts 30 s.`,
		Example: `  huegate emulate
  huegate emulate --mode old --listen 127.0.0.1:8080 --fixture my-bridge.json --rate 10 --latency 30ms
  huegate emulate --mode pro --ca-dir ./testca --cert wrong-cn
  huegate emulate --link-button & huegate pair --host 127.0.0.1:8080
  huegate emulate --stream-port 0 --frame-log frames.jsonl
  curl http://127.0.0.1:8080/api/` + emulator.DefaultKey + `/lights
  curl -k -H 'hue-application-key: ` + emulator.DefaultKey + `' https://127.0.0.1:8080/clip/v2/resource/light`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.emulate(cmd.Context(), cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address to serve the emulated bridge on")
	fl.StringVar(&f.fixture, "fixture", "", "full-state dump to load (default: the built-in fixture)")
	fl.DurationVar(&f.latency, "latency", 30*time.Millisecond, "time the bridge takes to answer each request")
	fl.IntVar(&f.rate, "rate", 10, "command ceiling per second (429 above it); 0 for none")
	fl.BoolVar(&f.button, "link-button", false, "start with the link button pressed (for 30 s), for huegate pair")
	fl.StringVar(&f.mode, "mode", "gen2", "kind of bridge: old (http, v1), gen2 (http and https, v2 on https) or pro (https only)")
	fl.StringVar(&f.caDir, "ca-dir", "", "directory of the test CA's ca.pem and ca-key.pem, made if absent; unused by --mode old (default: huegate-emulator in the user cache directory)")
	fl.StringVar(&f.cert, "cert", "good", "certificate to show over https: good, wrong-cn, other-root or self-signed")
	fl.IntVar(&f.stream, "stream-port", entertainment.Port, "UDP port of the Entertainment stream (DTLS), on the --listen host; 0 picks a free one; unused by --mode old")
	fl.StringVar(&f.frameLog, "frame-log", "", "append a JSON line per accepted stream frame to this file")
	fl.BoolVar(&f.inUse, "stream-in-use", false, "every entertainment area looks streamed by another application")
	fl.BoolVar(&f.noHandshake, "stream-no-handshake", false, "the stream port never answers: DTLS handshakes time out")
	return cmd
}

func (g *globals) emulate(parent context.Context, cmd *cobra.Command, f *emulateFlags) error {
	log, err := g.newLogger()
	if err != nil {
		return err
	}
	if f.rate < 0 || f.latency < 0 {
		return &exitError{2, errors.New("--rate and --latency must not be negative")}
	}
	mode, err := emulator.ParseMode(f.mode)
	if err != nil {
		return &exitError{2, fmt.Errorf("--mode: %w", err)}
	}
	kind, err := emulator.ParseCertKind(f.cert)
	if err != nil {
		return &exitError{2, fmt.Errorf("--cert: %w", err)}
	}
	if mode == emulator.ModeOld && cmd.Flags().Changed("cert") {
		return &exitError{2, errors.New("--cert is for the https of --mode gen2 or pro; an old bridge has none")}
	}
	if given := streamFlagsChanged(cmd.Flags().Changed); mode == emulator.ModeOld && len(given) > 0 {
		return &exitError{2, fmt.Errorf("%s: for --mode gen2 or pro; an old bridge has no Entertainment stream", strings.Join(given, ", "))}
	}
	if f.stream < 0 || f.stream > 65535 {
		return &exitError{2, fmt.Errorf("--stream-port %d: want a port, 0..65535", f.stream)}
	}
	b, source, err := loadEmulated(f.fixture, f.latency, f.rate)
	if err != nil {
		return err
	}
	opt := emulator.ServeOptions{Mode: mode}
	var caFile string
	if mode != emulator.ModeOld {
		var cert tls.Certificate
		if cert, caFile, err = emulatorCert(f.caDir, kind, b.BridgeID()); err != nil {
			return err
		}
		opt.Cert = &cert
		opt.StreamAddr = streamAddr(f.listen, f.stream)
	}
	srv, err := serveEmulated(b, f.listen, "--listen", opt)
	if err != nil {
		return err
	}
	defer srv.Close()
	defer srv.Bridge.OnChange(logChange(log, srv.Bridge))()
	if mode != emulator.ModeOld {
		stopStream, err := setUpStream(srv.Bridge, f, log)
		if err != nil {
			return err
		}
		defer stopStream()
	}

	ctx, stop := signalContext(parent, func() { os.Exit(1) })
	defer stop()
	g.printEmulate(srv, source, f, kind, caFile)
	if f.button {
		b.PressLinkButton()
		log.Info().Msg("link button pressed for 30 s")
	}
	if isTerminal(os.Stdin) {
		fmt.Fprintln(g.stdout, "  Enter presses the link button (for `huegate pair`).")
		go pressOnEnter(os.Stdin, b, log) // ends with the process
	}
	<-ctx.Done()
	return nil
}

// modeText says in a line what each kind of bridge serves.
var modeText = map[emulator.Mode]string{
	emulator.ModeOld:  "plain http, REST API v1 only",
	emulator.ModeGen2: "http and https on one port; CLIP v2 and the event stream on https only",
	emulator.ModePro:  "https only; REST API v1, CLIP v2 and the event stream",
}

// printEmulate tells where the bridge is and how to point huegate at it.
// Tests and users read the first two lines and the URL and
// bridge.ca_file lines: keep their wording.
func (g *globals) printEmulate(srv *emulator.Server, source string, f *emulateFlags, kind emulator.CertKind, caFile string) {
	w, key, id := g.stdout, srv.Bridge.Key(), srv.Bridge.BridgeID()
	main := srv.HTTPURL
	if main == "" {
		main = srv.URL
	}
	fmt.Fprintf(w, "Hue bridge emulator on %s, loaded from %s\nAPI key: %s\n", main, source, key)
	fmt.Fprintf(w, "Mode: %s (%s)\n", srv.Mode, modeText[srv.Mode])
	if srv.HTTPURL != "" {
		fmt.Fprintf(w, "HTTP URL: %s\n", srv.HTTPURL)
	}
	if srv.Mode != emulator.ModeOld {
		fmt.Fprintf(w, "HTTPS URL: %s\n", srv.URL)
		fmt.Fprintf(w, "Certificate: %s (%s)\n", kind, certText(kind, id))
		fmt.Fprintf(w, "bridge.ca_file: %s\n", caFile)
		fmt.Fprintf(w, "bridge.stream_port: %d\n", srv.StreamPort())
	}
	fmt.Fprintf(w, "Command ceiling %d/s (429 above it), latency %s. Ctrl-C stops.\n\n", f.rate, f.latency)
	if srv.HTTPURL != "" {
		fmt.Fprintf(w, "  curl %s/api/%s/lights\n", srv.HTTPURL, key)
	} else {
		fmt.Fprintf(w, "  curl -k %s/api/%s/lights\n", srv.URL, key)
	}
	if srv.Mode != emulator.ModeOld {
		fmt.Fprintf(w, "  curl -k -H 'hue-application-key: %s' %s%s/light\n", key, srv.URL, emulator.V2ResourcePath)
	}
	// The address without a scheme, as for a real bridge: huegate tries
	// https first, and uses http only on the old bridge, which has none.
	_, host, _ := strings.Cut(srv.URL, "://")
	if srv.Mode == emulator.ModeOld {
		fmt.Fprintf(w, "  point huegate at it with  bridge: {host: %q, username: %q}\n", host, key)
	} else {
		// A stream port other than a real bridge's must be in the config
		// too, or streamed mappings fall back to REST.
		port := ""
		if p := srv.StreamPort(); p != entertainment.Port {
			port = fmt.Sprintf(", stream_port: %d", p)
		}
		fmt.Fprintf(w, "  point huegate at it with  bridge: {host: %q, username: %q, ca_file: %q%s}\n", host, key, caFile, port)
	}
}

// certText says what is right or wrong about the certificate shown.
func certText(kind emulator.CertKind, bridgeID string) string {
	switch kind {
	case emulator.CertWrongCN:
		return "CN " + emulator.WrongCN + ", another bridge's, from the test CA"
	case emulator.CertOtherRoot:
		return "CN " + bridgeID + ", from a CA that is not the test CA"
	case emulator.CertSelfSigned:
		return "CN " + bridgeID + ", self-signed"
	default:
		return "CN " + bridgeID + ", from the test CA"
	}
}

// pressOnEnter presses the link button on every line read from r.
func pressOnEnter(r io.Reader, b *emulator.Bridge, log zerolog.Logger) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		b.PressLinkButton()
		log.Info().Msg("link button pressed for 30 s")
	}
}

// loadEmulated builds the bridge from a dump (the built-in fixture when
// path is "") and says where it came from.
func loadEmulated(path string, latency time.Duration, rate int) (*emulator.Bridge, string, error) {
	dump, source := emulator.Fixture(), "the built-in fixture"
	if path != "" {
		var err error
		if dump, err = os.ReadFile(path); err != nil {
			return nil, "", &exitError{2, fmt.Errorf("--fixture: %w", err)}
		}
		source = path
	}
	b, err := emulator.New(dump, emulator.WithLatency(latency), emulator.WithRate(rate))
	if err != nil {
		return nil, "", &exitError{2, fmt.Errorf("--fixture %s: %w", source, err)}
	}
	return b, source, nil
}

// serveEmulated serves b on addr, which flag set.
func serveEmulated(b *emulator.Bridge, addr, flag string, opt emulator.ServeOptions) (*emulator.Server, error) {
	srv, err := emulator.StartMode(b, addr, opt)
	switch {
	case errors.Is(err, syscall.EADDRINUSE) && errors.Is(err, emulator.ErrStreamPort):
		_, port, _ := net.SplitHostPort(opt.StreamAddr)
		return nil, fmt.Errorf("UDP port %s (%s) is already in use by another program: pick another with --stream-port 0 (any free port), or name one", port, opt.StreamAddr)
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, portTaken(addr, flag, "another program")
	}
	return srv, err
}

// streamAddr is where the stream listens: the --listen host, as a real
// bridge streams on its own address, at port.
func streamAddr(listen string, port int) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// emulatorCert makes the certificate of kind for the bridge, from the test
// CA kept in dir, and returns it with the absolute path of the CA's
// certificate.
func emulatorCert(dir string, kind emulator.CertKind, bridgeID string) (tls.Certificate, string, error) {
	if dir == "" {
		dir = defaultCADir()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	ca, err := emulatorCA(dir)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("--ca-dir %s: %w", dir, err)
	}
	cert, err := ca.Cert(kind, bridgeID)
	return cert, filepath.Join(dir, caCertFile), err
}

// The test CA's files in --ca-dir. caLockFile exists while an emulator
// makes a new CA there, so emulators started at once agree on one.
const (
	caCertFile = "ca.pem"
	caKeyFile  = "ca-key.pem"
	caLockFile = "ca.lock"
)

// caWait is how long an emulator waits for another to finish making the
// CA before it calls the lock stale.
const caWait = 10 * time.Second

// defaultCADir keeps the CA in the user's cache directory, where it
// survives between runs (so a huegate told to trust it keeps trusting
// it), or in the temporary directory where there is no such directory.
func defaultCADir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "huegate-emulator")
}

// emulatorCA loads the CA kept in dir, or makes one there if it holds
// neither file.
func emulatorCA(dir string) (*emulator.CA, error) {
	certFile, keyFile, lockFile := filepath.Join(dir, caCertFile), filepath.Join(dir, caKeyFile), filepath.Join(dir, caLockFile)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(caWait)
	for {
		ca, loadErr := emulator.LoadCA(certFile, keyFile)
		if loadErr == nil {
			return ca, nil
		}
		if !exists(lockFile) && (exists(certFile) || exists(keyFile)) {
			// Nobody is making them: they are broken, unless another
			// emulator finished them between the load and the look.
			if ca, err := emulator.LoadCA(certFile, keyFile); err == nil {
				return ca, nil
			}
			return nil, fmt.Errorf("%w (remove %s and %s to make a new CA)", loadErr, caCertFile, caKeyFile)
		}
		lock, err := os.OpenFile(lockFile, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			lock.Close()
			defer os.Remove(lockFile)
			if ca, err := emulator.LoadCA(certFile, keyFile); err == nil {
				return ca, nil // made by another between our look and our lock
			}
			return makeCA(certFile, keyFile)
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s has been there for %v: another emulator is making the CA, or died doing it (then remove %s)", caLockFile, caWait, caLockFile)
		}
		time.Sleep(20 * time.Millisecond) // another emulator is writing the files
	}
}

func makeCA(certFile, keyFile string) (*emulator.CA, error) {
	ca, err := emulator.NewCA()
	if err != nil {
		return nil, err
	}
	return ca, ca.WriteFiles(certFile, keyFile)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// logChange logs each light's or group's new state, as commands land.
func logChange(log zerolog.Logger, b *emulator.Bridge) func(emulator.Change) {
	return func(c emulator.Change) {
		kind, id, _ := strings.Cut(strings.TrimPrefix(c.Resource, "/"), "/")
		switch kind {
		case "lights":
			if l, ok := b.Light(id); ok {
				log.Info().Str("light", id).Bool("on", l.On).Int("bri", l.Bri).Float64("brightness", l.Brightness).Msg("emulated light changed")
			}
		case "groups":
			if gr, ok := b.Group(id); ok {
				log.Info().Str("group", id).Bool("any_on", gr.AnyOn).Bool("all_on", gr.AllOn).Msg("emulated group changed")
			}
		}
	}
}

// portTaken is the one message for an address another program holds:
// which port, and the flag that picks another. Port 0 is any free port: a
// guess such as port+1 could be taken too.
func portTaken(addr, flag, who string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s is already in use by %s: pick another address with %s", addr, who, flag)
	}
	return fmt.Errorf("port %s (%s) is already in use by %s: pick another with %s %s (any free port), or name one",
		port, addr, who, flag, net.JoinHostPort(host, "0"))
}
