package workload

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// ReplayConfig configures the replay of a request log.
type ReplayConfig struct {
	// Name names the replay and its random streams; required.
	Name string
	// Target receives the requests.
	Target sim.Handler
	// Source yields the records, in time order.
	Source RecordReader
	// Start is when the first record is sent; before now means now.
	// Ignored with WallClock.
	Start sim.Time
	// TimeScale multiplies the gaps between records: 0.5 replays twice as
	// fast, 2 half as fast; 0 means 1. Ignored with WallClock.
	TimeScale float64
	// WallClock sends each record at its own timestamp on the run's clock
	// (s.TimeOf(rec.Time)) instead of relative to Start; a record before
	// the current time is an error.
	WallClock bool
	// Until stops the replay: no request is sent at or after it; 0 means
	// never.
	Until sim.Time
	// Protocol sets each request's protocol ("HTTP" or "HTTPS").
	Protocol string
	// Work draws each request's CPU time in vCPU-seconds; nil means 0.
	Work Dist
	// Clients fills in the client's country, Region and location from its
	// address when a population contains it; nil leaves only IP set.
	Clients *Clients
	// Log, when set, records each request sent.
	Log RequestLog
	// OnResponse, when set, is called with each answer.
	OnResponse func(*sim.Request, sim.Response)
}

// Replay is a running log replay.
type Replay struct {
	source
	src    RecordReader
	scale  float64
	wall   bool
	proto  string
	work   Dist
	r      *rand.Rand
	start  sim.Time
	first  time.Time
	cur    Record
	n      int
	err    error
	done   bool
	timer  sim.Timer
	fireFn func()
	doneFn func(*sim.Request, sim.Response)
}

// NewReplay validates cfg, reads the first record and schedules it.
// Errors in later records stop the replay when reached; see Err.
func NewReplay(s *sim.Sim, cfg ReplayConfig) (*Replay, error) {
	src, err := newSource(s, "replay", cfg.Name, cfg.Target, Shape{}, cfg.Clients, cfg.Log, cfg.OnResponse, cfg.Until)
	if err != nil {
		return nil, err
	}
	if cfg.Source == nil {
		return nil, configErr("replay %q: Source is nil", cfg.Name)
	}
	scale := cfg.TimeScale
	if scale == 0 {
		scale = 1
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return nil, configErr("replay %q: TimeScale %g must be positive and finite", cfg.Name, cfg.TimeScale)
	}
	if err := validate(cfg.Work); err != nil {
		return nil, configErrWrap("replay "+strconv.Quote(cfg.Name)+": Work", err)
	}
	rp := &Replay{source: src, src: cfg.Source, scale: scale, wall: cfg.WallClock, proto: cfg.Protocol,
		work: cfg.Work, r: s.Stream("workload/" + cfg.Name + "/requests"), start: max(cfg.Start, s.Now())}
	rp.fireFn, rp.doneFn = rp.fire, rp.finish
	rec, err := rp.src.Read()
	if err == io.EOF {
		rp.done = true
		return rp, nil
	}
	if err != nil {
		return nil, err
	}
	rp.first = rec.Time
	if err := rp.plan(rec); err != nil {
		return nil, err
	}
	return rp, nil
}

// plan schedules rec, or ends the replay with an error.
func (rp *Replay) plan(rec Record) error {
	if rp.n > 0 {
		if err := checkOrder(rp.cur, rec, rp.n); err != nil {
			return err
		}
	}
	rp.cur = rec
	rp.n++
	var at sim.Time
	if rp.wall {
		at = rp.s.TimeOf(rec.Time)
		if at < rp.s.Now() {
			return &FieldError{Line: rec.Line, Field: "timestamp",
				Err: fmt.Errorf("%s is before the run's current time %s", rec.Time.Format(time.RFC3339Nano), rp.s.Wall(rp.s.Now()).Format(time.RFC3339Nano))}
		}
	} else {
		var ok bool
		at, ok = addSeconds(rp.start, rec.Time.Sub(rp.first).Seconds()*rp.scale)
		if !ok {
			rp.done = true
			return nil
		}
	}
	if rp.ended(at) {
		rp.done = true
		return nil
	}
	rp.timer = rp.s.Schedule(at, rp.fireFn)
	return nil
}

func (rp *Replay) fire() {
	rec := rp.cur
	req := &sim.Request{Method: rec.Method, Host: rec.Host, Path: rec.Path, Query: rec.Query,
		Bytes: rec.Bytes, Protocol: rp.proto, Client: sim.Client{IP: rec.ClientIP}}
	if rp.clients != nil && rec.ClientIP.IsValid() {
		req.Client, _ = rp.clients.Lookup(rec.ClientIP)
	}
	if rp.work != nil {
		req.Work = seconds(rp.work.Sample(rp.r))
	}
	req.SrcPort = uint16(ephemeralLo + rp.r.IntN(ephemeralN))
	req.DstPort = 443
	if rp.proto == "HTTP" {
		req.DstPort = 80
	}
	rp.send(req, rp.doneFn)
	next, err := rp.src.Read()
	if err == io.EOF {
		rp.done = true
		return
	}
	if err == nil {
		err = rp.plan(next)
	}
	if err != nil {
		rp.err, rp.done = err, true
		if rp.s.Tracing() {
			rp.s.Trace("workload", "ReplayError", rp.name, sim.F("error", err.Error()))
		}
	}
}

// Err returns the error that stopped the replay early, if any.
func (rp *Replay) Err() error { return rp.err }

// Done reports whether the replay has sent its last request (or stopped).
func (rp *Replay) Done() bool { return rp.done }

// Stop cancels the pending record; requests in flight finish.
func (rp *Replay) Stop() {
	rp.done = true
	rp.s.Cancel(rp.timer)
}

// Stats returns the replay's counters (live; do not modify).
func (rp *Replay) Stats() *Stats { return &rp.stats }
