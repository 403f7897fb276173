package cloudwatch

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"time"
	"unsafe"

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
	nextGC sim.Time
	// packBuf is scratch space for sealing buckets at compaction.
	packBuf []byte

	stages []*stage // FIFO by arrival
	head   int
	free   []*stage
	cache  [lookupCacheSize]*series

	alarms     map[string]*Alarm
	alarmOrder []*Alarm // creation order: evaluation order
	tickers    [2]*sim.Ticker
}

// stage collects the datapoints one series receives for one bucket within
// one second of virtual time, until PublicationDelay has passed. Staging
// aggregates rather than datapoints keeps the delay queue as small as the
// number of active series times the delay in seconds.
type stage struct {
	s     *series
	start sim.Time // the bucket's start at the series' finest resolution
	slot  sim.Time // arrival, rounded down to the second
	last  sim.Time // newest datapoint timestamp
	agg
}

// lookupCacheSize is the number of slots of the identity cache in front of
// the hash index (a power of two).
const lookupCacheSize = 256

// New returns an empty store on s's clock.
func New(s *sim.Sim, cfg Config) (*CloudWatch, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &CloudWatch{
		// The hash seed is random but only places series in the index: no
		// result or iteration order depends on it.
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
// set (nil otherwise when absent). A small cache keyed by the addresses of
// the caller's strings and dimension slice skips hashing when a publisher
// passes the same values again; the full identity is always compared.
func (cw *CloudWatch) lookup(ns, name string, dims []Dimension, unit Unit, highRes, create bool) *series {
	slot := (uintptr(unsafe.Pointer(unsafe.StringData(name))) ^ uintptr(unsafe.Pointer(unsafe.SliceData(dims)))>>4 ^
		uintptr(len(dims))) % lookupCacheSize
	if s := cw.cache[slot]; s != nil && !s.dead && s.matches(ns, name, dims) {
		return s
	}
	h := hashKey(cw.seed, ns, name, dims)
	head := cw.index[h]
	for s := head; s != nil; s = s.next {
		if s.matches(ns, name, dims) {
			cw.cache[slot] = s
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
	cw.cache[slot] = s
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
	a := cw.target(s, d.Timestamp)
	if a == nil {
		return
	}
	switch {
	case d.StatisticValues != nil:
		a.addSet(*d.StatisticValues)
	case len(d.Values) > 0:
		for i, v := range d.Values {
			c := 1.0
			if i < len(d.Counts) {
				c = d.Counts[i]
			}
			a.addN(v, c)
		}
	default:
		a.add(d.Value)
	}
}

// target returns the aggregate a datapoint for s at t goes into: its bucket
// when there is no publication delay, else a stage.
func (cw *CloudWatch) target(s *series, t sim.Time) *agg {
	now := cw.s.Now()
	if now >= cw.nextGC {
		cw.compact()
	}
	if cw.cfg.PublicationDelay == 0 {
		a := s.slot(t, now)
		if a != nil {
			s.touch(t)
		}
		return a
	}
	if cw.head < len(cw.stages) && cw.stages[cw.head].slot+sim.Time(cw.cfg.PublicationDelay) <= now {
		cw.flush()
	}
	slot := floorTime(now, time.Second)
	st := s.stage
	if st == nil || st.slot != slot || t < st.start || t >= st.start+sim.Time(s.tiers[0].res) {
		if n := len(cw.free); n > 0 {
			st, cw.free = cw.free[n-1], cw.free[:n-1]
		} else {
			st = &stage{}
		}
		st.s, st.start, st.slot, st.last = s, floorTime(t, s.tiers[0].res), slot, t
		s.stage = st
		cw.stages = append(cw.stages, st)
	}
	st.last = max(st.last, t)
	return &st.agg
}

// flush moves the stages whose delay has elapsed into their series.
func (cw *CloudWatch) flush() {
	now := cw.s.Now()
	for cw.head < len(cw.stages) && cw.stages[cw.head].slot+sim.Time(cw.cfg.PublicationDelay) <= now {
		st := cw.stages[cw.head]
		cw.stages[cw.head] = nil
		cw.head++
		if s := st.s; !s.dead {
			if a := s.slot(st.start, now); a != nil {
				a.merge(&st.agg)
				s.touch(st.last)
			}
			if s.stage == st {
				s.stage = nil
			}
		}
		st.s = nil
		st.reset()
		cw.free = append(cw.free, st)
	}
	switch {
	case cw.head == len(cw.stages):
		cw.stages, cw.head = cw.stages[:0], 0
	case cw.head > 1024 && cw.head > len(cw.stages)/2:
		n := copy(cw.stages, cw.stages[cw.head:])
		clear(cw.stages[n:])
		cw.stages, cw.head = cw.stages[:n], 0
	}
}

// compact rolls up and expires data in every series.
func (cw *CloudWatch) compact() {
	now := cw.s.Now()
	cw.nextGC = now + sim.Time(cw.cfg.CompactionInterval)
	live := cw.all[:0]
	for _, s := range cw.all {
		if s.compact(now, &cw.packBuf) && s.seen {
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
func (h *Series) Put(t sim.Time, v float64) {
	if a := h.cw.target(h.live(), t); a != nil {
		a.add(v)
	}
}

// PutStatistics stores a pre-aggregated set of samples taken at t.
func (h *Series) PutStatistics(t sim.Time, set StatisticSet) {
	if a := h.cw.target(h.live(), t); a != nil {
		a.addSet(set)
	}
}

// live returns the handle's series, recreating it if it expired (no data
// for longer than the longest retention).
func (h *Series) live() *series {
	if s := h.s; s.dead {
		h.s = h.cw.lookup(s.Namespace, s.MetricName, s.Dimensions, s.unit, s.highRes, true)
	}
	return h.s
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
	// Name is the dimension's name; Value, when set, its value.
	Name, Value string
}

// ListMetricsInput filters ListMetrics; empty fields match everything.
type ListMetricsInput struct {
	// Namespace and MetricName, when set, must match exactly.
	Namespace, MetricName string
	// Dimensions must all match.
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
