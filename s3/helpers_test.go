package s3

import (
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// tb is what test helpers need of *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	require.TestingT
}

// newTestBucket returns a run, a partition and one bucket named name.
func newTestBucket(t tb, cfg Config, name string) (*sim.Sim, *Service, *Bucket) {
	t.Helper()
	s := sim.New(sim.Config{Seed: 1})
	svc, err := New(s, cfg)
	require.NoError(t, err)
	b, err := svc.CreateBucket(BucketConfig{Name: name})
	require.NoError(t, err)
	return s, svc, b
}

// recorder is a MetricPublisher that keeps every datum.
type recorder struct{ data []cloudwatch.MetricDatum }

func (r *recorder) Publish(ns string, d cloudwatch.MetricDatum) {
	if ns != Namespace {
		panic("wrong namespace " + ns)
	}
	r.data = append(r.data, d)
}

// sum adds the Sum (or Value) of every datum of a metric with the given
// dimension value.
func (r *recorder) sum(metric, dimValue string) float64 {
	total := 0.0
	for _, d := range r.data {
		if d.MetricName != metric {
			continue
		}
		match := dimValue == ""
		for _, dim := range d.Dimensions {
			match = match || dim.Value == dimValue
		}
		if !match {
			continue
		}
		if d.StatisticValues != nil {
			total += d.StatisticValues.Sum
		} else {
			total += d.Value
		}
	}
	return total
}

// costBy sums the ledger's cost per usage type.
func costBy(l *billing.Ledger) map[string]float64 {
	out := map[string]float64{}
	for _, li := range l.Items() {
		out[li.UsageType] += li.Cost()
	}
	return out
}

// send serves one request synchronously through the event loop and returns
// the response.
func send(s *sim.Sim, h sim.Handler, req *sim.Request) sim.Response {
	var got sim.Response
	done := false
	s.Send(h, req, func(_ *sim.Request, r sim.Response) { got, done = r, true })
	for !done && s.Step() {
	}
	if !done {
		panic("no reply")
	}
	return got
}

// The consumer-declared interfaces match the real implementations.
var (
	_ MetricPublisher = (*cloudwatch.CloudWatch)(nil)
	_ Biller          = (*billing.Ledger)(nil)
	_ sim.Handler     = (*Bucket)(nil)
	_ sim.Handler     = (*Service)(nil)
)
