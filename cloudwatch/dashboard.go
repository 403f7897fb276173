package cloudwatch

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/nimbus-sim/nimbus/sim"
)

// WidgetView is how a metric widget shows its queries.
type WidgetView string

// The widget views.
const (
	// ViewTimeSeries draws one line per query over time (the default).
	ViewTimeSeries WidgetView = "timeSeries"
	// ViewSingleValue shows each query's latest value in large text.
	ViewSingleValue WidgetView = "singleValue"
)

// Annotation is a horizontal line across a time-series widget, such as an
// alarm threshold.
type Annotation struct {
	// Label names the line in the legend.
	Label string
	// Value is where the line is drawn, in the widget's unit.
	Value float64
}

// Widget is one panel of a dashboard.
type Widget struct {
	// Title is shown above the widget.
	Title string
	// View is ViewTimeSeries (default) or ViewSingleValue.
	View WidgetView
	// Stacked draws a time series as stacked areas instead of lines.
	Stacked bool
	// Queries are the metrics and expressions to show (Hidden ones are
	// computed but not drawn).
	Queries []MetricDataQuery
	// Annotations are horizontal lines.
	Annotations []Annotation
	// Alarms adds each alarm's threshold as a line named after the alarm.
	Alarms []*Alarm
	// YLabel labels the value axis; the default is the first metric's unit.
	YLabel string
}

// Dashboard is a grid of widgets over one time range.
type Dashboard struct {
	// Name identifies the dashboard in errors.
	Name string
	// Start and End bound every widget's queries.
	Start, End sim.Time
	// Columns is the number of widgets per row; default 2.
	Columns int
	// WidgetWidth and WidgetHeight size each widget; defaults 16 cm × 9 cm.
	WidgetWidth, WidgetHeight vg.Length
	// Widgets are laid out left to right, top to bottom.
	Widgets []Widget
}

// Render formats.
const (
	FormatPNG = "png"
	FormatSVG = "svg"
)

// RenderDashboard runs the dashboard's queries and writes it as a PNG or
// SVG image (format FormatPNG or FormatSVG). The time axis shows wall-clock
// dates in the run's epoch location.
func (cw *CloudWatch) RenderDashboard(d Dashboard, w io.Writer, format string) error {
	if len(d.Widgets) == 0 {
		return fmt.Errorf("cloudwatch: dashboard %q: no widgets: %w", d.Name, ErrInvalidParameter)
	}
	cols := d.Columns
	if cols <= 0 {
		cols = 2
	}
	cols = min(cols, len(d.Widgets))
	rows := (len(d.Widgets) + cols - 1) / cols
	ww, wh := d.WidgetWidth, d.WidgetHeight
	if ww <= 0 {
		ww = 16 * vg.Centimeter
	}
	if wh <= 0 {
		wh = 9 * vg.Centimeter
	}
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for i, wd := range d.Widgets {
		p, err := cw.widgetPlot(d, wd)
		if err != nil {
			return fmt.Errorf("cloudwatch: dashboard %q: widget %d %q: %w", d.Name, i, wd.Title, err)
		}
		plots[i/cols][i%cols] = p
	}
	width, height := ww*vg.Length(cols), wh*vg.Length(rows)
	var canvas vg.CanvasWriterTo
	switch format {
	case FormatPNG:
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96),
			vgimg.UseBackgroundColor(color.White))}
	case FormatSVG:
		canvas = vgsvg.New(width, height)
	default:
		return fmt.Errorf("cloudwatch: dashboard %q: format %q, want png or svg: %w", d.Name, format, ErrInvalidParameter)
	}
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for c, p := range plots[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	_, err := canvas.WriteTo(w)
	return err
}

