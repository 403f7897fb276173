package cloudwatch

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Metric identifies a series: namespace, metric name and dimensions.
type Metric struct {
	// Namespace groups metrics, such as "AWS/ApplicationELB" or "MyApp".
	Namespace string
	// MetricName names the metric, such as "RequestCount".
	MetricName string
	// Dimensions identify the series; their order does not matter.
	Dimensions []Dimension
}

// CloudWatch is one Region's metric store, alarms and dashboards. It is
// driven by the run's virtual clock and, like the rest of a run, is not safe
// for concurrent use.
type CloudWatch struct {
	s   *sim.Sim
	cfg Config

	seed   maphash.Seed
	index  map[uint64]*series
	all    []*series // creation order
	pivot  bucket    // reusable B-tree search key
	nextGC sim.Time

	pend []pending
	head int

	alarms     map[string]*Alarm
	alarmOrder []*Alarm // creation order: evaluation order
	tickers    [2]*sim.Ticker
}

// pending is a published datapoint waiting out PublicationDelay.
type pending struct {
	s    *series
	t    sim.Time
	due  sim.Time
	v    float64
	set  StatisticSet
	kind uint8
	vc   *valuesCounts
}

type valuesCounts struct{ values, counts []float64 }

const (
	pendValue uint8 = iota
	pendSet
	pendValues
)

// New returns an empty store on s's clock.
func New(s *sim.Sim, cfg Config) (*CloudWatch, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &CloudWatch{
		s: s, cfg: cfg, seed: maphash.MakeSeed(),
		index:  map[uint64]*series{},
		alarms: map[string]*Alarm{},
		nextGC: s.Now() + sim.Time(cfg.CompactionInterval),
	}, nil
}

// Config returns the store's configuration with defaults filled in.
func (cw *CloudWatch) Config() Config { return cw.cfg }

// Sim returns the run the store belongs to.
func (cw *CloudWatch) Sim() *sim.Sim { return cw.s }

// lookup returns the series with this identity, creating it if create is
// set (nil otherwise when absent).
func (cw *CloudWatch) lookup(ns, name string, dims []Dimension, unit Unit, highRes, create bool) *series {
	h := hashKey(cw.seed, ns, name, dims)
	head := cw.index[h]
	for s := head; s != nil; s = s.next {
		if s.matches(ns, name, dims) {
			return s
		}
	}
	if !create {
		return nil
	}
	s := newSeries(ns, name, dims, unit, highRes, h)
	s.next = head
	cw.index[h] = s
	cw.all = append(cw.all, s)
	return s
}

// Publish stores one datum from a service. It performs no validation (the
// AWS/ namespace is allowed) and does not allocate once the series exists;
// Timestamp is used as given. A datum with StatisticValues set stores the
// set; one with Values stores each value Counts times (once when Counts is
// empty); otherwise Value is stored. Datapoints older than the longest
// retention are dropped. Data becomes visible after Config.PublicationDelay.
func (cw *CloudWatch) Publish(namespace string, d MetricDatum) {
	s := cw.lookup(namespace, d.MetricName, d.Dimensions, d.Unit, d.StorageResolution == 1, true)
	switch {
	case d.StatisticValues != nil:
		cw.enqueue(s, d.Timestamp, pending{kind: pendSet, set: *d.StatisticValues})
	case len(d.Values) > 0:
		cw.enqueue(s, d.Timestamp, pending{kind: pendValues, vc: &valuesCounts{slices.Clone(d.Values), slices.Clone(d.Counts)}})
	default:
		cw.enqueue(s, d.Timestamp, pending{kind: pendValue, v: d.Value})
	}
}

func (cw *CloudWatch) enqueue(s *series, t sim.Time, p pending) {
	now := cw.s.Now()
	if now >= cw.nextGC {
		cw.compact()
	}
	if cw.cfg.PublicationDelay == 0 {
		cw.apply(s, t, &p, now)
		return
	}
	cw.flush()
	p.s, p.t, p.due = s, t, now+sim.Time(cw.cfg.PublicationDelay)
	cw.pend = append(cw.pend, p)
}

