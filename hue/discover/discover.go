package discover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huegate/huegate/hue"
)

// Bridge is a bridge found on the network.
type Bridge struct {
	Host   string // what to give `huegate pair --host`: an IP, or IP:port for another port (https first either way)
	ID     string // bridge id as announced (mDNS TXT bridgeid, or the cloud's id)
	Model  string // model as announced (mDNS TXT modelid)
	Source string // "mdns" or "cloud"
	Info   hue.BridgeInfo
	Err    error // why the bridge could not be described; the host may still be right
}

// hostFor is the bridge.host for an address and the port a bridge announced.
// Bridges announce 443 (https; older ones also serve http on 80). A host
// without a scheme means https first to huegate, so none is written: the
// same line works for a Bridge Pro (https only) and an old bridge.
func hostFor(ip net.IP, port int) string {
	addr := ip.String()
	if ip.To4() == nil {
		addr = "[" + addr + "]"
	}
	switch port {
	case 0, 80, 443:
		return addr
	}
	return addr + ":" + strconv.Itoa(port)
}

// Describe asks every bridge for its public description, all at once, each
// for at most timeout. Only public facts are asked for, so a self-signed
// certificate is read and pinned for the request, as pairing will.
func Describe(ctx context.Context, bridges []Bridge, timeout time.Duration) {
	var wg sync.WaitGroup
	for i := range bridges {
		wg.Go(func() {
			b := &bridges[i]
			b.Info, b.Err = describe(ctx, b.Host, timeout)
		})
	}
	wg.Wait()
}

func describe(ctx context.Context, host string, timeout time.Duration) (hue.BridgeInfo, error) {
	info, err := publicConfig(ctx, hue.Config{Host: host, Timeout: timeout, MaxConns: 1})
	var ce *hue.CertError
	if !errors.As(err, &ce) || ce.Problem != hue.CertSelfSigned {
		return info, err
	}
	fp, err := hue.PeerFingerprint(ctx, host, timeout)
	if err != nil {
		return hue.BridgeInfo{}, err
	}
	return publicConfig(ctx, hue.Config{Host: host, CertSHA256: fp, Timeout: timeout, MaxConns: 1})
}

func publicConfig(ctx context.Context, cfg hue.Config) (hue.BridgeInfo, error) {
	c, err := hue.New(cfg)
	if err != nil {
		return hue.BridgeInfo{}, err
	}
	defer c.CloseIdle()
	return c.PublicConfig(ctx)
}

// merge keeps one entry per host, the first seen, and orders them by host.
func merge(lists ...[]Bridge) []Bridge {
	var out []Bridge
	seen := map[string]bool{}
	for _, l := range lists {
		for _, b := range l {
			if !seen[b.Host] {
				seen[b.Host] = true
				out = append(out, b)
			}
		}
	}
	slices.SortFunc(out, func(a, b Bridge) int { return strings.Compare(a.Host, b.Host) })
	return out
}

// Options bounds and directs a search.
type Options struct {
	Timeout   time.Duration  // the whole search; default 5 s
	Service   string         // mDNS service; default Service (tests use their own)
	Interface *net.Interface // for mDNS; nil is the system's choice
	CloudURL  string         // "" skips the cloud fallback
	Log       func(string)   // the mDNS library's log lines; nil drops them
}

// MDNSWait is how long Find listens for mDNS answers. They come within a
// second on a quiet network; the rest of the timeout is kept for asking
// each bridge (a second) and, when set, the cloud (40 % of it).
func (o Options) MDNSWait() time.Duration {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.CloudURL != "" {
		return o.Timeout * 3 / 5
	}
	return max(o.Timeout-time.Second, o.Timeout*3/5)
}

// Find looks for bridges over mDNS for most of the timeout. When none
// answers and CloudURL is set, it asks the cloud in the time left. Every
// bridge found is then described. When nothing is found, the error says
// why mDNS could not run or the cloud failed, if either did.
func Find(ctx context.Context, o Options) ([]Bridge, error) {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Service == "" {
		o.Service = Service
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	found, mdnsErr := MDNS(ctx, o.Service, o.Interface, o.MDNSWait(), o.Log)
	var cloudErr error
	if len(found) == 0 && o.CloudURL != "" {
		found, cloudErr = Cloud(ctx, o.CloudURL)
	}
	found = merge(found)
	Describe(ctx, found, time.Until(deadline))
	if len(found) > 0 {
		return found, nil
	}
	return nil, errors.Join(mdnsErr, cloudErr)
}

// hostOf reads the host and port out of what a cloud entry gives.
func hostOf(addr string, port int) (string, error) {
	ip := net.ParseIP(strings.TrimSpace(addr))
	if ip == nil {
		return "", fmt.Errorf("%q is not an IP address", addr)
	}
	return hostFor(ip, port), nil
}
