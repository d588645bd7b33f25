package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/huegate/huegate/internal/printable"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mapping"
	"github.com/spf13/cobra"
)

type lightsFlags struct {
	bridge string
	json   bool
}

func newLightsCmd(g *globals) *cobra.Command {
	var f lightsFlags
	cmd := &cobra.Command{
		Use:   "lights",
		Short: "List the bridge's lights, groups, scenes and entertainment areas, to copy names into mappings",
		Long: `Read the lights (id, name, slug, type, on, brightness, reachable), the groups
(rooms, zones: id, name, slug, type, member lights), the scenes of each
group and the entertainment areas (channels and their lights) live from the
bridge in the config file.

Names go into mappings as written, e.g. lights: ["Küche Decke", "Spot #1"];
names match exactly first, then ignoring case; ids work too. The slug is the
name as an MQTT topic level: lower case, spaces to "-", and "/", "+", "#",
"$" and control characters removed ("Spot #1" is spot-1); two names with the
same slug get "-<id>" appended.`,
		Example: `  huegate lights
  huegate lights --json | jq -r '.lights[] | select(.reachable) | .name'
  huegate lights --config /etc/huegate/config.yaml --bridge upstairs`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.lights(cmd.Context(), f)
		},
	}
	cmd.Flags().StringVar(&f.bridge, "bridge", "", "which bridge, when the config names several")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON instead of tables")
	return cmd
}

// listing is what `lights` prints, and its JSON form.
type listing struct {
	Bridge string         `json:"bridge"`
	Host   string         `json:"host"`
	URL    string         `json:"url"` // where it answered: https first
	API    string         `json:"api"` // "v1" or "v2" (CLIP v2)
	Lights []lightEntry   `json:"lights"`
	Groups []groupEntry   `json:"groups"`
	Scenes []sceneEntry   `json:"scenes"`
	Areas  []areaEntry    `json:"areas"` // entertainment areas, for a mapping's stream
	groups map[string]int // group id to index, for scene tables
}

type areaEntry struct {
	ID       string         `json:"id"`    // v2 id; "" on a bridge without CLIP v2
	IDv1     string         `json:"id_v1"` // the v1 group id
	Name     string         `json:"name"`
	Active   bool           `json:"active"` // some application streams to it now
	Channels []channelEntry `json:"channels"`
}

type channelEntry struct {
	Channel int      `json:"channel"`
	Lights  []string `json:"lights"`
}

type lightEntry struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Slug      string `json:"slug"`
	Type      string `json:"type"`
	On        bool   `json:"on"`
	Bri       *int   `json:"bri"` // null for lights without brightness (plugs)
	Reachable bool   `json:"reachable"`
}

type groupEntry struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Slug   string   `json:"slug"`
	Type   string   `json:"type"`
	Lights []string `json:"lights"`
}

type sceneEntry struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Group  string   `json:"group"` // "" for scenes of lights, not of a group
	Type   string   `json:"type"`
	Lights []string `json:"lights"`
}

func (g *globals) lights(ctx context.Context, f lightsFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, name, err := g.bridgeConfig(f.bridge)
	if err != nil {
		return err
	}
	if p := app.BridgeProblems(cfg); len(p) > 0 {
		return invalidConfig(cfg, p)
	}
	c, ok := app.Clients(cfg)[name]
	if !ok {
		return invalidConfig(cfg, config.Problems{cfg.BridgeKey(name) + ": cannot be reached with these keys"})
	}
	defer c.CloseIdle()
	l, err := readListing(ctx, c)
	if err != nil {
		if line := app.BridgeProblem(cfg, name, err); line != "" {
			return invalidConfig(cfg, config.Problems{line})
		}
		return fmt.Errorf("read the bridge at %s: %w", cfg.Bridges[name].Host, err)
	}
	l.Bridge, l.Host, l.URL = name, cfg.Bridges[name].Host, c.Base()
	if l.API, err = c.API(ctx); err != nil {
		return fmt.Errorf("read the bridge at %s: %w", cfg.Bridges[name].Host, err)
	}
	if f.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(l)
	}
	return l.print(g.stdout)
}

