package cloudwatch

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

// mathFixture stores two metrics over 6 minutes: m1 = 10, 20, 30, -, 50, 60
// and m2 = 1, 2, 0, 4, -, 6 ("-" = no data).
func mathFixture(t *testing.T) *CloudWatch {
	s, cw := newTestCW(t, noDelay)
	m1 := []float64{10, 20, 30, math.NaN(), 50, 60}
	m2 := []float64{1, 2, 0, 4, math.NaN(), 6}
	for k := range m1 {
		ts := sim.Time(k) * sim.Time(time.Minute)
		if !math.IsNaN(m1[k]) {
			cw.Publish("App", MetricDatum{MetricName: "A", Timestamp: ts, Value: m1[k]})
		}
		if !math.IsNaN(m2[k]) {
			cw.Publish("App", MetricDatum{MetricName: "B", Timestamp: ts, Value: m2[k]})
		}
	}
	s.RunFor(10 * time.Minute)
	return cw
}

func queries(expr string) []MetricDataQuery {
	return []MetricDataQuery{
		{ID: "m1", Hidden: true, MetricStat: &MetricStat{Metric: Metric{Namespace: "App", MetricName: "A"}, Period: 60, Stat: Sum}},
		{ID: "m2", Hidden: true, MetricStat: &MetricStat{Metric: Metric{Namespace: "App", MetricName: "B"}, Period: 60, Stat: Sum}},
		{ID: "e1", Expression: expr},
	}
}

// TestMetricMath checks each function against hand-computed series. Missing
// values count as 0 in arithmetic between series, division by zero drops the
// point, and scalar functions of one series reduce over time.
func TestMetricMath(t *testing.T) {
	cw := mathFixture(t)
	nan := math.NaN()
	cases := []struct {
		expr string
		want []float64 // per minute 0..5, NaN = no point
	}{
		{"m1 + m2", []float64{11, 22, 30, 4, 50, 66}},
		{"m1 - m2 * 2", []float64{8, 16, 30, -8, 50, 48}},
		{"m1 / m2", []float64{10, 10, nan, 0, nan, 10}},
		{"-m2 + 1", []float64{0, -1, 1, -3, nan, -5}},
		{"(m1 + 10) / 10", []float64{2, 3, 4, nan, 6, 7}},
		{"SUM([m1, m2])", []float64{11, 22, 30, 4, 50, 66}},
		{"AVG([m1, m2])", []float64{5.5, 11, 15, 4, 50, 33}},
		{"MAX([m1, m2])", []float64{10, 20, 30, 4, 50, 60}},
		{"MIN([m1, m2 * 100])", []float64{10, 20, 0, 400, 50, 60}},
		{"m1 * 0 + SUM(m1)", []float64{170, 170, 170, nan, 170, 170}},
		{"m1 * 0 + AVG(m2)", []float64{2.6, 2.6, 2.6, nan, 2.6, 2.6}},
		{"RATE(m1)", []float64{nan, 10.0 / 60, 10.0 / 60, nan, 20.0 / 120, 10.0 / 60}},
		{"DIFF(m1)", []float64{nan, 10, 10, nan, 20, 10}},
		{"FILL(m1, 0)", []float64{10, 20, 30, 0, 50, 60}},
		{"FILL(m1, REPEAT)", []float64{10, 20, 30, 30, 50, 60}},
		{"FILL(m1, LINEAR)", []float64{10, 20, 30, 40, 50, 60}},
		{"FILL(m1, m2)", []float64{10, 20, 30, 4, 50, 60}},
		{"IF(m2 > 1, m1, 0)", []float64{0, 20, 0, nan, nan, 60}},
		{"IF(m1 >= 30, m1)", []float64{nan, nan, 30, nan, 50, 60}},
		{"ABS(m2 - 3)", []float64{2, 1, 3, 1, nan, 3}},
		{"2 * 3 + 1", []float64{7, 7, 7, 7, 7, 7}},
	}
	for _, c := range cases {
		res, err := cw.GetMetricData(GetMetricDataInput{Queries: queries(c.expr), StartTime: 0, EndTime: sim.Time(6 * time.Minute)})
		require.NoError(t, err, c.expr)
		require.Len(t, res, 1, c.expr)
		var wantT []sim.Time
		var wantV []float64
		for k, v := range c.want {
			if !math.IsNaN(v) {
				wantT = append(wantT, sim.Time(k)*sim.Time(time.Minute))
				wantV = append(wantV, v)
			}
		}
		assert.Equal(t, wantT, res[0].Timestamps, c.expr)
		assert.InDeltaSlice(t, wantV, res[0].Values, 1e-12, c.expr)
		assert.Equal(t, "e1", res[0].Label)
	}
}

