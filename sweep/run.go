package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ErrRun wraps the error (or panic) of a replication's Func.
var ErrRun = errors.New("sweep: replication failed")

// Result is the outcome of a sweep, or of one shard of it.
type Result struct {
	// Fingerprint identifies the sweep (see Config.Fingerprint).
	Fingerprint string
	// Shard is the part of the sweep this result covers.
	Shard Shard
	// Params and Metrics are the column names.
	Params, Metrics []string
	// Runs holds every replication of the shard in (point, replica) order.
	Runs []Record
	// Points summarises each point of the shard, in point order.
	Points []PointSummary
	// Executed counts the replications run by this call; Recovered those
	// read back from existing outputs.
	Executed, Recovered int

	p *plan
}

// PointSummary summarises the replications of one point.
type PointSummary struct {
	// Point is the parameter point.
	Point Point
	// Replicas is the number of replications.
	Replicas int
	// Metrics holds one Summary per metric, in Config.Metrics order.
	Metrics []Summary
	// Stats holds the user statistics, in Config.Stats order.
	Stats []float64

	statNames []string
}

// Metric returns the summary of the named metric.
func (ps PointSummary) Metric(name string) (Summary, bool) {
	for _, s := range ps.Metrics {
		if s.Metric == name {
			return s, true
		}
	}
	return Summary{}, false
}

// Stat returns the named user statistic.
func (ps PointSummary) Stat(name string) (float64, bool) {
	i := slices.Index(ps.statNames, name)
	if i < 0 {
		return 0, false
	}
	return ps.Stats[i], true
}

// pointState tracks the replications of one point.
type pointState struct {
	index int
	vals  [][]float64 // by replica; nil until done
	want  int         // replications decided so far
	done  bool
}

func (ps *pointState) has(k int) bool { return k < len(ps.vals) && ps.vals[k] != nil }

func (ps *pointState) set(k int, v []float64) {
	for len(ps.vals) <= k {
		ps.vals = append(ps.vals, nil)
	}
	ps.vals[k] = v
}

// missing lists the replicas in [from, ps.want) not yet done.
func (ps *pointState) missing(from int) []int {
	var out []int
	for k := from; k < ps.want; k++ {
		if !ps.has(k) {
			out = append(out, k)
		}
	}
	return out
}

// advance decides, once replicas [0, want) are all done, whether the point
// is finished or needs more; it returns the replicas newly needed.
func (p *plan) advance(ps *pointState) []int {
	for !ps.done {
		if len(ps.missing(0)) > 0 {
			return nil
		}
		if !p.needMore(ps.vals[:ps.want]) {
			ps.done = true
			return nil
		}
		old := ps.want
		ps.want = min(old+p.batch, p.Sequential.MaxReplicas)
		if need := ps.missing(old); len(need) > 0 {
			return need
		}
	}
	return nil
}

// states returns a pointState per point owned by shard s, fed with recs.
func (p *plan) states(s Shard, recs map[[2]int]Record) []*pointState {
	var sts []*pointState
	for i := s.Index; i < p.Space.Len(); i += s.Count {
		sts = append(sts, &pointState{index: i, want: p.Replicas})
	}
	for _, r := range sortedRecords(recs) {
		sts[(r.Point-s.Index)/s.Count].set(r.Replica, r.Values)
	}
	return sts
}

func sortedRecords(m map[[2]int]Record) []Record {
	recs := make([]Record, 0, len(m))
	for _, r := range m {
		recs = append(recs, r)
	}
	sortRecords(recs)
	return recs
}

// addRecord adds r to recs; a second copy must agree bit for bit.
func addRecord(recs map[[2]int]Record, r Record, path string) error {
	k := [2]int{r.Point, r.Replica}
	if old, ok := recs[k]; ok {
		for i := range old.Values {
			if math.Float64bits(old.Values[i]) != math.Float64bits(r.Values[i]) {
				return fmt.Errorf("sweep: %s: point %d replica %d disagrees with another output: %w", path, r.Point, r.Replica, ErrMismatch)
			}
		}
		return nil
	}
	recs[k] = r
	return nil
}

type job struct{ point, replica int }

type outcome struct {
	job
	vals []float64
	err  error
}

