package cloudwatch

import "github.com/nimbus-sim/nimbus/sim"

// Dimension is one name/value pair of a metric's identity, such as
// {Name: "LoadBalancer", Value: "app/web/50dc6c495c0c9188"}.
type Dimension struct {
	// Name is the dimension's name (1 to 255 characters), Value its value
	// (1 to 1,024 characters).
	Name, Value string
}

// Unit is a CloudWatch standard unit, such as "Seconds" or "Percent".
type Unit string

// The CloudWatch standard units.
const (
	UnitNone            Unit = "None"
	UnitSeconds         Unit = "Seconds"
	UnitMicroseconds    Unit = "Microseconds"
	UnitMilliseconds    Unit = "Milliseconds"
	UnitBytes           Unit = "Bytes"
	UnitKilobytes       Unit = "Kilobytes"
	UnitMegabytes       Unit = "Megabytes"
	UnitGigabytes       Unit = "Gigabytes"
	UnitBits            Unit = "Bits"
	UnitPercent         Unit = "Percent"
	UnitCount           Unit = "Count"
	UnitBytesPerSecond  Unit = "Bytes/Second"
	UnitBitsPerSecond   Unit = "Bits/Second"
	UnitCountPerSecond  Unit = "Count/Second"
	UnitKilobytesPerSec Unit = "Kilobytes/Second"
)

// StatisticSet is a pre-aggregated set of samples, as PutMetricData accepts.
type StatisticSet struct {
	// SampleCount is the number of samples, Sum their total, Minimum and
	// Maximum their extremes, in the datum's unit.
	SampleCount, Sum, Minimum, Maximum float64
}

// Add folds one sample into the set, so a service can aggregate a period's
// samples without keeping them.
func (s *StatisticSet) Add(v float64) {
	if s.SampleCount == 0 || v < s.Minimum {
		s.Minimum = v
	}
	if s.SampleCount == 0 || v > s.Maximum {
		s.Maximum = v
	}
	s.SampleCount++
	s.Sum += v
}

// MetricDatum is one datapoint as PutMetricData takes it: Value,
// StatisticValues (when non-nil) or Values with Counts.
type MetricDatum struct {
	// MetricName names the metric, such as "CPUUtilization".
	MetricName string
	// Dimensions identify the series (at most 30).
	Dimensions []Dimension
	// Timestamp is the virtual instant the datapoint describes.
	Timestamp sim.Time
	// Value is a single sample; ignored when StatisticValues is set.
	Value float64
	// StatisticValues is an aggregated set of samples.
	StatisticValues *StatisticSet
	// Values are samples (at most 150 in PutMetricData), each occurring
	// Counts[i] times (once when Counts is empty); used when
	// StatisticValues is nil. Unlike a StatisticSet they keep percentiles
	// available.
	Values, Counts []float64
	// Unit is the datapoint's unit; empty means None.
	Unit Unit
	// StorageResolution is 1 (high resolution) or 60 seconds; 0 means 60.
	StorageResolution int
}