// palette is the line colours, CloudWatch-like.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0x94, 0x67, 0xbd, 0xff},
	{0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

var alarmRed = color.RGBA{0xd6, 0x27, 0x28, 0xff}

func (cw *CloudWatch) widgetPlot(d Dashboard, wd Widget) (*plot.Plot, error) {
	res, err := cw.GetMetricData(GetMetricDataInput{Queries: wd.Queries, StartTime: d.Start, EndTime: d.End})
	if err != nil {
		return nil, err
	}
	p := plot.New()
	p.Title.Text = wd.Title
	unit := wd.YLabel
	if unit == "" {
		unit = cw.firstUnit(wd.Queries)
	}
	if wd.View == ViewSingleValue {
		return cw.singleValue(p, res, unit), nil
	}
	if wd.View != "" && wd.View != ViewTimeSeries {
		return nil, fmt.Errorf("view %q, want timeSeries or singleValue: %w", wd.View, ErrInvalidParameter)
	}
	loc := cw.s.Epoch().Location()
	p.X.Label.Text = "Time (" + cw.s.Wall(d.Start).Format("MST") + ")"
	if first, last := cw.s.Wall(d.Start), cw.s.Wall(d.End-1); first.YearDay() == last.YearDay() && first.Year() == last.Year() {
		// Ticks show only the time of day: put the date in the label.
		p.X.Label.Text += ", " + first.Format("Mon 2 Jan 2006")
	}
	p.Y.Label.Text = unit
	p.X.Tick.Marker = timeTicker{loc: loc}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	xOf := func(t sim.Time) float64 { return float64(cw.s.Wall(t).UnixNano()) / 1e9 }
	p.X.Min, p.X.Max = xOf(d.Start), xOf(d.End)
	if wd.Stacked {
		if err := addStacked(p, res, xOf); err != nil {
			return nil, err
		}
	} else {
		for i, r := range res {
			xys := make(plotter.XYs, len(r.Timestamps))
			for k, t := range r.Timestamps {
				xys[k] = plotter.XY{X: xOf(t), Y: r.Values[k]}
			}
			if len(xys) == 0 {
				continue
			}
			l, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			l.Color = palette[i%len(palette)]
			l.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(r.Label, l)
		}
	}
	notes := slices.Clone(wd.Annotations)
	for _, a := range wd.Alarms {
		if a == nil {
			return nil, fmt.Errorf("nil alarm: %w", ErrInvalidParameter)
		}
		notes = append(notes, Annotation{Label: a.Name(), Value: a.Threshold()})
	}
	for _, n := range notes {
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: n.Value}, {X: p.X.Max, Y: n.Value}})
		if err != nil {
			return nil, err
		}
		l.Color = alarmRed
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(n.Label, l)
		p.Y.Min, p.Y.Max = min(p.Y.Min, n.Value), max(p.Y.Max, n.Value*1.05)
	}
	switch {
	case p.Y.Min > p.Y.Max: // no data
		p.Y.Min, p.Y.Max = 0, 1
	case p.Y.Min > 0:
		p.Y.Min = 0 // CloudWatch graphs start the value axis at zero
	}
	if p.Y.Max > 0 {
		p.Y.Max *= 1.2 // headroom for the legend
	}
	return p, nil
}

