package sim

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files under testdata/")

func TestEqualInstantsFireInScheduleOrder(t *testing.T) {
	s := New(Config{})
	var got []int
	for i := 0; i < 100; i++ {
		s.Schedule(5, func() { got = append(got, i) })
	}
	s.Run()
	for i := range got {
		require.Equal(t, i, got[i])
	}
	assert.Equal(t, Time(5), s.Now())
	assert.Equal(t, uint64(100), s.Fired())
}

func TestTimerHandles(t *testing.T) {
	s := New(Config{})
	fired := 0
	tm := s.After(time.Second, func() { fired++ })
	at, ok := s.When(tm)
	require.True(t, ok)
	assert.Equal(t, Time(time.Second), at)

	moved, ok := s.Reschedule(tm, Time(3*time.Second))
	require.True(t, ok)
	assert.False(t, s.Pending(tm), "the old handle is stale after Reschedule")
	assert.False(t, s.Cancel(tm))
	assert.True(t, s.Pending(moved))

	s.RunUntil(Time(2 * time.Second))
	assert.Equal(t, 0, fired)
	assert.Equal(t, Time(2*time.Second), s.Now(), "RunUntil leaves the clock at its end")
	s.Run()
	assert.Equal(t, 1, fired)
	assert.Equal(t, Time(3*time.Second), s.Now())
	assert.False(t, s.Pending(moved), "a fired timer is no longer pending")
	assert.False(t, s.Cancel(moved))

	// A stale handle must not cancel whatever reuses its slot.
	other := s.After(time.Second, func() { fired++ })
	assert.False(t, s.Cancel(moved))
	assert.True(t, s.Pending(other))
	assert.True(t, Timer{}.IsZero())
	assert.False(t, s.Cancel(Timer{}))
}

func TestStopAndStep(t *testing.T) {
	s := New(Config{})
	n := 0
	for i := 1; i <= 10; i++ {
		s.Schedule(Time(i), func() {
			n++
			if n == 3 {
				s.Stop()
			}
		})
	}
	s.Run()
	assert.Equal(t, 3, n)
	assert.Equal(t, Time(3), s.Now())
	require.True(t, s.Step())
	assert.Equal(t, 4, n)
	s.RunFor(3)
	assert.Equal(t, 7, n)
	assert.Equal(t, Time(7), s.Now())
	s.Run()
	assert.Equal(t, 10, n)
	assert.False(t, s.Step())
}

func TestScheduleInThePastPanics(t *testing.T) {
	s := New(Config{})
	s.RunUntil(10)
	assert.Panics(t, func() { s.Schedule(5, func() {}) })
	assert.NotPanics(t, func() { s.After(-time.Second, func() {}) }, "negative delays clamp to now")
}

func TestTicker(t *testing.T) {
	s := New(Config{})
	var at []Time
	tk := s.Every(Time(time.Second), 10*time.Second, func(now Time) { at = append(at, now) })
	s.RunUntil(Time(35 * time.Second))
	assert.Equal(t, []Time{Time(time.Second), Time(11 * time.Second), Time(21 * time.Second), Time(31 * time.Second)}, at)
	tk.Reset(time.Minute)
	s.RunUntil(Time(100 * time.Second))
	assert.Equal(t, Time(95*time.Second), at[len(at)-1])
	assert.True(t, tk.Stop())
	assert.False(t, tk.Stop())
	s.RunUntil(Time(time.Hour))
	assert.Len(t, at, 5)
}

func TestWallClock(t *testing.T) {
	epoch := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	s := New(Config{Epoch: epoch})
	assert.Equal(t, epoch.Add(90*time.Minute), s.Wall(Time(90*time.Minute)))
	assert.Equal(t, Time(time.Hour), s.TimeOf(epoch.Add(time.Hour)))
	assert.Equal(t, DefaultEpoch, New(Config{}).Epoch())
	assert.Equal(t, "+1h30m0s", Time(90*time.Minute).String())
	assert.Equal(t, 1.5, Time(1500*time.Millisecond).Seconds())
}

func TestStreamsAreIndependentAndReproducible(t *testing.T) {
	draw := func(s *Sim, name string) []uint64 {
		r := s.Stream(name)
		out := make([]uint64, 5)
		for i := range out {
			out[i] = r.Uint64()
		}
		return out
	}
	a := New(Config{Seed: 1})
	b := New(Config{Seed: 1})
	// b creates another stream first: a's and b's "elb" must not change.
	draw(b, "ec2/i-1/service")
	assert.Equal(t, draw(a, "elb"), draw(b, "elb"))
	assert.NotEqual(t, draw(New(Config{Seed: 1}), "elb"), draw(New(Config{Seed: 2}), "elb"))
	assert.NotEqual(t, draw(New(Config{Seed: 1}), "elb"), draw(New(Config{Seed: 1}), "elb2"))
	assert.Same(t, a.Stream("x"), a.Stream("x"))
	assert.NotEqual(t, DeriveSeed(1, "rep/0"), DeriveSeed(1, "rep/1"))
}

