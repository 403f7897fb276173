package s3

import (
	"fmt"
	"math"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
)

// MetricPublisher receives aggregated CloudWatch datapoints; a nil
// publisher means "do not publish". *cloudwatch.CloudWatch implements it.
type MetricPublisher interface {
	Publish(namespace string, d cloudwatch.MetricDatum)
}

// Biller receives priced usage; nil means "do not bill". *billing.Ledger
// implements it.
type Biller interface {
	Add(billing.LineItem)
}

// Object and upload size limits (AWS S3 quotas).
const (
	// MaxObjectSize is the largest object, 5 TiB.
	MaxObjectSize int64 = 5 << 40
	// MaxPutSize is the largest single PUT or CopyObject, 5 GiB.
	MaxPutSize int64 = 5 << 30
	// MaxParts is the most parts a multipart upload may have.
	MaxParts = 10000
	// MinPartSize is the smallest part except the last, 5 MiB.
	MinPartSize int64 = 5 << 20
	// MaxPartSize is the largest part, 5 GiB.
	MaxPartSize int64 = 5 << 30
	// MaxListKeys is the most keys one ListObjectsV2 page returns.
	MaxListKeys = 1000
	// MaxPresignExpiry is the longest presigned-URL lifetime (SigV4 with
	// IAM-user credentials), 7 days.
	MaxPresignExpiry = 7 * 24 * time.Hour
)

// Latency is a log-normal latency distribution given by its median and the
// standard deviation of its logarithm (Sigma = 0 makes it constant).
type Latency struct {
	// Median is the distribution's median.
	Median time.Duration
	// Sigma is the standard deviation of ln(latency); 0 means constant.
	Sigma float64
}

// Performance holds the request-rate and latency model. Zero fields take
// the defaults documented on each field.
type Performance struct {
	// ReadRate is GET/HEAD requests per second per partitioned prefix
	// (default 5,500, AWS's documented minimum).
	ReadRate float64
	// WriteRate is PUT/COPY/POST/DELETE requests per second per partitioned
	// prefix (default 3,500).
	WriteRate float64
	// Burst is how many seconds of the rate a prefix's token bucket holds
	// (default 1 s; it must hold at least one request). An assumption: AWS
	// does not publish its burst.
	Burst time.Duration
	// SplitAfter is how long a prefix must be throttled without a one-second
	// break before S3 splits it, doubling its capacity (default 15 min).
	// An assumption: AWS says only that scaling is gradual. Negative
	// disables splitting.
	SplitAfter time.Duration
	// MaxPartitions caps the partitions per prefix (default 64; assumption).
	MaxPartitions int
	// PrefixDelimiter ends the part of a key that names its prefix for rate
	// limiting: the prefix of "a/b/c.jpg" is "a/b/" (default "/").
	PrefixDelimiter string
	// ReadFirstByte is the time to first byte of a GET or HEAD (default
	// median 30 ms, sigma 0.6: p99 ≈ 120 ms, within AWS's "100–200 ms for
	// small objects" guidance; an assumption).
	ReadFirstByte Latency
	// WriteLatency is the time a PUT, COPY, POST or DELETE takes before the
	// body transfer (default median 50 ms, sigma 0.6; an assumption).
	WriteLatency Latency
	// Throughput is the per-connection transfer rate in bytes per second
	// (at least 1; default 90 MB/s, the commonly quoted single-connection
	// rate; an assumption).
	Throughput float64
	// NoLatency answers requests at once (rate limits still apply).
	NoLatency bool
	// NoRateLimits turns the per-prefix rate limits off.
	NoRateLimits bool
	// InjectUnavailability makes each GET or HEAD of an object through
	// Serve fail with 503 ServiceUnavailable with probability 1 −
	// availability of the object's storage class (ClassInfo.Availability,
	// AWS's design figures): 0.01 % for Standard, 0.5 % for One Zone-IA.
	// Failures are independent per request (an assumption; real outages
	// are correlated). Off by default.
	InjectUnavailability bool
}

// DefaultPerformance returns the defaults of every Performance field.
func DefaultPerformance() Performance {
	return Performance{
		ReadRate: 5500, WriteRate: 3500, Burst: time.Second, SplitAfter: 15 * time.Minute,
		MaxPartitions: 64, PrefixDelimiter: "/",
		ReadFirstByte: Latency{30 * time.Millisecond, 0.6},
		WriteLatency:  Latency{50 * time.Millisecond, 0.6},
		Throughput:    90e6,
	}
}