// addStacked draws the results as stacked areas on the union of their
// timestamps (a missing value counts as 0), the top band first so that each
// lower band paints over it.
func addStacked(p *plot.Plot, res []MetricDataResult, xOf func(sim.Time) float64) error {
	var ts []sim.Time
	for _, r := range res {
		ts = append(ts, r.Timestamps...)
	}
	slices.Sort(ts)
	ts = slices.Compact(ts)
	if len(ts) == 0 {
		return nil
	}
	cum := make([][]float64, len(res))
	for i, r := range res {
		cum[i] = make([]float64, len(ts))
		for k, t := range r.Timestamps {
			j, _ := slices.BinarySearch(ts, t)
			cum[i][j] = r.Values[k]
		}
		if i > 0 {
			for j := range ts {
				cum[i][j] += cum[i-1][j]
			}
		}
	}
	lines := make([]*plotter.Line, len(res))
	for i := len(res) - 1; i >= 0; i-- {
		xys := make(plotter.XYs, len(ts))
		for j, t := range ts {
			xys[j] = plotter.XY{X: xOf(t), Y: cum[i][j]}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		c := palette[i%len(palette)]
		l.Color = c
		l.FillColor = color.RGBA{c.R, c.G, c.B, 0xff}
		p.Add(l)
		lines[i] = l
	}
	for i, r := range res {
		p.Legend.Add(r.Label, lines[i])
	}
	return nil
}

// singleValue shows each result's latest value as large text.
func (cw *CloudWatch) singleValue(p *plot.Plot, res []MetricDataResult, unit string) *plot.Plot {
	p.HideAxes()
	var xys plotter.XYs
	var labels []string
	for i, r := range res {
		text := r.Label + ": no data"
		if n := len(r.Values); n > 0 {
			text = r.Label + ": " + strconv.FormatFloat(r.Values[n-1], 'g', 4, 64)
			if unit != "" && unit != string(UnitNone) {
				text += " " + unit
			}
		}
		xys = append(xys, plotter.XY{X: 0.5, Y: float64(len(res) - i)})
		labels = append(labels, text)
	}
	if len(xys) == 0 {
		return p
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
	if err != nil {
		return p
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Size = vg.Points(20)
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].Color = palette[i%len(palette)]
	}
	p.Add(l)
	p.X.Min, p.X.Max = 0, 1
	p.Y.Min, p.Y.Max = 0, float64(len(res)+1)
	return p
}

// firstUnit returns the unit of the first stored metric the queries read.
func (cw *CloudWatch) firstUnit(qs []MetricDataQuery) string {
	for _, q := range qs {
		if ms := q.MetricStat; ms != nil {
			if ms.Unit != "" {
				return string(ms.Unit)
			}
			if s := cw.lookup(ms.Metric.Namespace, ms.Metric.MetricName, ms.Metric.Dimensions, "", false, false); s != nil {
				return string(s.unit)
			}
		}
	}
	return ""
}

// timeTicker places ticks on round wall-clock instants (minutes, hours,
// days) in loc and labels them with dates when the range spans days.
type timeTicker struct{ loc *time.Location }

var tickSteps = []time.Duration{
	time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute,
	15 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, day,
	2 * day, 7 * day, 14 * day, 30 * day,
}

// Ticks implements plot.Ticker for values in Unix seconds.
func (tt timeTicker) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	span := time.Duration((hi - lo) * 1e9)
	// A range that ends at the next midnight still lies within one day.
	multiDay := span > day || time.Unix(0, int64(lo*1e9)).In(tt.loc).Day() != time.Unix(0, int64(hi*1e9)-1).In(tt.loc).Day()
	most := time.Duration(8)
	if multiDay {
		most = 5 // date-and-time labels are twice as wide
	}
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if span/s <= most {
			step = s
			break
		}
	}
	format := "15:04"
	switch {
	case step >= day:
		format = "Jan 2"
	case multiDay:
		format = "Jan 2 15:04"
	}
	first := time.Unix(0, int64(lo*1e9)).In(tt.loc)
	if step >= day {
		first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, tt.loc)
	} else {
		_, off := first.Zone()
		shift := time.Duration(off) * time.Second
		first = first.Add(shift).Truncate(step).Add(-shift)
	}
	var ticks []plot.Tick
	for t := first; ; t = t.Add(step) {
		x := float64(t.UnixNano()) / 1e9
		if x > hi {
			break
		}
		if x >= lo {
			ticks = append(ticks, plot.Tick{Value: x, Label: t.Format(format)})
		}
	}
	return ticks
}

// WriteCSV writes query results as CSV: a "timestamp" column (RFC 3339 wall
// time) and one column per result named by its label, one row per
// timestamp any result has, empty where a result has no value.
func (cw *CloudWatch) WriteCSV(w io.Writer, results []MetricDataResult) error {
	var ts []sim.Time
	for _, r := range results {
		ts = append(ts, r.Timestamps...)
	}
	slices.Sort(ts)
	ts = slices.Compact(ts)
	cw2 := csv.NewWriter(w)
	head := []string{"timestamp"}
	for _, r := range results {
		head = append(head, r.Label)
	}
	if err := cw2.Write(head); err != nil {
		return err
	}
	next := make([]int, len(results))
	row := make([]string, len(results)+1)
	for _, t := range ts {
		row[0] = cw.s.Wall(t).Format(time.RFC3339)
		for i, r := range results {
			row[i+1] = ""
			if j := next[i]; j < len(r.Timestamps) && r.Timestamps[j] == t {
				row[i+1] = strconv.FormatFloat(r.Values[j], 'g', -1, 64)
				next[i]++
			}
		}
		if err := cw2.Write(row); err != nil {
			return err
		}
	}
	cw2.Flush()
	return cw2.Error()
}
