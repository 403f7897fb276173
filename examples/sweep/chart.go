package main

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/nimbus-sim/nimbus/sweep"
)

// errPoints are points with horizontal error bars (the p99 interval).
type errPoints struct {
	plotter.XYs
	plotter.XErrors
}

// saveChart plots mean cost against mean p99 (log scale) for every point,
// one marker per instance type labelled with its target CPU and with the
// p99 95% interval as error bars,
// the SLO as a vertical line and the Pareto front as a dashed line.
func saveChart(path string, res *sweep.Result) error {
	p := plot.New()
	p.Title.Text = "Cost vs p99 by instance type and target CPU"
	p.X.Label.Text = "p99 response time (ms, log scale; bars: 95% CI)"
	p.Y.Label.Text = "EC2 cost of the run (USD)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = ticks125{}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())

	var vs []pointView
	for _, ps := range res.Points {
		vs = append(vs, view(ps))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, t := range Types {
		var pts errPoints
		var labels []string
		for _, v := range vs {
			if v.typ != t.Name {
				continue
			}
			x := v.p99.Mean
			low, high := 0.0, 0.0
			if !math.IsNaN(v.p99.HalfWidth) {
				// Keep the bar's low end positive on the log axis.
				low, high = math.Min(v.p99.HalfWidth, 0.9*x), v.p99.HalfWidth
			}
			pts.XYs = append(pts.XYs, plotter.XY{X: x, Y: v.cost.Mean})
			pts.XErrors = append(pts.XErrors, struct{ Low, High float64 }{low, high})
			labels = append(labels, fmt.Sprintf("%.0f%%", v.target))
			lo, hi = math.Min(lo, v.cost.Mean), math.Max(hi, v.cost.Mean)
		}
		sc, err := plotter.NewScatter(pts.XYs)
		if err != nil {
			return err
		}
		sc.Color = plotutil.Color(i)
		sc.Shape = plotutil.Shape(i)
		sc.Radius = vg.Points(4)
		bars, err := plotter.NewXErrorBars(pts)
		if err != nil {
			return err
		}
		bars.Color = plotutil.Color(i)
		names, err := plotter.NewLabels(plotter.XYLabels{XYs: pts.XYs, Labels: labels})
		if err != nil {
			return err
		}
		for k := range names.TextStyle {
			names.TextStyle[k].Color = plotutil.Color(i)
		}
		names.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(2)}
		p.Add(bars, sc, names)
		p.Legend.Add(t.Name, sc)
	}

	var front plotter.XYs
	for _, v := range paretoFront(vs) {
		front = append(front, plotter.XY{X: v.p99.Mean, Y: v.cost.Mean})
	}
	if len(front) > 1 {
		l, err := plotter.NewLine(front)
		if err != nil {
			return err
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Color = color.Gray{Y: 90}
		p.Add(l)
		p.Legend.Add("Pareto front", l)
	}
	slo, err := plotter.NewLine(plotter.XYs{{X: ms(SLO), Y: lo}, {X: ms(SLO), Y: hi}})
	if err != nil {
		return err
	}
	slo.Color = color.RGBA{R: 200, A: 255}
	slo.Width = vg.Points(1.5)
	p.Add(slo)
	p.Legend.Add("p99 SLO 250 ms", slo)
	return p.Save(8*vg.Inch, 5*vg.Inch, path)
}

// ticks125 labels a log axis at 1, 2 and 5 times powers of ten, so that a
// range narrower than a decade still gets labels.
type ticks125 struct{}

// Ticks implements plot.Ticker.
func (ticks125) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			if v := m * math.Pow(10, e); v >= lo && v <= hi {
				ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
			}
		}
	}
	return ts
}
