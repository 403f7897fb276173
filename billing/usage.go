package billing

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// ErrInvalidUsage is wrapped by errors about malformed usage: a negative
// quantity or rate, an end before the start.
var ErrInvalidUsage = errors.New("billing: invalid usage")

// Units of line items, as the Cost and Usage Report spells them.
const (
	UnitHours    = "Hrs"
	UnitGB       = "GB"
	UnitRequests = "Requests"
	UnitGBMonth  = "GB-Mo"
)

// BytesPerGB is how many bytes AWS bills as one GB (a gibibyte).
const BytesPerGB = 1 << 30

// HoursPerMonth is the month length used to prorate GB-month storage
// charges: AWS's 730-hour billing month (365 × 24 / 12).
const HoursPerMonth = 730.0

// Resource is the identity line items are charged to.
type Resource struct {
	// Service is the AWS product code, such as "AmazonEC2".
	Service string
	// ID identifies the resource, such as "i-0abc..." or a bucket name.
	ID string
	// Region is the AWS region code, such as "us-east-1".
	Region string
	// Tags are the resource's cost-allocation tags. Line items share the
	// map, so replace it rather than change it once items are added.
	Tags map[string]string
}

func (r Resource) item(usageType string, start, end sim.Time, qty float64, unit string, rate float64) LineItem {
	return LineItem{
		Start: start, End: end, Service: r.Service, ResourceID: r.ID, UsageType: usageType,
		Region: r.Region, Quantity: qty, Unit: unit, Rate: rate, Tags: r.Tags,
	}
}

func (r Resource) check(usageType string, start, end sim.Time, amount, rate float64) error {
	switch {
	case end < start:
		return fmt.Errorf("billing: %s %s %s: end %v before start %v: %w", r.Service, r.ID, usageType, end, start, ErrInvalidUsage)
	case amount < 0 || math.IsNaN(amount):
		return fmt.Errorf("billing: %s %s %s: quantity %v < 0: %w", r.Service, r.ID, usageType, amount, ErrInvalidUsage)
	case rate < 0 || math.IsNaN(rate):
		return fmt.Errorf("billing: %s %s %s: rate %v < 0: %w", r.Service, r.ID, usageType, rate, ErrInvalidUsage)
	}
	return nil
}

// BilledSeconds returns the whole seconds per-second billing charges for a
// period of length d: d rounded up to a second, and at least minimum.
func BilledSeconds(d, minimum time.Duration) int64 {
	if d < minimum {
		d = minimum
	}
	return int64((d + time.Second - 1) / time.Second)
}

// PerSecond prices [start, end) with per-second billing: the period is
// rounded up to whole seconds and charged at least minimum (60 s for EC2
// Linux), at ratePerHour USD per hour. The quantity is in hours.
func (r Resource) PerSecond(usageType string, start, end sim.Time, minimum time.Duration, ratePerHour float64) (LineItem, error) {
	if err := r.check(usageType, start, end, float64(minimum), ratePerHour); err != nil {
		return LineItem{}, err
	}
	secs := BilledSeconds(end.Sub(start), minimum)
	return r.item(usageType, start, end, float64(secs)/3600, UnitHours, ratePerHour), nil
}

// PerHour prices [start, end) billing every started hour in full, at
// ratePerHour USD per hour; a zero-length period costs nothing.
func (r Resource) PerHour(usageType string, start, end sim.Time, ratePerHour float64) (LineItem, error) {
	if err := r.check(usageType, start, end, 0, ratePerHour); err != nil {
		return LineItem{}, err
	}
	hours := math.Ceil(end.Sub(start).Hours())
	return r.item(usageType, start, end, hours, UnitHours, ratePerHour), nil
}

// PerGB prices bytes transferred or processed between start and end (equal
// for an instantaneous charge) at ratePerGB USD per GB of 2^30 bytes.
func (r Resource) PerGB(usageType string, start, end sim.Time, bytes int64, ratePerGB float64) (LineItem, error) {
	if err := r.check(usageType, start, end, float64(bytes), ratePerGB); err != nil {
		return LineItem{}, err
	}
	return r.item(usageType, start, end, float64(bytes)/BytesPerGB, UnitGB, ratePerGB), nil
}

// PerRequest prices n requests served between start and end at
// ratePerRequest USD each (AWS quotes per 1,000, 10,000 or million requests:
// divide accordingly).
func (r Resource) PerRequest(usageType string, start, end sim.Time, n int64, ratePerRequest float64) (LineItem, error) {
	if err := r.check(usageType, start, end, float64(n), ratePerRequest); err != nil {
		return LineItem{}, err
	}
	return r.item(usageType, start, end, float64(n), UnitRequests, ratePerRequest), nil
}

// PerGBMonth prices bytes stored over [start, end) at ratePerGBMonth USD per
// GB-month: the quantity is GB × hours held / HoursPerMonth.
func (r Resource) PerGBMonth(usageType string, start, end sim.Time, bytes int64, ratePerGBMonth float64) (LineItem, error) {
	if err := r.check(usageType, start, end, float64(bytes), ratePerGBMonth); err != nil {
		return LineItem{}, err
	}
	gbMonths := float64(bytes) / BytesPerGB * end.Sub(start).Hours() / HoursPerMonth
	return r.item(usageType, start, end, gbMonths, UnitGBMonth, ratePerGBMonth), nil
}