// bridgeConfig loads the config for commands that talk to one bridge. A
// config with problems elsewhere (a mapping being written) still serves, with
// a warning; the bridge's own keys must be right.
func (g *globals) bridgeConfig(want string) (*config.Config, string, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		cfg, err = g.loadConfigAnyway(err)
	}
	if err != nil {
		return nil, "", err
	}
	name := want
	if name == "" {
		if len(cfg.Bridges) != 1 {
			return nil, "", &exitError{2, fmt.Errorf("the config names several bridges (%s): choose one with --bridge", strings.Join(cfg.BridgeNames(), ", "))}
		}
		name = cfg.BridgeNames()[0]
	}
	if _, ok := cfg.Bridges[name]; !ok {
		return nil, "", &exitError{2, fmt.Errorf("no bridge named %q in the config (it has: %s)", name, strings.Join(cfg.BridgeNames(), ", "))}
	}
	// Only the chosen bridge is needed.
	cfg.Bridges = map[string]config.Bridge{name: cfg.Bridges[name]}
	return cfg, name, nil
}

// loadConfigAnyway reads the config again when it has problems, and goes on
// when they are outside the bridge sections.
func (g *globals) loadConfigAnyway(loadErr error) (*config.Config, error) {
	cfg, err := config.Load(g.configFile())
	var p config.Problems
	if !errors.As(err, &p) || cfg == nil {
		return nil, loadErr
	}
	for _, line := range p {
		if strings.HasPrefix(line, "bridge") || strings.HasPrefix(line, "not valid YAML") || strings.Contains(line, ": not valid YAML") {
			return nil, loadErr
		}
	}
	fmt.Fprintf(g.stderr, "warning: %s has %d problem(s) outside the bridge section (see `huegate validate`)\n", configName(cfg), len(p))
	return cfg, nil
}