// execute runs one replication, turning panics and bad metrics into errors.
func (p *plan) execute(j job) (o outcome) {
	o.job = j
	pt := p.Space.Point(j.point)
	r := &Replica{Point: pt, Replica: j.replica, Seed: p.seed(j.point, j.replica)}
	where := fmt.Sprintf("sweep: %q point %d (%s) replica %d", p.Name, j.point, pt, j.replica)
	defer func() {
		if v := recover(); v != nil {
			o.vals, o.err = nil, fmt.Errorf("%s: panic: %v: %w\n%s", where, v, ErrRun, debug.Stack())
		}
	}()
	m, err := p.Run(r)
	if r.err != nil {
		return outcome{job: j, err: fmt.Errorf("%s: %w", where, r.err)}
	}
	if err != nil {
		return outcome{job: j, err: fmt.Errorf("%s: %w: %w", where, ErrRun, err)}
	}
	o.vals = make([]float64, len(p.Metrics))
	for i, name := range p.Metrics {
		v, ok := m[name]
		if !ok {
			return outcome{job: j, err: fmt.Errorf("%s: Run returned no metric %q: %w", where, name, ErrInvalidConfig)}
		}
		o.vals[i] = v
	}
	if len(m) > len(p.Metrics) {
		for _, name := range sortedKeys(m) {
			if _, ok := p.metric[name]; !ok {
				return outcome{job: j, err: fmt.Errorf("%s: Run returned metric %q not in Config.Metrics: %w", where, name, ErrInvalidConfig)}
			}
		}
	}
	return o
}

// sink is one CSV or JSON Lines output being appended to.
type sink struct {
	path string
	csv  bool
	f    *os.File
}

// Run runs the sweep (or Config.Shard of it) on Workers goroutines and
// returns its result. Runs are appended to the CSV and JSON Lines outputs
// as they finish; when all are done the outputs are rewritten in (point,
// replica) order, so their bytes do not depend on worker timing, and the
// summary is written.
//
// If ctx is cancelled or a replication fails, Run stops handing out work,
// waits for the replications in progress, keeps them in the outputs and
// returns an error; run again with Resume to finish. Bad configuration and
// outputs of another sweep are reported before any file is written.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	p, err := compile(cfg)
	if err != nil {
		return nil, err
	}
	sinks, recs, err := p.openOutputs()
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, s := range sinks {
			s.f.Close()
		}
	}()
	sts := p.states(p.shard, recs)
	var queue []job
	total, doneRuns, donePoints := 0, 0, 0
	for _, ps := range sts {
		need := ps.missing(0)
		if len(need) == 0 {
			need = p.advance(ps)
		}
		for _, k := range need {
			queue = append(queue, job{ps.index, k})
		}
		total += ps.want
		for k := range ps.want {
			if ps.has(k) {
				doneRuns++
			}
		}
		if ps.done {
			donePoints++
		}
	}
	bar := p.newProgress(total-doneRuns, donePoints, len(sts))
	defer bar.close()

	jobs := make(chan job)
	results := make(chan outcome)
	var wg sync.WaitGroup
	for range min(p.workers, max(len(queue), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- p.execute(j)
			}
		}()
	}
	var runErr error
	var errJob job
	inflight, executed := 0, 0
	stopping := false
	cancelled := ctx.Done()
	for inflight > 0 || (!stopping && len(queue) > 0) {
		var send chan<- job
		var next job
		if !stopping && len(queue) > 0 {
			send, next = jobs, queue[0]
		}
		select {
		case send <- next:
			queue = queue[1:]
			inflight++
		case o := <-results:
			inflight--
			if o.err == nil {
				o.err = p.appendRun(sinks, Record{Point: o.point, Replica: o.replica, Seed: p.seed(o.point, o.replica), Values: o.vals})
			}
			if o.err != nil {
				// Report the earliest failing run of those that ran, so
				// that with one worker the same one is reported each time.
				if runErr == nil || o.point < errJob.point || (o.point == errJob.point && o.replica < errJob.replica) {
					runErr, errJob = o.err, o.job
				}
				stopping = true
				continue
			}
			executed++
			ps := sts[(o.point-p.shard.Index)/p.shard.Count]
			ps.set(o.replica, o.vals)
			before := ps.want
			for _, k := range p.advance(ps) {
				queue = append(queue, job{ps.index, k})
			}
			total += ps.want - before
			if ps.done {
				donePoints++
			}
			bar.update(total-doneRuns, 1, donePoints)
		case <-cancelled:
			cancelled = nil
			stopping = true
		}
	}
	close(jobs)
	wg.Wait()
	if runErr != nil {
		return nil, runErr
	}
	if err := ctx.Err(); err != nil && donePoints < len(sts) {
		return nil, fmt.Errorf("sweep: %q interrupted after %d of %d runs; run again with Resume to finish: %w", p.Name, doneRuns+executed, total, err)
	}
	for _, s := range sinks {
		if err := s.f.Close(); err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
	}
	res, err := p.finish(p.shard, sts, sinks)
	if err != nil {
		return nil, err
	}
	res.Executed, res.Recovered = executed, len(recs)
	bar.finish()
	return res, nil
}