func TestNewIDIsDeterministicAndDistinct(t *testing.T) {
	ids := func(seed uint64) []string {
		s := New(Config{Seed: seed})
		var out []string
		for i := 0; i < 1000; i++ {
			out = append(out, s.NewID("i"))
		}
		return out
	}
	a := ids(1)
	assert.Equal(t, a, ids(1))
	assert.NotEqual(t, a, ids(2))
	seen := map[string]bool{}
	for _, id := range a {
		require.Len(t, id, len("i-0123456789abcdef0"))
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
}

func TestHistogramQuantilesWithinOnePercent(t *testing.T) {
	s := New(Config{Seed: 3})
	r := s.Stream("hist")
	h := NewHistogram()
	var vals []float64
	var sum float64
	for i := 0; i < 200000; i++ {
		// Lognormal latencies around 50 ms with a heavy tail.
		d := time.Duration(50e6 * math.Exp(r.NormFloat64()))
		h.Record(d)
		vals = append(vals, float64(d))
		sum += float64(d)
	}
	sort.Float64s(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(math.Ceil(q*float64(len(vals))))-1]
		got := float64(h.Quantile(q))
		assert.InEpsilon(t, exact, got, 0.01, "q=%v", q)
	}
	assert.InDelta(t, sum/float64(len(vals)), float64(h.Mean()), 1, "the mean is exact")
	assert.Equal(t, time.Duration(vals[0]), h.Min())
	assert.Equal(t, time.Duration(vals[len(vals)-1]), h.Max())

	other := NewHistogram()
	other.Record(time.Hour)
	h.Merge(other)
	assert.Equal(t, uint64(200001), h.Count())
	assert.Equal(t, time.Hour, h.Max())
	h.Reset()
	assert.Zero(t, h.Count())
	assert.Zero(t, h.Quantile(0.5))
}

func TestSendKeepsConservation(t *testing.T) {
	s := New(Config{Seed: 1})
	r := s.Stream("conservation")
	// A handler that answers 200 after a random delay, 503s one in ten and
	// drops one in ten.
	h := HandlerFunc(func(req *Request, reply func(Response)) {
		u := r.Float64()
		d := time.Duration(r.ExpFloat64() * float64(time.Second))
		s.After(d, func() {
			switch {
			case u < 0.1:
				reply(Response{Reason: "QueueFull"})
			case u < 0.2:
				reply(Response{Status: 503, From: "test"})
			default:
				reply(Response{Status: 200})
			}
		})
	})
	s.Every(0, 10*time.Millisecond, func(Time) {
		s.Send(h, &Request{Method: "GET", Path: "/"}, nil)
	})
	tl := s.Requests()
	for i := 1; i <= 100; i++ {
		s.RunUntil(Time(i) * Time(100*time.Millisecond))
		require.Equal(t, tl.Generated(), tl.Completed()+tl.Failed()+tl.InFlight())
		require.NoError(t, tl.Check())
	}
	assert.Equal(t, uint64(1001), tl.Generated(), "a tick at 0 and every 10 ms through 10 s")
	assert.Equal(t, tl.Completed(), tl.CompletedClass(2)+tl.CompletedClass(5))
	assert.Equal(t, tl.Failed(), tl.FailedBy("QueueFull"))
	assert.Equal(t, []Count{{"QueueFull", tl.Failed()}}, tl.FailureReasons())
	assert.InDelta(t, 0.1, float64(tl.Failed())/float64(tl.Generated()-tl.InFlight()), 0.03)
}

func TestDoubleReplyPanics(t *testing.T) {
	s := New(Config{})
	h := HandlerFunc(func(_ *Request, reply func(Response)) {
		reply(Response{Status: 200})
		reply(Response{Status: 200})
	})
	assert.Panics(t, func() { s.Send(h, &Request{}, nil) })
}

// TestRecycledRequests: a request Reset after its answer is sent again
// without allocating, keeps its slices' capacity, and each send's done sees
// its own answer; a copied request is answered as itself, not as the
// request it was copied from.
func TestRecycledRequests(t *testing.T) {
	s := New(Config{})
	h := HandlerFunc(func(req *Request, reply func(Response)) {
		req.AddHop(Hop{Service: "test", Status: 200})
		reply(Response{Status: 200, Bytes: int64(len(req.Path))})
	})
	var got []int64
	done := func(_ *Request, resp Response) { got = append(got, resp.Bytes) }
	req := &Request{Hops: make([]Hop, 0, 1)}
	got = make([]int64, 0, 1000) // appending must not count
	allocs := testing.AllocsPerRun(100, func() {
		req.Reset()
		req.Path = "/abc"
		s.Send(h, req, done)
		s.Run()
	})
	assert.Zero(t, allocs, "sending a recycled request")
	require.Len(t, got, 101)
	assert.Equal(t, int64(4), got[100])
	assert.Len(t, req.Hops, 1, "Reset empties Hops before each send")

	cp := *req
	cp.Reset()
	cp.Path = "/longer"
	var answered []*Request
	s.Send(h, &cp, func(r *Request, _ Response) { answered = append(answered, r) })
	s.Run()
	require.Equal(t, []*Request{&cp}, answered)
	assert.Equal(t, uint64(102), s.Requests().Completed())
}