func readListing(ctx context.Context, c *hue.Client) (*listing, error) {
	lights, err := c.Lights(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := c.Groups(ctx)
	if err != nil {
		return nil, err
	}
	scenes, err := c.Scenes(ctx)
	if err != nil {
		return nil, err
	}
	areas := hue.V1Areas(groups) // the groups just read say it all over v1
	if api, err := c.API(ctx); err != nil {
		return nil, err
	} else if api == hue.APIv2 {
		if areas, err = c.Areas(ctx); err != nil {
			return nil, err
		}
	}
	l := newListing(lights, groups, scenes)
	l.Areas = areaEntries(areas)
	return l, nil
}

func areaEntries(areas []hue.Area) []areaEntry {
	out := []areaEntry{}
	for _, a := range areas {
		e := areaEntry{ID: a.ID, IDv1: a.IDv1, Name: a.Name, Active: a.Active, Channels: []channelEntry{}}
		for _, ch := range a.Channels {
			e.Channels = append(e.Channels, channelEntry{Channel: int(ch.ID), Lights: orEmpty(ch.Lights)})
		}
		out = append(out, e)
	}
	return out
}

func newListing(lights []hue.Light, groups []hue.Group, scenes []hue.Scene) *listing {
	l := &listing{Lights: []lightEntry{}, Groups: []groupEntry{}, Scenes: []sceneEntry{}, Areas: []areaEntry{}, groups: map[string]int{}}
	var named []mapping.Named
	for _, x := range lights {
		named = append(named, mapping.Named{ID: x.ID, Name: x.Name})
	}
	slugs := mapping.Slugs(named)
	for _, x := range lights {
		e := lightEntry{ID: x.ID, Name: x.Name, Slug: slugs[x.ID], Type: x.Type, On: x.State.On, Reachable: x.State.Reachable}
		if x.State.Bri > 0 { // bri is 1..254; 0 means the light has none
			bri := int(x.State.Bri)
			e.Bri = &bri
		}
		l.Lights = append(l.Lights, e)
	}
	named = named[:0]
	for _, x := range groups {
		named = append(named, mapping.Named{ID: x.ID, Name: x.Name})
	}
	slugs = mapping.Slugs(named)
	for i, x := range groups {
		l.Groups = append(l.Groups, groupEntry{ID: x.ID, Name: x.Name, Slug: slugs[x.ID], Type: x.Type, Lights: orEmpty(x.Lights)})
		l.groups[x.ID] = i
	}
	for _, s := range scenes {
		l.Scenes = append(l.Scenes, sceneEntry{ID: s.ID, Name: s.Name, Group: s.Group, Type: s.Type, Lights: orEmpty(s.Lights)})
	}
	return l
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (l *listing) print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "LIGHTS")
	fmt.Fprintf(tw, "ID\tNAME\tSLUG\tTYPE\tON\tBRI\tREACHABLE\n")
	for _, x := range l.Lights {
		bri := "-"
		if x.Bri != nil {
			bri = fmt.Sprint(*x.Bri)
		}
		row(tw, x.ID, x.Name, x.Slug, x.Type, onOff(x.On), bri, yesNo(x.Reachable))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nGROUPS")
	fmt.Fprintf(tw, "ID\tNAME\tSLUG\tTYPE\tLIGHTS\n")
	for _, x := range l.Groups {
		row(tw, x.ID, x.Name, x.Slug, x.Type, strings.Join(x.Lights, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nSCENES")
	fmt.Fprintf(tw, "GROUP\tNAME\tID\tLIGHTS\n")
	for _, s := range l.scenesByGroup() {
		row(tw, l.groupName(s.Group), s.Name, s.ID, strings.Join(s.Lights, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := l.printAreas(w, tw); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nRead from %s over %s.\n", l.URL, apiName(l.API))
	return err
}

// printAreas lists the entertainment areas a mapping can stream to, each
// channel with its lights ("0:3 1:5,6").
func (l *listing) printAreas(w io.Writer, tw *tabwriter.Writer) error {
	fmt.Fprintln(w, "\nENTERTAINMENT AREAS (a mapping streams to one with stream: \"<name>\")")
	fmt.Fprintf(tw, "NAME\tID\tSTATUS\tCHANNELS:LIGHTS\n")
	for _, a := range l.Areas {
		id, status := a.ID, "idle"
		if id == "" {
			id, status = a.IDv1, "no CLIP v2: REST only"
		} else if a.Active {
			status = "streaming"
		}
		var chs []string
		for _, ch := range a.Channels {
			chs = append(chs, fmt.Sprintf("%d:%s", ch.Channel, strings.Join(ch.Lights, ",")))
		}
		row(tw, a.Name, id, status, strings.Join(chs, " "))
	}
	return tw.Flush()
}

func apiName(api string) string {
	if api == "v2" {
		return "CLIP v2"
	}
	return "the v1 API"
}

// scenesByGroup lists scenes in the order of the groups table; scenes of
// lights (no group) come last.
func (l *listing) scenesByGroup() []sceneEntry {
	out := append([]sceneEntry(nil), l.Scenes...)
	rank := func(s sceneEntry) int {
		if i, ok := l.groups[s.Group]; ok {
			return i
		}
		return len(l.groups)
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

func (l *listing) groupName(id string) string {
	if i, ok := l.groups[id]; ok {
		return l.Groups[i].Name
	}
	if id == "" {
		return "(lights)"
	}
	return "group " + id
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// row writes one table row. Its cells come from the bridge (names, types)
// or the network: a control character in one is shown escaped, never
// obeyed by the terminal, and a tab or line break cannot shift the table.
func row(w io.Writer, cells ...string) {
	for i, c := range cells {
		cells[i] = printable.Text(c)
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}