func (cw *CloudWatch) apply(s *series, t sim.Time, p *pending, now sim.Time) {
	if s.dead {
		return
	}
	a := s.slot(t, now)
	if a == nil {
		return
	}
	s.touch(t)
	switch p.kind {
	case pendValue:
		a.add(p.v)
	case pendSet:
		a.addSet(p.set)
	case pendValues:
		for i, v := range p.vc.values {
			c := 1.0
			if i < len(p.vc.counts) {
				c = p.vc.counts[i]
			}
			a.addN(v, c)
		}
	}
}

// flush applies the pending datapoints whose delay has elapsed.
func (cw *CloudWatch) flush() {
	now := cw.s.Now()
	for cw.head < len(cw.pend) && cw.pend[cw.head].due <= now {
		p := &cw.pend[cw.head]
		cw.apply(p.s, p.t, p, now)
		*p = pending{}
		cw.head++
	}
	switch {
	case cw.head == len(cw.pend):
		cw.pend, cw.head = cw.pend[:0], 0
	case cw.head > 1024 && cw.head > len(cw.pend)/2:
		n := copy(cw.pend, cw.pend[cw.head:])
		clear(cw.pend[n:])
		cw.pend, cw.head = cw.pend[:n], 0
	}
}

// compact rolls up and expires data in every series.
func (cw *CloudWatch) compact() {
	now := cw.s.Now()
	cw.nextGC = now + sim.Time(cw.cfg.CompactionInterval)
	live := cw.all[:0]
	for _, s := range cw.all {
		if s.compact(now) && s.seen {
			cw.unlink(s)
			continue
		}
		live = append(live, s)
	}
	clear(cw.all[len(live):])
	cw.all = live
}

// unlink removes an expired series from the index.
func (cw *CloudWatch) unlink(s *series) {
	s.dead = true
	p := cw.index[s.hash]
	if p == s {
		if s.next == nil {
			delete(cw.index, s.hash)
		} else {
			cw.index[s.hash] = s.next
		}
		return
	}
	for ; p != nil; p = p.next {
		if p.next == s {
			p.next = s.next
			return
		}
	}
}

// Series is a handle on one metric for a publisher that writes it often:
// Put skips the identity lookup that Publish does.
type Series struct {
	cw *CloudWatch
	s  *series
}

// Series returns a handle on a standard-resolution (60 s) metric, creating
// the metric if needed. Dimensions are copied.
func (cw *CloudWatch) Series(namespace, metricName string, dims []Dimension, unit Unit) *Series {
	return &Series{cw: cw, s: cw.lookup(namespace, metricName, dims, unit, false, true)}
}

// HighResolutionSeries is Series for a high-resolution (1 s) metric. An
// existing metric keeps the resolution it was created with.
func (cw *CloudWatch) HighResolutionSeries(namespace, metricName string, dims []Dimension, unit Unit) *Series {
	return &Series{cw: cw, s: cw.lookup(namespace, metricName, dims, unit, true, true)}
}

// Metric returns the handle's metric identity.
func (h *Series) Metric() Metric { return h.s.Metric }

// Put stores one sample taken at t.
func (h *Series) Put(t sim.Time, v float64) { h.cw.enqueue(h.s, t, pending{kind: pendValue, v: v}) }

// PutStatistics stores a pre-aggregated set of samples taken at t.
func (h *Series) PutStatistics(t sim.Time, set StatisticSet) {
	h.cw.enqueue(h.s, t, pending{kind: pendSet, set: set})
}