// TestStrayReplyAfterReset: a handler that answers a recycled request a
// second time gets the answered-twice panic, and an answered request no
// longer refers to its Sim or callback.
func TestStrayReplyAfterReset(t *testing.T) {
	s := New(Config{})
	var held func(Response)
	h := HandlerFunc(func(_ *Request, reply func(Response)) {
		held = reply
		reply(Response{Status: 200})
	})
	req := &Request{}
	s.Send(h, req, func(r *Request, _ Response) { r.Reset() })
	s.Run()
	assert.Nil(t, req.sim)
	assert.Nil(t, req.done)
	assert.PanicsWithValue(t, `sim: request 0 answered twice (second from "buggy")`, func() { held(Response{Status: 500, From: "buggy"}) })
}

func TestHeadersAndHops(t *testing.T) {
	req := &Request{}
	req.SetHeader("Host", "a")
	req.SetHeader("host", "b")
	v, ok := req.Header("HOST")
	require.True(t, ok)
	assert.Equal(t, "b", v)
	req.SetCookie("AWSALB", "x")
	_, ok = req.Cookie("awsalb")
	assert.False(t, ok, "cookie names are case-sensitive")

	resp := Response{Status: 200}.WithHeader("Cache-Control", "max-age=60")
	cc, _ := resp.Header("cache-control")
	assert.Equal(t, "max-age=60", cc)
	assert.False(t, resp.Failed())
	assert.True(t, Response{}.Failed())

	// cloudfront [0,100] calls elb [10,90], which calls ec2 [20,60] and
	// then s3 [60,80]: self times 40, 20, 20 and 20.
	req.AddHop(Hop{Service: "ec2", Enter: 20, Leave: 60})
	req.AddHop(Hop{Service: "s3", Enter: 60, Leave: 80})
	req.AddHop(Hop{Service: "elb", Enter: 10, Leave: 90})
	req.AddHop(Hop{Service: "cloudfront", Enter: 0, Leave: 100})
	assert.Equal(t, []time.Duration{40, 20, 20, 20}, req.SelfTime())
}

// run is a small scenario used by the determinism and golden tests: a
// Poisson stream of requests to a server with random service times, traced.
func run(seed uint64, trace *bytes.Buffer) (*Tally, *Histogram) {
	s := New(Config{Seed: seed, Trace: trace})
	arrivals, service := s.Stream("arrivals"), s.Stream("service")
	lat := NewHistogram()
	server := HandlerFunc(func(req *Request, reply func(Response)) {
		s.After(time.Duration(service.ExpFloat64()*float64(20*time.Millisecond)), func() {
			reply(Response{Status: 200, From: "server"})
		})
	})
	var next func()
	next = func() {
		s.Send(server, &Request{Method: "GET", Path: "/"}, func(r *Request, resp Response) {
			lat.Record(s.Now().Sub(r.Start))
			if s.Tracing() {
				s.Trace("test", "Done", "", F("req", r.ID), F("status", resp.Status), F("latency_ns", int64(s.Now().Sub(r.Start))))
			}
		})
		s.After(time.Duration(arrivals.ExpFloat64()*float64(10*time.Millisecond)), next)
	}
	s.Trace("test", "Start", "run-1", F("seed", seed))
	s.Schedule(0, next)
	s.RunFor(time.Second)
	return s.Requests(), lat
}

func TestDeterminism(t *testing.T) {
	var a, b, c bytes.Buffer
	ta, la := run(42, &a)
	tb, lb := run(42, &b)
	tc, _ := run(43, &c)
	require.NotZero(t, a.Len())
	assert.Equal(t, a.Bytes(), b.Bytes(), "same seed, same trace byte for byte")
	assert.Equal(t, ta.String(), tb.String())
	assert.Equal(t, la.Quantile(0.99), lb.Quantile(0.99))
	assert.NotEqual(t, a.Bytes(), c.Bytes(), "a different seed gives a different run")
	assert.NotEqual(t, ta.Generated(), tc.Generated())
}

func TestTraceGolden(t *testing.T) {
	var buf bytes.Buffer
	run(7, &buf)
	golden := filepath.Join("testdata", "trace.jsonl")
	if *rewrite {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -rewrite to create")
	assert.Equal(t, string(want), buf.String())
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestTraceOffAndErrors(t *testing.T) {
	s := New(Config{})
	assert.False(t, s.Tracing())
	s.Trace("x", "y", "z") // no-op when off
	assert.NoError(t, s.TraceErr())

	s = New(Config{Trace: failWriter{}})
	s.Trace("x", "y", "z")
	assert.EqualError(t, s.TraceErr(), "disk full")

	var buf bytes.Buffer
	s = New(Config{Trace: &buf})
	s.Trace("ec2", "RunInstances", "i-1", F("note", "naïve \"quote\"\n"), F("n", 3))
	assert.Equal(t, `{"t":0,"time":"2026-01-01T00:00:00Z","svc":"ec2","event":"RunInstances","id":"i-1","note":"naïve \"quote\"\n","n":3}`+"\n", buf.String())
}
