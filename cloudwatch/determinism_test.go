package cloudwatch

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/nimbus-sim/nimbus/sim"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// scenario runs two hours of a noisy service with a latency alarm, an error
// alarm and a composite alarm, and returns the trace and a CSV export of a
// metric-math query.
func scenario(t *testing.T, seed uint64) (trace, csv []byte) {
	var tr bytes.Buffer
	s := sim.New(sim.Config{Seed: seed, Trace: &tr})
	cw, err := New(s, Config{})
	require.NoError(t, err)
	lb := []Dimension{{"LoadBalancer", "app/web/1"}}
	latency := distuv.LogNormal{Mu: -3.5, Sigma: 0.5, Src: s.Stream("cloudwatch/test/latency")}
	errs := distuv.Poisson{Lambda: 2, Src: s.Stream("cloudwatch/test/errors")}
	lat := cw.Series("AWS/ApplicationELB", "TargetResponseTime", lb, UnitSeconds)
	s.Every(0, 100*time.Millisecond, func(now sim.Time) { lat.Put(now, latency.Rand()) })
	s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		ts := now - sim.Time(time.Minute)
		cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "HTTPCode_Target_5XX_Count", Dimensions: lb, Timestamp: ts, Value: errs.Rand(), Unit: UnitCount})
		cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "RequestCount", Dimensions: lb, Timestamp: ts, Value: 600, Unit: UnitCount})
	})
	_, err = cw.PutMetricAlarm(AlarmConfig{AlarmName: "p99-high", Namespace: "AWS/ApplicationELB", MetricName: "TargetResponseTime",
		Dimensions: lb, ExtendedStatistic: "p99", Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 0.085,
		ComparisonOperator: GreaterThanThreshold})
	require.NoError(t, err)
	_, err = cw.PutMetricAlarm(AlarmConfig{AlarmName: "errors", Namespace: "AWS/ApplicationELB", MetricName: "HTTPCode_Target_5XX_Count",
		Dimensions: lb, Statistic: Sum, Period: 60, EvaluationPeriods: 2, Threshold: 4, ComparisonOperator: GreaterThanOrEqualToThreshold,
		TreatMissingData: TreatNotBreaching})
	require.NoError(t, err)
	_, err = cw.PutCompositeAlarm(CompositeAlarmConfig{AlarmName: "degraded", AlarmRule: `ALARM("p99-high") OR ALARM(errors)`})
	require.NoError(t, err)
	s.RunUntil(sim.Time(2 * time.Hour))

	res, err := cw.GetMetricData(GetMetricDataInput{StartTime: 0, EndTime: sim.Time(2 * time.Hour), Queries: []MetricDataQuery{
		{ID: "e", Hidden: true, MetricStat: &MetricStat{Metric: Metric{"AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb}, Period: 300, Stat: Sum}},
		{ID: "r", Hidden: true, MetricStat: &MetricStat{Metric: Metric{"AWS/ApplicationELB", "RequestCount", lb}, Period: 300, Stat: Sum}},
		{ID: "rate", Expression: "100 * e / r", Label: "5XX %"},
		{ID: "p99", MetricStat: &MetricStat{Metric: Metric{"AWS/ApplicationELB", "TargetResponseTime", lb}, Period: 300, Stat: "p99"}},
	}})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, cw.WriteCSV(&out, res))
	return tr.Bytes(), out.Bytes()
}

// TestDeterminism runs the scenario twice with one seed (identical trace
// and results, compared with the golden files) and once with another seed
// (different results).
func TestDeterminism(t *testing.T) {
	tr1, csv1 := scenario(t, 42)
	tr2, csv2 := scenario(t, 42)
	require.Equal(t, string(tr1), string(tr2), "same seed, same trace (reproduce with seed=42)")
	require.Equal(t, string(csv1), string(csv2), "same seed, same results")
	tr3, csv3 := scenario(t, 43)
	assert.NotEqual(t, string(csv1), string(csv3), "another seed gives other data")
	assert.NotEqual(t, string(tr1), string(tr3))
	assert.Contains(t, string(tr1), `"event":"SetAlarmState","id":"p99-high"`, "the scenario exercises alarm transitions")

	for name, got := range map[string][]byte{"scenario_trace.jsonl": tr1, "scenario_results.csv": csv1} {
		path := filepath.Join("testdata", name)
		if *update {
			require.NoError(t, os.WriteFile(path, got, 0o644))
			continue
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test -update to create %s", path)
		assert.Equal(t, string(want), string(got), fmt.Sprintf("%s differs from the golden file; rerun with -update if intended", name))
	}
}
