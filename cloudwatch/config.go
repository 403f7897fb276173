package cloudwatch

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors; every error the package returns wraps one of them.
var (
	// ErrInvalidConfig is wrapped by errors about a Config.
	ErrInvalidConfig = errors.New("cloudwatch: invalid config")
	// ErrInvalidParameter is wrapped by errors about a request: a reserved
	// namespace, too many dimensions, a period CloudWatch does not allow, an
	// alarm whose DatapointsToAlarm exceeds EvaluationPeriods, a malformed
	// expression. It corresponds to AWS's InvalidParameterValue and
	// ValidationError.
	ErrInvalidParameter = errors.New("cloudwatch: invalid parameter")
	// ErrNotFound is wrapped when a named alarm does not exist
	// (ResourceNotFound).
	ErrNotFound = errors.New("cloudwatch: not found")
)

// Config configures a CloudWatch store. The zero value is valid and means
// the defaults documented on each field.
type Config struct {
	// PublicationDelay is the time between a datapoint being published and
	// it becoming visible to queries and alarms. AWS documents no figure for
	// this lag (only that a new metric can take up to 2 minutes to be
	// readable and 15 minutes to be listed); the default of 30 s is an
	// assumption. Services publish each minute's aggregate at the end of the
	// minute, so with the default an alarm evaluated on whole minutes sees
	// the minute before last plus, from the next evaluation on, the last
	// one. Set it to a negative value for no delay (zero means the default).
	PublicationDelay time.Duration
	// EvaluationOffset shifts alarm evaluations within their interval:
	// standard alarms are evaluated at every whole minute since the epoch
	// plus this offset, high-resolution alarms (10 s and 30 s periods) every
	// 10 s plus the offset modulo 10 s. AWS evaluates each alarm at a moment
	// of its own within the minute; the default 0 is an assumption.
	EvaluationOffset time.Duration
	// EvaluationRangeExtra is how many periods beyond EvaluationPeriods an
	// alarm fetches to decide how to treat missing data. AWS's documented
	// example fetches 5 periods for 3 evaluation periods; the general rule is
	// not published, so the default of 2 is an assumption that reproduces
	// the example.
	EvaluationRangeExtra int
	// CompactionInterval is how often (in virtual time, checked when data is
	// published) aged data is rolled up into coarser resolutions, expired
	// data dropped and the buckets written since the last compaction packed.
	// Default 1 h; a finer tier may hold up to one interval of data past its
	// retention, and the last interval's percentile sketches stay dense.
	CompactionInterval time.Duration
}

// Defaults for Config fields left zero.
const (
	DefaultPublicationDelay     = 30 * time.Second
	DefaultEvaluationRangeExtra = 2
	DefaultCompactionInterval   = time.Hour
)

// withDefaults validates cfg and fills in defaults.
func (cfg Config) withDefaults() (Config, error) {
	switch {
	case cfg.EvaluationOffset < 0 || cfg.EvaluationOffset >= time.Minute:
		return cfg, fmt.Errorf("cloudwatch: config: EvaluationOffset %v outside [0, 1m): %w", cfg.EvaluationOffset, ErrInvalidConfig)
	case cfg.EvaluationRangeExtra < 0:
		return cfg, fmt.Errorf("cloudwatch: config: EvaluationRangeExtra %d < 0: %w", cfg.EvaluationRangeExtra, ErrInvalidConfig)
	case cfg.CompactionInterval < 0:
		return cfg, fmt.Errorf("cloudwatch: config: CompactionInterval %v < 0: %w", cfg.CompactionInterval, ErrInvalidConfig)
	case cfg.PublicationDelay > 15*time.Minute:
		return cfg, fmt.Errorf("cloudwatch: config: PublicationDelay %v > 15m: %w", cfg.PublicationDelay, ErrInvalidConfig)
	}
	switch {
	case cfg.PublicationDelay == 0:
		cfg.PublicationDelay = DefaultPublicationDelay
	case cfg.PublicationDelay < 0:
		cfg.PublicationDelay = 0
	}
	if cfg.EvaluationRangeExtra == 0 {
		cfg.EvaluationRangeExtra = DefaultEvaluationRangeExtra
	}
	if cfg.CompactionInterval == 0 {
		cfg.CompactionInterval = DefaultCompactionInterval
	}
	return cfg, nil
}
