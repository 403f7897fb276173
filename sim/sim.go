package sim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// Config configures a run.
type Config struct {
	// Seed is the root of every random stream in the run.
	Seed uint64
	// Epoch is the wall-clock instant of Time 0; zero means DefaultEpoch.
	Epoch time.Time
	// Trace receives JSON Lines trace events; nil turns tracing off, and then
	// it costs one branch per would-be event.
	Trace io.Writer
}

// Sim is one simulation run: a virtual clock and its event queue. It is not
// safe for concurrent use; run many Sims in parallel instead.
type Sim struct {
	now     Time
	seed    uint64
	epoch   time.Time
	q       queue
	stopped bool
	fired   uint64

	streams map[string]*rand.Rand
	ids     map[string]uint64
	tally   Tally
	tr      *tracer
	nextReq uint64
}

// New returns a run at Time 0.
func New(cfg Config) *Sim {
	s := &Sim{seed: cfg.Seed, epoch: cfg.Epoch, streams: map[string]*rand.Rand{}, ids: map[string]uint64{}}
	if s.epoch.IsZero() {
		s.epoch = DefaultEpoch
	}
	if cfg.Trace != nil {
		s.tr = newTracer(cfg.Trace, s.epoch)
	}
	s.q.init()
	return s
}

// Now returns the current virtual instant.
func (s *Sim) Now() Time { return s.now }

// Seed returns the run's root seed.
func (s *Sim) Seed() uint64 { return s.seed }

// Epoch returns the wall-clock instant of Time 0.
func (s *Sim) Epoch() time.Time { return s.epoch }

// Wall returns the wall-clock instant of t, in the epoch's location.
func (s *Sim) Wall(t Time) time.Time { return s.epoch.Add(time.Duration(t)) }

// TimeOf returns the virtual instant of a wall-clock instant.
func (s *Sim) TimeOf(w time.Time) Time { return Time(w.Sub(s.epoch)) }

// Timer is a handle on a scheduled event. The zero Timer refers to nothing.
// A Timer holds its event's function, so Timers are not comparable: ask
// IsZero, Pending or When instead.
type Timer struct {
	at   Time
	fn   func()
	slot uint32
	gen  uint32
}

// IsZero reports whether t is the zero Timer.
func (t Timer) IsZero() bool { return t.gen == 0 }

// Schedule arranges for fn to run at instant at. Scheduling before Now is a
// bug in the caller and panics.
func (s *Sim) Schedule(at Time, fn func()) Timer {
	if at < s.now {
		panic(fmt.Sprintf("sim: Schedule at %v before now %v", at, s.now))
	}
	if fn == nil {
		panic("sim: Schedule with nil func")
	}
	return s.q.push(at, fn)
}

// After arranges for fn to run d after Now. A negative d is treated as 0.
func (s *Sim) After(d time.Duration, fn func()) Timer {
	if d < 0 {
		d = 0
	}
	return s.Schedule(s.now+Time(d), fn)
}

// Cancel removes a pending timer. It reports whether the timer was pending.
func (s *Sim) Cancel(t Timer) bool { return s.q.cancel(t) }

// Pending reports whether t is scheduled and has not fired or been cancelled.
func (s *Sim) Pending(t Timer) bool { _, ok := s.q.when(t); return ok }

// When returns the instant a pending timer is due.
func (s *Sim) When(t Timer) (Time, bool) { return s.q.when(t) }

// Reschedule moves a pending timer to instant at, keeping its function. It
// returns the new handle (the old one is no longer pending) and false if t
// was not pending. The moved event is ordered as if scheduled now.
func (s *Sim) Reschedule(t Timer, at Time) (Timer, bool) {
	fn, ok := s.q.take(t)
	if !ok {
		return Timer{}, false
	}
	return s.Schedule(at, fn), true
}

// Len returns the number of pending (uncancelled) events.
func (s *Sim) Len() int { return s.q.len() }

// Fired returns how many events have run.
func (s *Sim) Fired() uint64 { return s.fired }

// Stop makes Run, RunUntil or RunFor return after the current event.
func (s *Sim) Stop() { s.stopped = true }

// Step runs the next event, advancing the clock to it. It reports false when
// no event is pending.
func (s *Sim) Step() bool {
	at, fn, ok := s.q.pop(MaxTime)
	if !ok {
		return false
	}
	s.now = at
	s.fired++
	fn()
	return true
}

// Run runs events until none is pending or Stop is called.
func (s *Sim) Run() {
	s.stopped = false
	for !s.stopped {
		at, fn, ok := s.q.pop(MaxTime)
		if !ok {
			return
		}
		s.now = at
		s.fired++
		fn()
	}
}

// RunUntil runs every event due at or before end, then sets the clock to end
// (unless Stop was called first, which leaves the clock at the last event).
func (s *Sim) RunUntil(end Time) {
	s.stopped = false
	for !s.stopped {
		at, fn, ok := s.q.pop(end)
		if !ok {
			if end > s.now {
				s.now = end
			}
			return
		}
		s.now = at
		s.fired++
		fn()
	}
}

// RunFor runs for d of virtual time from Now.
func (s *Sim) RunFor(d time.Duration) { s.RunUntil(s.now + Time(d)) }

// Ticker calls a function periodically until stopped.
type Ticker struct {
	s      *Sim
	period time.Duration
	fn     func(Time)
	timer  Timer
	tick   func()
	done   bool
}

// Every calls fn(now) at first and then every period after it, until the
// returned Ticker is stopped. A period ≤ 0 panics.
func (s *Sim) Every(first Time, period time.Duration, fn func(now Time)) *Ticker {
	if period <= 0 {
		panic("sim: Every with non-positive period")
	}
	tk := &Ticker{s: s, period: period, fn: fn}
	tk.tick = func() {
		tk.timer = s.After(tk.period, tk.tick)
		tk.fn(s.now)
	}
	if first < s.now {
		first = s.now
	}
	tk.timer = s.Schedule(first, tk.tick)
	return tk
}

// Stop stops the ticker; it reports whether it was running.
func (t *Ticker) Stop() bool {
	if t.done {
		return false
	}
	t.done = true
	return t.s.Cancel(t.timer)
}

// Reset changes the period; the next tick comes one new period from now.
func (t *Ticker) Reset(period time.Duration) {
	if period <= 0 {
		panic("sim: Ticker.Reset with non-positive period")
	}
	t.period = period
	if t.done {
		return
	}
	t.s.Cancel(t.timer)
	t.timer = t.s.After(period, t.tick)
}
