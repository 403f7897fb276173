package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors; every error the package returns wraps one of them.
var (
	// ErrInvalidSpace: an empty space, a dimension without values, a
	// duplicate or badly named parameter.
	ErrInvalidSpace = errors.New("sweep: invalid space")
	// ErrInvalidConfig: a Config field out of range or inconsistent.
	ErrInvalidConfig = errors.New("sweep: invalid config")
	// ErrUnknownParam: a parameter name that the space does not have, or a
	// parameter read as the wrong kind.
	ErrUnknownParam = errors.New("sweep: unknown parameter")
	// ErrInvalidShard: a shard index or count out of range or unparsable.
	ErrInvalidShard = errors.New("sweep: invalid shard")
	// ErrOutputExists: an output file exists and Resume is off (or Merge
	// would overwrite it). Nothing was written.
	ErrOutputExists = errors.New("sweep: output exists")
	// ErrMismatch: an output file or merge input belongs to a different
	// sweep (another fingerprint, shard layout or content).
	ErrMismatch = errors.New("sweep: output belongs to a different sweep")
	// ErrIncomplete: merge inputs lack shards or runs.
	ErrIncomplete = errors.New("sweep: incomplete")
	// ErrCorrupt: an output file is not in the format sweep writes.
	ErrCorrupt = errors.New("sweep: corrupt output")
)

// Metrics are the named results of one replication, such as
// {"cost_usd": 12.5, "p99_ms": 180}.
type Metrics map[string]float64

// Func runs one replication and returns its metrics: exactly the names in
// Config.Metrics. It is called from several goroutines at once, each call
// with its own Replica, so it must not share mutable state between calls;
// a sim run built inside the call is the intended use.
type Func func(r *Replica) (Metrics, error)

// Replica is one replication of one point, handed to Func.
type Replica struct {
	// Point is the parameter point.
	Point Point
	// Replica numbers the replications of the point from 0.
	Replica int
	// Seed is the run's root seed: sim.DeriveSeed(Config.Seed,
	// "point/<point>/replica/<n>") with <point> the point's String(), so a
	// point keeps its seeds when the space grows; with
	// CommonRandomNumbers it is sim.DeriveSeed(Config.Seed, "replica/<n>")
	// for every point.
	Seed uint64
	err  error
}

// Int returns an Int parameter. A name the space does not have, or a
// parameter of another kind, returns 0 and fails the replication with
// ErrUnknownParam.
func (r *Replica) Int(name string) int { return r.value(name, Int).Int() }

// Float returns a Float parameter (an Int parameter is converted).
func (r *Replica) Float(name string) float64 { return r.value(name, Float).Float() }

// Duration returns a Duration parameter.
func (r *Replica) Duration(name string) time.Duration { return r.value(name, Duration).Duration() }

// String returns a String parameter.
func (r *Replica) String(name string) string { return r.value(name, String).s }

func (r *Replica) value(name string, k Kind) Value {
	v, ok := r.Point.Lookup(name)
	if !ok {
		r.fail(fmt.Errorf("sweep: parameter %q: not in the space (have %s): %w", name, strings.Join(r.Point.sp.names, ", "), ErrUnknownParam))
		return Value{}
	}
	if v.kind != k && (k != Float || v.kind != Int) {
		r.fail(fmt.Errorf("sweep: parameter %q is %s, read as %s: %w", name, v.kind, k, ErrUnknownParam))
		return Value{}
	}
	return v
}

func (r *Replica) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Sequential stops a point's replications once the confidence interval of
// one metric is narrow enough. After the first Config.Replicas runs of a
// point, and after every further Batch, the point stops when its
// half-width is at most HalfWidth (or Relative·|mean|) or it has
// MaxReplicas runs. The decision depends only on the values of earlier
// replicas, never on timing, so any worker count gives the same runs.
type Sequential struct {
	// Metric is the metric whose interval is watched.
	Metric string
	// HalfWidth is the target half-width in the metric's units; set it or
	// Relative.
	HalfWidth float64
	// Relative is the target half-width as a fraction of |mean|, such as
	// 0.05 for ±5%.
	Relative float64
	// MaxReplicas caps the replications of a point.
	MaxReplicas int
	// Batch is how many replications are added at a time; 0 means 1.
	Batch int
}