// PutMetricData is the user-facing API: it validates every datum as AWS
// does before storing any. Namespaces starting with "AWS/" are reserved for
// services; at most 1,000 data per call, 30 dimensions per datum, values
// finite and within ±2^360, timestamps from 2 weeks before to 2 hours after
// now, StorageResolution 0, 1 or 60, and Values (at most 150, with Counts of
// the same length or none) exclusive with StatisticValues.
func (cw *CloudWatch) PutMetricData(namespace string, data []MetricDatum) error {
	if err := validateNamespace(namespace); err != nil {
		return err
	}
	if len(data) == 0 || len(data) > 1000 {
		return fmt.Errorf("cloudwatch: PutMetricData: %d data, want 1 to 1000: %w", len(data), ErrInvalidParameter)
	}
	now := cw.s.Now()
	for i := range data {
		if err := validateDatum(&data[i], now); err != nil {
			return fmt.Errorf("cloudwatch: PutMetricData: MetricData.member.%d: %w", i+1, err)
		}
	}
	for _, d := range data {
		cw.Publish(namespace, d)
	}
	return nil
}

func validateNamespace(ns string) error {
	switch {
	case ns == "" || len(ns) > 255:
		return fmt.Errorf("cloudwatch: namespace %q: length %d, want 1 to 255: %w", ns, len(ns), ErrInvalidParameter)
	case strings.HasPrefix(ns, "AWS/"):
		return fmt.Errorf("cloudwatch: namespace %q: the AWS/ prefix is reserved for AWS services: %w", ns, ErrInvalidParameter)
	case ns[0] == ':':
		return fmt.Errorf("cloudwatch: namespace %q: must not start with ':': %w", ns, ErrInvalidParameter)
	}
	for i := 0; i < len(ns); i++ {
		if ns[i] < 0x20 || ns[i] > 0x7e {
			return fmt.Errorf("cloudwatch: namespace %q: non-printable or non-ASCII byte: %w", ns, ErrInvalidParameter)
		}
	}
	return nil
}

// maxValue is the largest magnitude CloudWatch accepts, 2^360.
var maxValue = math.Ldexp(1, 360)

func validValue(v float64) bool {
	a := math.Abs(v)
	return !math.IsNaN(v) && a <= maxValue && (a == 0 || a >= 1/maxValue)
}

func validateDimensions(dims []Dimension) error {
	if len(dims) > 30 {
		return fmt.Errorf("%d dimensions > 30: %w", len(dims), ErrInvalidParameter)
	}
	for i, d := range dims {
		if d.Name == "" || len(d.Name) > 255 || d.Value == "" || len(d.Value) > 1024 {
			return fmt.Errorf("dimension %q=%q: name must be 1-255 and value 1-1024 characters: %w", d.Name, d.Value, ErrInvalidParameter)
		}
		for _, e := range dims[:i] {
			if e.Name == d.Name {
				return fmt.Errorf("dimension %q given twice: %w", d.Name, ErrInvalidParameter)
			}
		}
	}
	return nil
}