func TestMetricMathErrors(t *testing.T) {
	cw := mathFixture(t)
	for expr, want := range map[string]string{
		"m1 +":              "unexpected end",
		"m3 * 2":            `unknown Id "m3"`,
		"FOO(m1)":           "unknown function",
		"FILL(m1)":          "takes 2 to 2 arguments",
		"m1 + REPEAT":       "only FILL arguments",
		"[m1, m2]":          "yields 2 series",
		"(m1":               `want ")"`,
		"m1 m2":             "unexpected",
		"e1 + 1":            "references itself",
		"1.2.3":             "bad number",
		"[m1, 2]":           "must be time series",
		"SUM([m1, m2]) + $": "unexpected",
	} {
		_, err := cw.GetMetricData(GetMetricDataInput{Queries: queries(expr), StartTime: 0, EndTime: sim.Time(6 * time.Minute)})
		require.Error(t, err, expr)
		assert.ErrorIs(t, err, ErrInvalidParameter, expr)
		assert.Contains(t, err.Error(), want, expr)
	}
	bad := queries("m1")
	bad[0].ID = "M1"
	_, err := cw.GetMetricData(GetMetricDataInput{Queries: bad, StartTime: 0, EndTime: sim.Time(time.Hour)})
	assert.ErrorContains(t, err, "lower-case")
	bad = queries("m1")
	bad[1].MetricStat.Period = 45
	_, err = cw.GetMetricData(GetMetricDataInput{Queries: bad, StartTime: 0, EndTime: sim.Time(time.Hour)})
	assert.ErrorContains(t, err, "Period 45")
	// A constant expression is broadcast over the range: the datapoint
	// limit applies to it too.
	_, err = cw.GetMetricData(GetMetricDataInput{Queries: []MetricDataQuery{{ID: "c", Expression: "1"}}, StartTime: 0, EndTime: sim.Time(200 * 24 * time.Hour)})
	assert.ErrorContains(t, err, "periods > 100800")
}

// FuzzParseExpression: the parser never panics, and whatever parses can be
// evaluated over a small grid without panicking.
func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{"m1 + m2", "SUM([m1, m2])/2", "FILL(m1, REPEAT)", "IF(m1 > 3, m1, -m2)", "RATE(m1)*60",
		"((m1))", "1e3*m1", "[m1,[m2]]", "FILL(m1, LINEAR) / 0", "-(-(-m1))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, refs, err := parseExpression(src)
		if err != nil {
			return
		}
		env := &mathEnv{resolve: func(id string) (mval, error) {
			return mval{kind: vSeries, ts: []float64{1, math.NaN(), 0, 3}, period: time.Minute}, nil
		}}
		_, _ = n.eval(env)
		for _, r := range refs {
			if !validID(r) {
				t.Fatalf("parsed reference %q is not a valid id", r)
			}
		}
	})
}

// FuzzParseRule: the composite-alarm rule parser never panics.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{`ALARM(a) AND NOT OK("b")`, `(TRUE OR FALSE)`, `INSUFFICIENT_DATA(a b c)`, `NOT NOT ALARM(a)`} {
		f.Add(s)
	}
	dummy := &Alarm{name: "a", state: StateOK}
	f.Fuzz(func(t *testing.T, src string) {
		r, err := parseRule(src, func(string) (*Alarm, error) { return dummy, nil })
		if err == nil {
			_ = r.holds()
		}
	})
}

// FuzzParseStatistic: the statistic parser never panics and what it accepts
// evaluates on a small distribution.
func FuzzParseStatistic(f *testing.F) {
	for _, s := range []string{"p99", "p99.9", "tm90", "TM(10%:90%)", "PR(:300)", "IQM", "wm5", "TS(1:)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		st, err := parseStatistic(src)
		if err != nil {
			return
		}
		var a agg
		for _, v := range []float64{3, 1, 2, 2, -1} {
			a.add(v)
		}
		_, _ = a.value(&st)
	})
}
