package acceptance

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hueemu "github.com/huegate/huegate/hue/emulator"
)

// The suite runs against one kind of bridge, as `huegate emulate --mode`
// serves it: HUEGATE_TEST_BRIDGE=old (plain http, v1 only), gen2 (http and
// https, CLIP v2 on https; the default) or pro (https only). `make test`
// runs it in each. huegate is given the address without a scheme, as
// `huegate discover` prints it, so it picks https, or http on the old
// bridge, by itself.
func bridgeMode() string {
	if m := os.Getenv("HUEGATE_TEST_BRIDGE"); m != "" {
		return m
	}
	return "gen2"
}

// fixtureBridgeID is the id of the fixture's bridge, the common name its
// certificate carries.
const fixtureBridgeID = "001788fffe123456"

// secure reports whether the suite's bridge speaks https.
func secure() bool { return bridgeMode() != "old" }

// v2 reports whether huegate talks CLIP v2 to the suite's bridge.
func v2() bool { return secure() }

// proxyTLS is the certificate the recording proxy shows huegate: issued by
// the emulator's test CA (kept in caDir) for the bridge id, as the bridge
// itself would show. nil for the old bridge.
func proxyTLS(t *testing.T, caDir, bridgeID string) *tls.Config {
	t.Helper()
	ca, err := hueemu.LoadCA(filepath.Join(caDir, "ca.pem"), filepath.Join(caDir, "ca-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(bridgeID)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

// v2Names maps CLIP v2 resource ids to the v1 addresses they stand for,
// so a v2 request can be recorded as the v1 request it means and the
// suite's expectations hold for every kind of bridge.
type v2Names struct {
	v1         map[string]string // v2 id -> "/lights/3", "/groups/2", "/scenes/abc"
	sceneGroup map[string]string // v2 scene id -> v1 group id
}

// readV2Names asks the emulator for its v2 resources, past the proxy.
func readV2Names(t *testing.T, base, key string) *v2Names {
	t.Helper()
	n := &v2Names{v1: map[string]string{}, sceneGroup: map[string]string{}}
	client := &http.Client{Transport: &http.Transport{
		// The hop from the test to the emulator; huegate's own hop is verified.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
	defer client.CloseIdleConnections()
	type ref struct {
		RID string `json:"rid"`
	}
	type resource struct {
		ID    string `json:"id"`
		IDv1  string `json:"id_v1"`
		Group *ref   `json:"group"`
	}
	scenes := map[string]string{} // scene id -> group's v2 id
	for _, typ := range []string{"light", "grouped_light", "scene", "room", "zone"} {
		var body struct {
			Data []resource `json:"data"`
		}
		getJSON(t, client, base+"/clip/v2/resource/"+typ, key, &body)
		for _, r := range body.Data {
			n.v1[r.ID] = r.IDv1
			if typ == "scene" && r.Group != nil {
				scenes[r.ID] = r.Group.RID
			}
		}
	}
	for scene, group := range scenes {
		n.sceneGroup[scene] = strings.TrimPrefix(n.v1[group], "/groups/")
	}
	return n
}

func getJSON(t *testing.T, client *http.Client, url, key string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("hue-application-key", key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, v) != nil {
		t.Fatalf("GET %s: %s %s", url, resp.Status, data)
	}
}

// asV1 is the v1 request a CLIP v2 request stands for: reads of lights,
// groups (the grouped_light read), scenes and the bridge as the v1 reads,
// commands as v1 commands with the body in v1 terms. Other requests are
// kept as they came.
func (n *v2Names) asV1(key, method, path string, body []byte) (string, []byte) {
	rest, ok := strings.CutPrefix(path, "/clip/v2/resource/")
	if !ok {
		return path, body
	}
	typ, id, _ := strings.Cut(rest, "/")
	if method == http.MethodGet && id == "" {
		if v1, ok := map[string]string{"light": "/lights", "grouped_light": "/groups", "scene": "/scenes", "bridge": "/config"}[typ]; ok {
			return "/api/" + key + v1, body
		}
		return path, body
	}
	if method != http.MethodPut || n.v1[id] == "" {
		return path, body
	}
	switch typ {
	case "light":
		return "/api/" + key + n.v1[id] + "/state", v1Body(body, "")
	case "grouped_light":
		return "/api/" + key + n.v1[id] + "/action", v1Body(body, "")
	case "scene":
		return "/api/" + key + "/groups/" + n.sceneGroup[id] + "/action", v1Body(body, strings.TrimPrefix(n.v1[id], "/scenes/"))
	}
	return path, body
}

// v1Body writes a v2 command body as the v1 body it means: brightness in
// percent back on the 254-step scale, duration in 100 ms steps.
func v1Body(body []byte, scene string) []byte {
	var c struct {
		On       *struct{ On bool }                   `json:"on"`
		Dimming  *struct{ Brightness float64 }        `json:"dimming"`
		Color    *struct{ XY struct{ X, Y float64 } } `json:"color"`
		CT       *struct{ Mirek int }                 `json:"color_temperature"`
		Dynamics *struct{ Duration int }              `json:"dynamics"`
	}
	if json.Unmarshal(body, &c) != nil {
		return body
	}
	out := map[string]any{}
	if c.On != nil {
		out["on"] = c.On.On
	}
	if c.Dimming != nil {
		out["bri"] = max(1, min(254, int(math.Round(c.Dimming.Brightness*254/100))))
	}
	if c.Color != nil {
		out["xy"] = []float64{c.Color.XY.X, c.Color.XY.Y}
	}
	if c.CT != nil {
		out["ct"] = c.CT.Mirek
	}
	if c.Dynamics != nil {
		out["transitiontime"] = c.Dynamics.Duration / 100
	}
	if scene != "" {
		out["scene"] = scene
	}
	data, _ := json.Marshal(out)
	return data
}