// openOutputs checks every output before writing any: existing ones need
// Resume and this sweep's fingerprint and shard. It then rewrites them with
// the runs recovered from all of them and opens them for appending.
func (p *plan) openOutputs() (_ []*sink, _ map[[2]int]Record, err error) {
	var sinks []*sink
	defer func() {
		if err != nil {
			for _, s := range sinks {
				if s.f != nil {
					s.f.Close()
				}
			}
		}
	}()
	if p.JSONL != "" {
		sinks = append(sinks, &sink{path: p.JSONL})
	}
	if p.CSV != "" {
		sinks = append(sinks, &sink{path: p.CSV, csv: true})
	}
	recs := map[[2]int]Record{}
	for _, path := range []string{p.JSONL, p.CSV, p.Summary} {
		if path != "" && exists(path) && !p.Resume {
			return nil, nil, fmt.Errorf("sweep: %q: %s exists (set Resume to continue it): %w", p.Name, path, ErrOutputExists)
		}
	}
	for _, s := range sinks {
		if !exists(s.path) {
			continue
		}
		o, err := p.readOutput(s.path)
		if err != nil {
			return nil, nil, err
		}
		if !o.header {
			continue
		}
		if o.csv != s.csv {
			return nil, nil, fmt.Errorf("sweep: %s: holds %s, want %s: %w", s.path, formatName(o.csv), formatName(s.csv), ErrMismatch)
		}
		if o.shard != p.shard {
			return nil, nil, fmt.Errorf("sweep: %s: written by shard %s, this run is shard %s: %w", s.path, o.shard, p.shard, ErrMismatch)
		}
		for _, r := range o.records {
			if err := addRecord(recs, r, s.path); err != nil {
				return nil, nil, err
			}
		}
	}
	all := sortedRecords(recs)
	for _, s := range sinks {
		if !exists(s.path) {
			// A new file needs only its header: no rewrite, no sync.
			f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
			if err != nil {
				return nil, nil, fmt.Errorf("sweep: %w", err)
			}
			s.f = f
			hdr := p.jsonHeader(p.shard)
			if s.csv {
				hdr = p.csvHeader(p.shard)
			}
			if _, err := f.Write(hdr); err != nil {
				return nil, nil, fmt.Errorf("sweep: %s: %w", s.path, err)
			}
			continue
		}
		// Rewrite what was recovered: drops a cut-off last line and adds
		// runs that only the other output had.
		if err := p.writeRuns(s.path, s.csv, p.shard, all); err != nil {
			return nil, nil, err
		}
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("sweep: %w", err)
		}
		s.f = f
	}
	return sinks, recs, nil
}

func formatName(csv bool) string {
	if csv {
		return "CSV"
	}
	return "JSON Lines"
}

// appendRun writes one finished run to every output, one write per file so
// that a kill leaves at most a partial last line.
func (p *plan) appendRun(sinks []*sink, r Record) error {
	for _, s := range sinks {
		line := p.jsonRecord(r)
		if s.csv {
			line = p.csvRecord(r)
		}
		if _, err := s.f.Write(line); err != nil {
			return fmt.Errorf("sweep: %s: %w", s.path, err)
		}
	}
	return nil
}

