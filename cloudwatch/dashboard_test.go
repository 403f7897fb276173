package cloudwatch

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

// dashboardFixture simulates 6 hours of a web tier: a diurnal request rate
// split over two target groups, CPU following it, and a CPU alarm.
func dashboardFixture(t testing.TB) (*CloudWatch, Dashboard) {
	s, cw := newTestCW(t, noDelay)
	lb := []Dimension{{"LoadBalancer", "app/web/50dc6c495c0c9188"}}
	tgA := []Dimension{{"TargetGroup", "targetgroup/blue/1"}, lb[0]}
	tgB := []Dimension{{"TargetGroup", "targetgroup/green/2"}, lb[0]}
	r := s.Stream("cloudwatch/test/load")
	cpu := cw.Series("AWS/EC2", "CPUUtilization", cpuDims, UnitPercent)
	lat := cw.Series("AWS/ApplicationELB", "TargetResponseTime", lb, UnitSeconds)
	s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		ts := now - sim.Time(time.Minute)
		h := ts.Seconds() / 3600
		rate := 1000 + 800*math.Sin(h/6*math.Pi)
		cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "RequestCount", Dimensions: tgA, Timestamp: ts, Value: math.Round(rate * 0.6), Unit: UnitCount})
		cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "RequestCount", Dimensions: tgB, Timestamp: ts, Value: math.Round(rate * 0.4), Unit: UnitCount})
		cpu.Put(ts, 20+rate/30+5*r.Float64())
		for range 50 {
			lat.Put(ts, 0.02+0.01*r.ExpFloat64())
		}
	})
	alarm, err := cw.PutMetricAlarm(cpuAlarm("cpu-high", 3, 3))
	require.NoError(t, err)
	s.RunUntil(sim.Time(6 * time.Hour))
	req := func(id string, dims []Dimension) MetricDataQuery {
		return MetricDataQuery{ID: id, MetricStat: &MetricStat{Metric: Metric{"AWS/ApplicationELB", "RequestCount", dims}, Period: 300, Stat: Sum},
			Label: dims[0].Value}
	}
	d := Dashboard{Name: "web", Start: 0, End: sim.Time(6 * time.Hour), Widgets: []Widget{
		{Title: "CPU utilization", Alarms: []*Alarm{alarm}, Queries: []MetricDataQuery{
			{ID: "cpu", MetricStat: &MetricStat{Metric: Metric{"AWS/EC2", "CPUUtilization", cpuDims}, Period: 60, Stat: Average}, Label: "web ASG average"},
		}},
		{Title: "Requests by target group", Stacked: true, YLabel: "Count per 5 minutes", Queries: []MetricDataQuery{req("blue", tgA), req("green", tgB)}},
		{Title: "Target response time", YLabel: "Seconds", Queries: []MetricDataQuery{
			{ID: "p50", MetricStat: &MetricStat{Metric: Metric{"AWS/ApplicationELB", "TargetResponseTime", lb}, Period: 300, Stat: "p50"}, Label: "p50"},
			{ID: "p99", MetricStat: &MetricStat{Metric: Metric{"AWS/ApplicationELB", "TargetResponseTime", lb}, Period: 300, Stat: "p99"}, Label: "p99"},
		}},
		{Title: "Requests (last 5 minutes)", View: ViewSingleValue, Queries: []MetricDataQuery{
			req("a", tgA), req("b", tgB), {ID: "total", Expression: "a + b", Label: "total"}}},
	}}
	return cw, d
}

// TestDashboardSVG checks the SVG's structure: every title, axis label,
// legend entry and wall-clock date tick is there, and rendering is
// deterministic. Set NIMBUS_WRITE_DASHBOARD=dir to write SVG and PNG files
// to look at.
func TestDashboardSVG(t *testing.T) {
	cw, d := dashboardFixture(t)
	var a, b bytes.Buffer
	require.NoError(t, cw.RenderDashboard(d, &a, FormatSVG))
	require.NoError(t, cw.RenderDashboard(d, &b, FormatSVG))
	assert.Equal(t, a.Bytes(), b.Bytes(), "rendering is deterministic")

	var texts []string
	dec := xml.NewDecoder(bytes.NewReader(a.Bytes()))
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "well-formed SVG")
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(tok)))
			}
		case xml.EndElement:
			inText = false
		}
	}
	for _, want := range []string{"CPU utilization", "Requests by target group", "Target response time",
		"Requests (last 5 minutes)", "Time (UTC), Thu 1 Jan 2026", "Percent", "Count per 5 minutes", "Seconds", "web ASG average",
		"cpu-high", "targetgroup/blue/1", "targetgroup/green/2", "p50", "p99",
		"00:00", "03:00", "06:00"} { // wall-clock ticks from the 2026-01-01 epoch
		assert.Contains(t, texts, want)
	}
	// The single-value widget shows the last 5-minute sums.
	var total string
	for _, s := range texts {
		if strings.HasPrefix(s, "total: ") {
			total = s
		}
	}
	// Minutes 355..359: rate = 1000 + 800 sin(h/6·π), summed over the five
	// minutes with 60/40 rounding per target group.
	want := 0.0
	for m := 355; m < 360; m++ {
		rate := 1000 + 800*math.Sin(float64(m)/60/6*math.Pi)
		want += math.Round(rate*0.6) + math.Round(rate*0.4)
	}
	assert.Equal(t, "total: "+strconv.FormatFloat(want, 'g', 4, 64)+" Count", total)

	if dir := os.Getenv("NIMBUS_WRITE_DASHBOARD"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "dashboard.svg"), a.Bytes(), 0o644))
		var png bytes.Buffer
		require.NoError(t, cw.RenderDashboard(d, &png, FormatPNG))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "dashboard.png"), png.Bytes(), 0o644))
	}
}

func TestDashboardPNG(t *testing.T) {
	cw, d := dashboardFixture(t)
	var png bytes.Buffer
	require.NoError(t, cw.RenderDashboard(d, &png, FormatPNG))
	assert.Equal(t, "\x89PNG\r\n\x1a\n", png.String()[:8])
	assert.ErrorIs(t, cw.RenderDashboard(d, &png, "gif"), ErrInvalidParameter)
	d.Widgets[0].Queries[0].MetricStat.Period = 7
	assert.ErrorIs(t, cw.RenderDashboard(d, &png, FormatPNG), ErrInvalidParameter)
	d.Widgets[0].Queries[0].MetricStat.Period = 60
	d.Widgets[0].Alarms = append(d.Widgets[0].Alarms, nil)
	err := cw.RenderDashboard(d, &png, FormatSVG)
	assert.ErrorIs(t, err, ErrInvalidParameter)
	assert.ErrorContains(t, err, "nil alarm")
}

func TestWriteCSV(t *testing.T) {
	_, cw := newTestCW(t, noDelay)
	res := []MetricDataResult{
		{Label: "a", Timestamps: []sim.Time{0, sim.Time(time.Minute)}, Values: []float64{1.5, 2}},
		{Label: "b,c", Timestamps: []sim.Time{sim.Time(time.Minute), sim.Time(2 * time.Minute)}, Values: []float64{3, 1e-7}},
	}
	var buf bytes.Buffer
	require.NoError(t, cw.WriteCSV(&buf, res))
	assert.Equal(t, "timestamp,a,\"b,c\"\n2026-01-01T00:00:00Z,1.5,\n2026-01-01T00:01:00Z,2,3\n2026-01-01T00:02:00Z,,1e-07\n", buf.String())
}