func validateDatum(d *MetricDatum, now sim.Time) error {
	if d.MetricName == "" || len(d.MetricName) > 255 {
		return fmt.Errorf("MetricName %q: length must be 1-255: %w", d.MetricName, ErrInvalidParameter)
	}
	if err := validateDimensions(d.Dimensions); err != nil {
		return fmt.Errorf("metric %q: %w", d.MetricName, err)
	}
	if d.StorageResolution != 0 && d.StorageResolution != 1 && d.StorageResolution != 60 {
		return fmt.Errorf("metric %q: StorageResolution %d, want 1 or 60: %w", d.MetricName, d.StorageResolution, ErrInvalidParameter)
	}
	if !validUnit(d.Unit) {
		return fmt.Errorf("metric %q: Unit %q is not a CloudWatch unit: %w", d.MetricName, d.Unit, ErrInvalidParameter)
	}
	if d.Timestamp < now-sim.Time(14*day) || d.Timestamp > now+sim.Time(2*time.Hour) {
		return fmt.Errorf("metric %q: Timestamp %v outside [now-2 weeks, now+2h] (now %v): %w", d.MetricName, d.Timestamp, now, ErrInvalidParameter)
	}
	switch {
	case d.StatisticValues != nil && len(d.Values) > 0:
		return fmt.Errorf("metric %q: StatisticValues and Values are mutually exclusive: %w", d.MetricName, ErrInvalidParameter)
	case d.StatisticValues != nil:
		sv := d.StatisticValues
		if !validValue(sv.SampleCount) || !validValue(sv.Sum) || !validValue(sv.Minimum) || !validValue(sv.Maximum) ||
			sv.SampleCount <= 0 || sv.Minimum > sv.Maximum {
			return fmt.Errorf("metric %q: StatisticValues %+v: need finite values, SampleCount > 0 and Minimum <= Maximum: %w", d.MetricName, *sv, ErrInvalidParameter)
		}
	case len(d.Values) > 0:
		if len(d.Values) > 150 || (len(d.Counts) > 0 && len(d.Counts) != len(d.Values)) {
			return fmt.Errorf("metric %q: %d Values and %d Counts: want at most 150 values and as many counts or none: %w", d.MetricName, len(d.Values), len(d.Counts), ErrInvalidParameter)
		}
		for i, v := range d.Values {
			if !validValue(v) || (len(d.Counts) > 0 && (!validValue(d.Counts[i]) || d.Counts[i] < 0)) {
				return fmt.Errorf("metric %q: Values[%d] %v or its count is not a valid number: %w", d.MetricName, i, v, ErrInvalidParameter)
			}
		}
	default:
		if !validValue(d.Value) {
			return fmt.Errorf("metric %q: Value %v is not finite or outside ±2^360: %w", d.MetricName, d.Value, ErrInvalidParameter)
		}
	}
	return nil
}

var units = []Unit{UnitNone, UnitSeconds, UnitMicroseconds, UnitMilliseconds, UnitBytes, UnitKilobytes,
	UnitMegabytes, UnitGigabytes, UnitBits, UnitPercent, UnitCount, UnitBytesPerSecond, UnitBitsPerSecond,
	UnitCountPerSecond, UnitKilobytesPerSec}

func validUnit(u Unit) bool { return u == "" || slices.Contains(units, u) }

// DimensionFilter selects metrics by dimension: Name must be present and,
// when Value is not empty, have that value.
type DimensionFilter struct {
	Name, Value string
}

// ListMetricsInput filters ListMetrics; empty fields match everything.
type ListMetricsInput struct {
	Namespace  string
	MetricName string
	Dimensions []DimensionFilter
}

// ListMetrics returns the metrics matching in, sorted by namespace, name and
// dimensions. As in AWS, metrics with no datapoint for 2 weeks are not
// listed (GetMetricStatistics still reads them). AWS's up-to-15-minute delay
// before a new metric is listed is not modelled.
func (cw *CloudWatch) ListMetrics(in ListMetricsInput) []Metric {
	cw.flush()
	now := cw.s.Now()
	var out []Metric
	for _, s := range cw.all {
		if !s.seen || s.last < now-sim.Time(14*day) ||
			(in.Namespace != "" && s.Namespace != in.Namespace) || (in.MetricName != "" && s.MetricName != in.MetricName) {
			continue
		}
		ok := true
		for _, f := range in.Dimensions {
			ok = ok && slices.ContainsFunc(s.Dimensions, func(d Dimension) bool {
				return d.Name == f.Name && (f.Value == "" || d.Value == f.Value)
			})
		}
		if ok {
			m := s.Metric
			m.Dimensions = slices.Clone(m.Dimensions)
			out = append(out, m)
		}
	}
	slices.SortFunc(out, compareMetrics)
	return out
}

func compareMetrics(a, b Metric) int {
	if c := cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.MetricName, b.MetricName)); c != 0 {
		return c
	}
	return slices.CompareFunc(a.Dimensions, b.Dimensions, func(x, y Dimension) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Value, y.Value))
	})
}