// finish builds the result of finished points and writes the outputs in
// canonical order, and the summary.
func (p *plan) finish(s Shard, sts []*pointState, sinks []*sink) (*Result, error) {
	res := &Result{Fingerprint: p.fp, Shard: s, Params: p.Space.Names(), Metrics: slices.Clone(p.Metrics), p: p}
	for _, ps := range sts {
		for k := range ps.want {
			res.Runs = append(res.Runs, Record{Point: ps.index, Replica: k, Seed: p.seed(ps.index, k), Values: ps.vals[k]})
		}
		res.Points = append(res.Points, p.summarizePoint(ps.index, ps.vals[:ps.want]))
	}
	for _, sk := range sinks {
		if err := p.writeRuns(sk.path, sk.csv, s, res.Runs); err != nil {
			return nil, err
		}
	}
	if p.Summary != "" {
		if err := writeAtomic(p.Summary, res.WriteSummaryCSV); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (p *plan) summarizePoint(i int, vals [][]float64) PointSummary {
	ps := PointSummary{Point: p.Space.Point(i), Replicas: len(vals)}
	xs := make([][]float64, len(p.Metrics))
	for m := range p.Metrics {
		xs[m] = make([]float64, len(vals))
		for k, v := range vals {
			xs[m][k] = v[m]
		}
		ps.Metrics = append(ps.Metrics, summarize(p.Metrics[m], xs[m], p.Confidence))
	}
	for _, st := range p.Stats {
		ps.statNames = append(ps.statNames, st.Name)
		ps.Stats = append(ps.Stats, st.Func(slices.Clone(xs[p.metric[st.Metric]])))
	}
	return ps
}

// WriteSummaryCSV writes one row per point: the parameters, the number of
// replications, then for each metric m the columns m_mean, m_sd, m_lo,
// m_hi and m_hw (confidence interval bounds and half-width), then the user
// statistics. The first line is a "# nimbus-sweep/1 …" comment.
func (r *Result) WriteSummaryCSV(w io.Writer) error {
	p := r.p
	hdr := p.csvHeader(r.Shard)
	first := hdr[:strings.IndexByte(string(hdr), '\n')+1]
	cols := append([]string{"point"}, p.Space.names...)
	cols = append(cols, "replicas")
	for _, m := range p.Metrics {
		for _, suf := range summarySuffixes {
			cols = append(cols, m+suf)
		}
	}
	for _, st := range p.Stats {
		cols = append(cols, st.Name)
	}
	if _, err := w.Write(first); err != nil {
		return err
	}
	if _, err := w.Write(csvLine(cols)); err != nil {
		return err
	}
	for _, ps := range r.Points {
		row := []string{strconv.Itoa(ps.Point.Index)}
		for _, v := range ps.Point.Values() {
			row = append(row, v.String())
		}
		row = append(row, strconv.Itoa(ps.Replicas))
		for _, s := range ps.Metrics {
			row = append(row, fmtFloat(s.Mean), fmtFloat(s.StdDev), fmtFloat(s.Lo), fmtFloat(s.Hi), fmtFloat(s.HalfWidth))
		}
		for _, v := range ps.Stats {
			row = append(row, fmtFloat(v))
		}
		if _, err := w.Write(csvLine(row)); err != nil {
			return err
		}
	}
	return nil
}

// Merge combines the outputs of all shards of a sweep (CSV or JSON Lines,
// any mix) into the outputs named in cfg, which then hold exactly what one
// machine running the whole sweep would have written. cfg must describe
// the same sweep as the shards (its Shard, Workers and Resume are ignored);
// every shard must be present and finished. Merge never overwrites: an
// existing output is an error, and nothing is written unless all inputs
// check out.
func Merge(cfg Config, inputs ...string) (*Result, error) {
	cfg.Shard = Shard{}
	p, err := compile(cfg)
	if err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("sweep: %q: merge of no inputs: %w", p.Name, ErrIncomplete)
	}
	var sinks []*sink
	if p.JSONL != "" {
		sinks = append(sinks, &sink{path: p.JSONL})
	}
	if p.CSV != "" {
		sinks = append(sinks, &sink{path: p.CSV, csv: true})
	}
	for _, path := range []string{p.JSONL, p.CSV, p.Summary} {
		if path == "" {
			continue
		}
		if slices.Contains(inputs, path) {
			return nil, fmt.Errorf("sweep: %q: merge output %s is also an input: %w", p.Name, path, ErrInvalidConfig)
		}
		if exists(path) {
			return nil, fmt.Errorf("sweep: %q: merge output %s exists: %w", p.Name, path, ErrOutputExists)
		}
	}
	recs := map[[2]int]Record{}
	count := 0
	seen := map[int]bool{}
	for _, in := range inputs {
		o, err := p.readOutput(in)
		if err != nil {
			return nil, err
		}
		if !o.header {
			return nil, fmt.Errorf("sweep: %s: no header (its shard never started?): %w", in, ErrIncomplete)
		}
		if count == 0 {
			count = o.shard.Count
		} else if o.shard.Count != count {
			return nil, fmt.Errorf("sweep: %s: shard %s, but other inputs have %d shards: %w", in, o.shard, count, ErrMismatch)
		}
		seen[o.shard.Index] = true
		for _, r := range o.records {
			if err := addRecord(recs, r, in); err != nil {
				return nil, err
			}
		}
	}
	for i := range count {
		if !seen[i] {
			return nil, fmt.Errorf("sweep: %q: shard %d/%d missing from the merge inputs: %w", p.Name, i, count, ErrIncomplete)
		}
	}
	sts := p.states(Shard{Count: 1}, recs)
	for _, ps := range sts {
		need := ps.missing(0)
		if len(need) == 0 {
			need = p.advance(ps)
		}
		if len(need) > 0 {
			sh := Shard{Index: ps.index % count, Count: count}
			return nil, fmt.Errorf("sweep: %q: point %d replica %d missing (finish shard %s with Resume): %w", p.Name, ps.index, need[0], sh, ErrIncomplete)
		}
	}
	res, err := p.finish(Shard{Count: 1}, sts, sinks)
	if err != nil {
		return nil, err
	}
	res.Recovered = len(recs)
	return res, nil
}
