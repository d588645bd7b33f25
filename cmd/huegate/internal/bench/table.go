package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the rows as a JSON array.
func WriteJSON(w io.Writer, rows []Row) error {
	if rows == nil {
		rows = []Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

var columns = []string{
	"scenario", "mode", "messages", "bridge_commands", "http_429", "max_commands_per_second",
	"finals_correct", "finals_total", "last_value_latency_p50_ms", "last_value_latency_p99_ms",
	"lower_bound_ms", "ingest_msgs_per_s", "cpu_seconds", "peak_rss_mb", "allocs_per_msg",
	"stream_frames", "rest_while_streaming", "lifecycle_commands",
}

// WriteTable writes the rows as an aligned table. "lost" is a latency
// percentile that fell on a final value that never arrived; "-" is a figure
// that does not apply or could not be measured here.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(columns, "\t")+"\t")
	for _, r := range rows {
		lat := func(v *float64) string {
			if v == nil && r.FinalsTotal > 0 {
				return "lost"
			}
			return opt(v, 1)
		}
		cells := []string{
			r.Scenario, r.Mode, strconv.Itoa(r.Messages), strconv.Itoa(r.BridgeCommands), strconv.Itoa(r.HTTP429),
			strconv.Itoa(r.MaxCommandsPerSecond), strconv.Itoa(r.FinalsCorrect), strconv.Itoa(r.FinalsTotal),
			lat(r.LatencyP50), lat(r.LatencyP99), opt(r.LowerBound, 0), strconv.FormatFloat(r.IngestPerSecond, 'f', 0, 64),
			opt(r.CPUSeconds, 2), opt(r.PeakRSSMB, 1), strconv.FormatFloat(r.AllocsPerMsg, 'f', 2, 64),
			optInt(r.StreamFrames), optInt(r.RESTWhileStreaming), optInt(r.LifecycleCommands),
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	return tw.Flush()
}

func opt(v *float64, digits int) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', digits, 64)
}

func optInt(v *int) string {
	if v == nil {
		return "-"
	}
	return strconv.Itoa(*v)
}

// WriteChecks writes one line per bar, and says how many were missed.
func WriteChecks(w io.Writer, cs []Check) (missed int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range cs {
		verdict := "ok"
		if !c.OK {
			verdict, missed = "MISSED", missed+1
		}
		where := c.Scenario
		if where == "" {
			where = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", verdict, where, c.Bar, c.Got, c.Want)
	}
	_ = tw.Flush()
	return missed
}