// Config describes a sweep.
type Config struct {
	// Name names the sweep in output headers and fingerprints.
	Name string
	// Version is a free tag mixed into the fingerprint: bump it when the
	// model behind Run changes so old outputs are not resumed or merged.
	Version string
	// Space is the set of parameter points.
	Space *Space
	// Seed is the root seed of every replication.
	Seed uint64
	// Replicas is the number of replications per point (the minimum, with
	// Sequential).
	Replicas int
	// CommonRandomNumbers gives replica n of every point the same seed, so
	// points are compared under the same random traffic (a variance
	// reduction for differences between points).
	CommonRandomNumbers bool
	// Metrics names the metrics each replication returns, in output column
	// order.
	Metrics []string
	// Run runs one replication.
	Run Func
	// Stats are extra per-point statistics for the summary.
	Stats []Statistic
	// Confidence is the two-sided confidence level of intervals; 0 means
	// 0.95.
	Confidence float64
	// Sequential, when set, adds replications until intervals are narrow.
	Sequential *Sequential
	// Workers is the number of replications run at once; 0 means
	// runtime.GOMAXPROCS(0). Results do not depend on it.
	Workers int
	// Shard restricts the run to part of the points (see Shard).
	Shard Shard
	// CSV, JSONL and Summary are output paths ("" for none). CSV and JSONL
	// get one line per replication as it finishes and are rewritten in
	// (point, replica) order when the sweep completes; Summary gets one line
	// per point at the end.
	CSV, JSONL, Summary string
	// Resume continues from existing CSV/JSONL outputs of the same sweep,
	// keeping their runs; raising Replicas (without Sequential) adds
	// replications to a finished sweep. Without Resume an existing output
	// is an error.
	Resume bool
	// Progress receives a progress bar (points done, runs done of runs
	// decided, runs/s, time left); nil means standard error when it is a
	// terminal.
	Progress io.Writer
	// NoProgress turns the progress bar off.
	NoProgress bool
}

// plan is a validated Config.
type plan struct {
	Config
	fp      string
	shard   Shard
	metric  map[string]int
	seqIdx  int // index of Sequential.Metric in Metrics
	batch   int
	workers int
}

var reserved = []string{"point", "replica", "seed", "replicas"}

func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("sweep: %s with empty name: %w", what, ErrInvalidConfig)
	}
	if strings.ContainsAny(name, "\",\n\r#") {
		return fmt.Errorf("sweep: %s %q: name may not contain quotes, commas, '#' or newlines: %w", what, name, ErrInvalidConfig)
	}
	return nil
}

// compile validates cfg; it touches no file.
func compile(cfg Config) (*plan, error) {
	p := &plan{Config: cfg, metric: map[string]int{}, shard: cfg.Shard.norm(), seqIdx: -1}
	if strings.ContainsAny(cfg.Name, "\n\r") {
		return nil, fmt.Errorf("sweep: Name %q contains a newline: %w", cfg.Name, ErrInvalidConfig)
	}
	if cfg.Space == nil || cfg.Space.Len() == 0 {
		return nil, fmt.Errorf("sweep: %q: Space is empty: %w", cfg.Name, ErrInvalidSpace)
	}
	if cfg.Run == nil {
		return nil, fmt.Errorf("sweep: %q: Run is nil: %w", cfg.Name, ErrInvalidConfig)
	}
	if cfg.Replicas < 1 {
		return nil, fmt.Errorf("sweep: %q: Replicas %d < 1: %w", cfg.Name, cfg.Replicas, ErrInvalidConfig)
	}
	if len(cfg.Metrics) == 0 {
		return nil, fmt.Errorf("sweep: %q: no Metrics: %w", cfg.Name, ErrInvalidConfig)
	}
	used := slices.Clone(reserved)
	used = append(used, cfg.Space.names...)
	for i, m := range cfg.Metrics {
		if err := checkName("metric", m); err != nil {
			return nil, err
		}
		if slices.Contains(used, m) {
			return nil, fmt.Errorf("sweep: %q: metric %q clashes with a parameter or column name: %w", cfg.Name, m, ErrInvalidConfig)
		}
		used = append(used, m)
		p.metric[m] = i
	}
	if p.Confidence == 0 {
		p.Confidence = 0.95
	}
	if !(p.Confidence > 0 && p.Confidence < 1) {
		return nil, fmt.Errorf("sweep: %q: Confidence %v not in (0, 1): %w", cfg.Name, cfg.Confidence, ErrInvalidConfig)
	}
	for _, m := range cfg.Metrics {
		for _, suf := range summarySuffixes {
			used = append(used, m+suf)
		}
	}
	for _, st := range cfg.Stats {
		if err := checkName("statistic", st.Name); err != nil {
			return nil, err
		}
		if _, ok := p.metric[st.Metric]; !ok {
			return nil, fmt.Errorf("sweep: %q: statistic %q: unknown metric %q: %w", cfg.Name, st.Name, st.Metric, ErrInvalidConfig)
		}
		if st.Func == nil {
			return nil, fmt.Errorf("sweep: %q: statistic %q: Func is nil: %w", cfg.Name, st.Name, ErrInvalidConfig)
		}
		if slices.Contains(used, st.Name) {
			return nil, fmt.Errorf("sweep: %q: statistic %q clashes with another column: %w", cfg.Name, st.Name, ErrInvalidConfig)
		}
		used = append(used, st.Name)
	}
	if sq := cfg.Sequential; sq != nil {
		i, ok := p.metric[sq.Metric]
		if !ok {
			return nil, fmt.Errorf("sweep: %q: Sequential.Metric %q is not in Metrics: %w", cfg.Name, sq.Metric, ErrInvalidConfig)
		}
		p.seqIdx = i
		if !(sq.HalfWidth > 0) && !(sq.Relative > 0) {
			return nil, fmt.Errorf("sweep: %q: Sequential needs HalfWidth > 0 or Relative > 0: %w", cfg.Name, ErrInvalidConfig)
		}
		if sq.HalfWidth > 0 && sq.Relative > 0 {
			return nil, fmt.Errorf("sweep: %q: Sequential sets both HalfWidth and Relative: %w", cfg.Name, ErrInvalidConfig)
		}
		if cfg.Replicas < 2 {
			return nil, fmt.Errorf("sweep: %q: Sequential needs Replicas ≥ 2 for a first interval, got %d: %w", cfg.Name, cfg.Replicas, ErrInvalidConfig)
		}
		if sq.MaxReplicas < cfg.Replicas {
			return nil, fmt.Errorf("sweep: %q: Sequential.MaxReplicas %d < Replicas %d: %w", cfg.Name, sq.MaxReplicas, cfg.Replicas, ErrInvalidConfig)
		}
		if sq.Batch < 0 {
			return nil, fmt.Errorf("sweep: %q: Sequential.Batch %d < 0: %w", cfg.Name, sq.Batch, ErrInvalidConfig)
		}
		p.batch = max(sq.Batch, 1)
	}
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("sweep: %q: Workers %d < 0: %w", cfg.Name, cfg.Workers, ErrInvalidConfig)
	}
	p.workers = cfg.Workers
	if p.workers == 0 {
		p.workers = runtime.GOMAXPROCS(0)
	}
	if err := cfg.Shard.validate(); err != nil {
		return nil, err
	}
	paths := []string{}
	for _, path := range []string{cfg.CSV, cfg.JSONL, cfg.Summary} {
		if path == "" {
			continue
		}
		if slices.Contains(paths, path) {
			return nil, fmt.Errorf("sweep: %q: output %s named twice: %w", cfg.Name, path, ErrInvalidConfig)
		}
		paths = append(paths, path)
	}
	p.fp = p.fingerprint()
	return p, nil
}