// Config configures an S3 partition: the set of all buckets whose names
// must be unique.
type Config struct {
	// Partition is the AWS partition, "aws" (default), "aws-cn" or
	// "aws-us-gov"; it appears in ARNs.
	Partition string
	// Region is the default region of new buckets (default "us-east-1").
	Region string
	// AccountID is the account that creates buckets unless BucketConfig
	// says otherwise (default "123456789012").
	AccountID string
	// MaxBuckets is the per-account bucket quota (default 10,000, AWS's
	// post-2024 general-purpose default; [verify]).
	MaxBuckets int
	// Prices is the price table; the zero value means DefaultPrices().
	Prices Prices
	// Performance is the rate-limit and latency model.
	Performance Performance
	// MonthHours is the number of hours in a billing month for GB-month
	// arithmetic (default 730, as AWS's pricing examples use).
	MonthHours float64
	// SmallObjectTransitions, when false (the default, AWS's behaviour since
	// September 2024; [verify]), keeps lifecycle rules from transitioning
	// objects smaller than 128 KiB unless the rule sets a size filter.
	SmallObjectTransitions bool
	// Glacier and DeepArchive restore times, indexed by RestoreTier; zero
	// values mean DefaultRestoreTimes().
	GlacierRestoreTimes, DeepArchiveRestoreTimes [numRestoreTiers]RestoreTime
	// Metrics receives AWS/S3 metrics; nil publishes nothing.
	Metrics MetricPublisher
	// Billing receives daily line items; nil bills nothing.
	Billing Biller
}

func (c *Config) withDefaults() error {
	if c.Partition == "" {
		c.Partition = "aws"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.AccountID == "" {
		c.AccountID = "123456789012"
	}
	if c.MaxBuckets == 0 {
		c.MaxBuckets = 10000
	}
	if c.Prices == (Prices{}) {
		c.Prices = DefaultPrices()
	}
	if c.MonthHours == 0 {
		c.MonthHours = 730
	}
	g, d := DefaultRestoreTimes()
	if c.GlacierRestoreTimes == ([numRestoreTiers]RestoreTime{}) {
		c.GlacierRestoreTimes = g
	}
	if c.DeepArchiveRestoreTimes == ([numRestoreTiers]RestoreTime{}) {
		c.DeepArchiveRestoreTimes = d
	}
	p, def := &c.Performance, DefaultPerformance()
	if p.ReadRate == 0 {
		p.ReadRate = def.ReadRate
	}
	if p.WriteRate == 0 {
		p.WriteRate = def.WriteRate
	}
	if p.Burst == 0 {
		p.Burst = def.Burst
	}
	if p.SplitAfter == 0 {
		p.SplitAfter = def.SplitAfter
	}
	if p.MaxPartitions == 0 {
		p.MaxPartitions = def.MaxPartitions
	}
	if p.PrefixDelimiter == "" {
		p.PrefixDelimiter = def.PrefixDelimiter
	}
	if p.ReadFirstByte == (Latency{}) {
		p.ReadFirstByte = def.ReadFirstByte
	}
	if p.WriteLatency == (Latency{}) {
		p.WriteLatency = def.WriteLatency
	}
	if p.Throughput == 0 {
		p.Throughput = def.Throughput
	}
	bad := func(field string, v any) error {
		return fmt.Errorf("s3: config: %s %v is invalid: %w", field, v, ErrInvalidConfig)
	}
	switch {
	case c.Partition != "aws" && c.Partition != "aws-cn" && c.Partition != "aws-us-gov":
		return bad("Partition", c.Partition)
	case len(c.AccountID) != 12 || !digits(c.AccountID):
		return bad("AccountID", c.AccountID)
	case c.MaxBuckets < 0:
		return bad("MaxBuckets", c.MaxBuckets)
	case !(c.MonthHours > 0) || math.IsInf(c.MonthHours, 0):
		return bad("MonthHours", c.MonthHours)
	case !(p.ReadRate > 0) || !(p.WriteRate > 0):
		return bad("Performance.ReadRate/WriteRate", [2]float64{p.ReadRate, p.WriteRate})
	case p.Burst.Seconds()*min(p.ReadRate, p.WriteRate) < 1:
		// A bucket that cannot hold one token would refuse every request.
		return bad("Performance.Burst", p.Burst)
	case p.MaxPartitions < 1:
		return bad("Performance.MaxPartitions", p.MaxPartitions)
	case p.ReadFirstByte.Median < 0 || !(p.ReadFirstByte.Sigma >= 0) || math.IsInf(p.ReadFirstByte.Sigma, 1):
		return bad("Performance.ReadFirstByte", p.ReadFirstByte)
	case p.WriteLatency.Median < 0 || !(p.WriteLatency.Sigma >= 0) || math.IsInf(p.WriteLatency.Sigma, 1):
		return bad("Performance.WriteLatency", p.WriteLatency)
	case !(p.Throughput >= 1):
		return bad("Performance.Throughput", p.Throughput)
	}
	for i, t := range append(c.GlacierRestoreTimes[:], c.DeepArchiveRestoreTimes[:]...) {
		if t.Min < 0 || t.Max < t.Min || t.Max > 100*365*day { // beyond: overflows virtual time
			return bad(fmt.Sprintf("restore time %s", RestoreTier(i%int(numRestoreTiers))), t)
		}
	}
	return nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
