package hue

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// FuzzV2Answer feeds arbitrary bytes to everything that reads a CLIP v2
// answer: the decoders of every resource, what builds lights, groups and
// scenes from them, and the error mapping. Nothing may panic, what comes out
// stays within the v1 ranges, and every error is one a caller can classify.
func FuzzV2Answer(f *testing.F) {
	for _, s := range []string{v2Lights, v2Devices, v2Zigbees, v2Rooms, v2Zones, v2GroupedLights, v2Scenes, v2Bridges,
		`{"errors":[{"description":"unauthorized user"}],"data":[]}`, `{"data":null}`, `{"data":[{"dimming":{"brightness":1e300}}]}`, ``, `null`} {
		f.Add([]byte(s))
	}
	// Real event batches carry the same resource shapes in the same envelope.
	if data, err := os.ReadFile("../../shared/hue-fixtures/v2-eventstream/openhab-event.json"); err == nil {
		var batches []json.RawMessage
		if json.Unmarshal(data, &batches) == nil {
			for _, b := range batches {
				f.Add([]byte(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		lights, err := decodeV2[v2Light](body)
		checkV2Decode(t, err)
		devices, err := decodeV2[v2Device](body)
		checkV2Decode(t, err)
		zbs, err := decodeV2[v2Zigbee](body)
		checkV2Decode(t, err)
		groups, err := decodeV2[v2Group](body)
		checkV2Decode(t, err)
		gls, err := decodeV2[v2GroupedLight](body)
		checkV2Decode(t, err)
		scenes, err := decodeV2[v2Scene](body)
		checkV2Decode(t, err)
		_, err = decodeV2[v2Bridge](body)
		checkV2Decode(t, err)
		_, err = decodeV2[v2Base](body)
		checkV2Decode(t, err)

		for _, l := range lightsFrom(lights, devices, zbs) {
			checkV2State(t, l.State)
			if l.ID == "" {
				t.Fatalf("light without id: %+v", l)
			}
		}
		gs, ids := groupsFrom(groups, gls, lights, devices)
		for _, g := range gs {
			checkV2State(t, g.Action)
			if g.ID == "" || g.Lights == nil {
				t.Fatalf("group %+v", g)
			}
		}
		ss, sids := scenesFrom(scenes, groups)
		for _, s := range ss {
			if s.ID == "" {
				t.Fatalf("scene %+v", s)
			}
		}
		for _, m := range []map[string]string{ids, sids} {
			for id, rid := range m {
				if id == "" || rid == "" {
					t.Fatalf("id map %q -> %q", id, rid)
				}
			}
		}

		for _, code := range []int{200, 207, 400, 401, 403, 404, 405, 418, 429, 500, 503} {
			err := v2StatusError(code, body)
			if (err == nil) != (code == 200) {
				t.Fatalf("HTTP %d: %v", code, err)
			}
			if err == nil {
				continue
			}
			var api *APIError
			var st *StatusError
			if !errors.As(err, &api) && !errors.As(err, &st) {
				t.Fatalf("HTTP %d: %v (%T) is neither a bridge error nor a status", code, err, err)
			}
			if Retryable(err) != (code == 429 || code >= 500) {
				t.Fatalf("HTTP %d: retryable %v", code, Retryable(err))
			}
			if len(err.Error()) > 1000 {
				t.Fatalf("HTTP %d: error text of %d bytes", code, len(err.Error()))
			}
		}
	})
}

func checkV2Decode(t *testing.T, err error) {
	if err != nil && !errors.Is(err, ErrMalformed) {
		t.Fatalf("decode error %v is not ErrMalformed", err)
	}
}

func checkV2State(t *testing.T, st LightState) {
	if st.Brightness < 0 || st.Brightness > 100 || st.Bri > 254 || st.Bri == 0 && st.Brightness != 0 {
		t.Fatalf("brightness %v, bri %d", st.Brightness, st.Bri)
	}
	for _, v := range st.XY {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("xy %v", st.XY)
		}
	}
}