// summarySuffixes name the summary columns of each metric.
var summarySuffixes = []string{"_mean", "_sd", "_lo", "_hi", "_hw"}

// fingerprint hashes everything that decides what each run returns and,
// with Sequential, which runs exist: names, seeds, the stopping rule and
// every point. Workers, shards, outputs and summary-only settings are left
// out, and so is Replicas without Sequential: replica n has the same seed
// whatever the count, so a finished sweep can be resumed with more.
func (p *plan) fingerprint() string {
	h := sha256.New()
	w := func(parts ...string) {
		for _, s := range parts {
			io.WriteString(h, strconv.Itoa(len(s)))
			io.WriteString(h, ":")
			io.WriteString(h, s)
		}
		io.WriteString(h, "\n")
	}
	w("nimbus-sweep/1", p.Name, p.Version, strconv.FormatUint(p.Seed, 10), strconv.FormatBool(p.CommonRandomNumbers))
	w(p.Metrics...)
	if sq := p.Sequential; sq != nil {
		w("sequential", strconv.Itoa(p.Replicas), sq.Metric, fmtFloat(sq.HalfWidth), fmtFloat(sq.Relative), strconv.Itoa(sq.MaxReplicas), strconv.Itoa(p.batch), fmtFloat(p.Confidence))
	}
	sp := p.Space
	w(sp.kind)
	for j, name := range sp.names {
		w(name, sp.kinds[j].String())
	}
	row := make([]string, len(sp.names))
	for _, pt := range sp.points {
		for j, v := range pt {
			row[j] = v.String()
		}
		w(row...)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Fingerprint returns the sweep's fingerprint: the hash every output
// carries, so that resume and merge refuse files of another sweep.
func (cfg Config) Fingerprint() (string, error) {
	p, err := compile(cfg)
	if err != nil {
		return "", err
	}
	return p.fp, nil
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// needMore reports whether a point with these replica values needs more
// replications under the Sequential rule.
func (p *plan) needMore(vals [][]float64) bool {
	sq := p.Sequential
	if sq == nil || len(vals) >= sq.MaxReplicas {
		return false
	}
	xs := make([]float64, len(vals))
	for k, v := range vals {
		xs[k] = v[p.seqIdx]
	}
	s := summarize("", xs, p.Confidence)
	target := sq.HalfWidth
	if sq.Relative > 0 {
		target = sq.Relative * math.Abs(s.Mean)
	}
	return s.HalfWidth > target
}

// maxReplicas is the most replications a point can get.
func (p *plan) maxReplicas() int {
	if p.Sequential != nil {
		return p.Sequential.MaxReplicas
	}
	return p.Replicas
}
