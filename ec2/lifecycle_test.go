package ec2

import (
	"math"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// world is a small test fixture: one EC2 service with a ledger and a metric
// recorder, boot times fixed at 10 s pending + 20 s boot.
type world struct {
	s      *sim.Sim
	e      *EC2
	ledger *billing.Ledger
	rec    *recorder
	a, b   *BasicSubnet
	events []Event
}

func newWorld(t testing.TB, seed uint64, mod ...func(*Config)) *world {
	w := &world{s: sim.New(sim.Config{Seed: seed}), ledger: billing.NewLedger(), rec: &recorder{}}
	cfg := Config{Billing: w.ledger, Metrics: w.rec}
	fastBoot(&cfg)
	for _, m := range mod {
		m(&cfg)
	}
	e, err := New(w.s, cfg)
	require.NoError(t, err)
	w.e = e
	w.a = mustSubnet(t, "subnet-a", "us-east-1a", "10.0.1.0/24")
	w.b = mustSubnet(t, "subnet-b", "us-east-1b", "10.0.2.0/24")
	e.Subscribe(func(ev Event) { w.events = append(w.events, ev) })
	return w
}

func (w *world) launch(t testing.TB, spec LaunchSpec) *Instance {
	if spec.Subnet == nil {
		spec.Subnet = w.a
	}
	i, err := w.e.Launch(spec)
	require.NoError(t, err)
	return i
}

// at runs the simulation to instant d.
func (w *world) at(d time.Duration) { w.s.RunUntil(sim.Time(d)) }

// send sends one request with the given work and returns a pointer that
// holds the response and its latency once answered.
type answer struct {
	resp    sim.Response
	latency time.Duration
	done    bool
}

func (w *world) send(h sim.Handler, work time.Duration) *answer {
	a := &answer{}
	w.s.Send(h, &sim.Request{Work: work, Bytes: 1000}, func(r *sim.Request, resp sim.Response) {
		a.resp, a.latency, a.done = resp, w.s.Now().Sub(r.Start), true
	})
	return a
}

func (w *world) states(i *Instance) []State {
	var out []State
	for _, ev := range w.events {
		if ev.Kind == EventStateChange && ev.Instance == i {
			out = append(out, ev.State)
		}
	}
	return out
}

func (w *world) items(usagePrefix string) []billing.LineItem {
	var out []billing.LineItem
	for _, li := range w.ledger.Items() {
		if len(li.UsageType) >= len(usagePrefix) && li.UsageType[:len(usagePrefix)] == usagePrefix {
			out = append(out, li)
		}
	}
	return out
}

func TestLifecycleStopStart(t *testing.T) {
	w := newWorld(t, 1)
	free := w.a.Free()
	i := w.launch(t, LaunchSpec{InstanceType: "m5.large", AssociatePublicIP: true, Tags: map[string]string{"team": "web"}})
	priv, pub := i.PrivateIP(), i.PublicIP()
	require.True(t, priv.IsValid())
	require.True(t, pub.IsValid())
	assert.Equal(t, free-1, w.a.Free())
	assert.Equal(t, StatePending, i.State())

	early := w.send(i, time.Millisecond)
	require.True(t, early.done)
	assert.Equal(t, ReasonNotRunning, early.resp.Reason)

	w.at(15 * time.Second)
	assert.Equal(t, StateRunning, i.State())
	booting := w.send(i, time.Millisecond)
	assert.Equal(t, ReasonConnectionRefused, booting.resp.Reason, "running but the application is still booting")

	w.at(30 * time.Second)
	require.True(t, i.Ready())
	ok := w.send(i, 100*time.Millisecond)
	w.at(31 * time.Second)
	require.True(t, ok.done)
	assert.Equal(t, 200, ok.resp.Status)
	assert.Equal(t, 100*time.Millisecond, ok.latency)
	assert.Equal(t, "ec2:"+i.ID(), ok.resp.From)

	// Stop at 100 s: a request in flight is reset; stopped 10 s later.
	w.at(99 * time.Second)
	inflight := w.send(i, 10*time.Second)
	w.at(100 * time.Second)
	require.NoError(t, i.Stop())
	require.True(t, inflight.done)
	assert.Equal(t, ReasonConnectionReset, inflight.resp.Reason)
	w.at(110 * time.Second)
	assert.Equal(t, StateStopped, i.State())
	assert.False(t, i.PublicIP().IsValid(), "the auto-assigned public IP is released on stop")

	require.ErrorIs(t, i.Stop(), ErrIncorrectState)
	require.NoError(t, i.Start())
	assert.Equal(t, priv, i.PrivateIP(), "private IP kept across stop/start")
	assert.NotEqual(t, pub, i.PublicIP(), "a new public IP on start")
	require.ErrorIs(t, i.Start(), ErrIncorrectState)

	w.at(200 * time.Second)
	require.NoError(t, i.Terminate())
	require.NoError(t, i.Terminate(), "terminating twice is a no-op, as in AWS")
	w.at(205 * time.Second)
	assert.Equal(t, StateTerminated, i.State())
	assert.Equal(t, free, w.a.Free(), "the private IP is released on termination")

	assert.Equal(t, []State{StatePending, StateRunning, StateStopping, StateStopped, StatePending, StateRunning,
		StateShuttingDown, StateTerminated}, w.states(i))

	// Two running periods: 10 s–100 s (90 s) and 120 s–200 s (80 s), each
	// billed per second at $0.096/h.
	box := w.items("BoxUsage:m5.large")
	var secs float64
	for _, li := range box {
		secs += li.Quantity * 3600
		assert.Equal(t, 0.096, li.Rate)
		assert.Equal(t, "web", li.Tags["team"])
		assert.Equal(t, i.ID(), li.ResourceID)
	}
	assert.InDelta(t, 170, secs, 1e-9)
	// Public IPs: first 0–110 s, second 110–205 s, $0.005/h.
	var ipHours float64
	for _, li := range w.items(billing.UsagePublicIPv4) {
		ipHours += li.Quantity
	}
	assert.InDelta(t, 205.0/3600, ipHours, 1e-12)
	require.NoError(t, w.s.Requests().Check())
	assert.Zero(t, w.s.Requests().InFlight())
}

func TestBillingMinimumAndSettle(t *testing.T) {
	w := newWorld(t, 1)
	short := w.launch(t, LaunchSpec{InstanceType: "c7g.large"})
	long := w.launch(t, LaunchSpec{InstanceType: "c7g.large", Discount: 0.4})
	w.at(20 * time.Second) // running since 10 s
	require.NoError(t, short.Terminate())
	w.at(3*time.Hour + 10*time.Second + 30*time.Second)
	w.e.SettleBilling()

	var shortH, longH float64
	for _, li := range w.items("BoxUsage:c7g.large") {
		switch li.ResourceID {
		case short.ID():
			shortH += li.Quantity
		case long.ID():
			longH += li.Quantity
			assert.InDelta(t, 0.0725*0.6, li.Rate, 1e-12, "a 40% reserved/savings-plan discount")
		}
	}
	assert.InDelta(t, 60.0/3600, shortH, 1e-12, "10 s of running bills the 60 s minimum")
	assert.InDelta(t, 3+30.0/3600, longH, 1e-12)
	// The hourly settlement splits the running period at hour boundaries.
	assert.Len(t, w.ledger.Filter(func(li billing.LineItem) bool { return li.ResourceID == long.ID() }).Items(), 4)
	assert.InDelta(t, 0.0725*0.6, w.ledger.Window(sim.Time(time.Hour), sim.Time(2*time.Hour)).Total(), 1e-9)
}

func TestHibernateResumesFasterAndBillsStopping(t *testing.T) {
	w := newWorld(t, 1, func(c *Config) {
		c.HibernateTime = Constant(30 * time.Second)
		c.ResumeTime = Constant(5 * time.Second)
	})
	i := w.launch(t, LaunchSpec{InstanceType: "m5.large", HibernationEnabled: true,
		Server: ServerConfig{WarmUp: time.Minute, ColdFactor: 3}})
	plain := w.launch(t, LaunchSpec{InstanceType: "m5.large"})
	require.ErrorIs(t, plain.Hibernate(), ErrInvalidConfig)

	w.at(100 * time.Second) // warm by now: ready at 30 s, warm-up over at 90 s
	require.NoError(t, i.Hibernate())
	w.at(130 * time.Second)
	require.Equal(t, StateStopped, i.State())
	require.NoError(t, i.Start())
	w.at(140 * time.Second) // pending 10 s
	require.Equal(t, StateRunning, i.State())
	w.at(145 * time.Second)
	require.True(t, i.Ready(), "resumed after ResumeTime (5 s), not BootTime (20 s)")
	a := w.send(i, time.Second)
	w.at(150 * time.Second)
	require.True(t, a.done)
	assert.Equal(t, time.Second, a.latency, "memory kept: no warm-up after resume")

	// Billed: running 10–100 s, stopping 100–130 s (hibernating), running from 140 s.
	w.at(200 * time.Second)
	w.e.SettleBilling()
	var secs float64
	for _, li := range w.items("BoxUsage:m5.large") {
		if li.ResourceID == i.ID() {
			secs += li.Quantity * 3600
		}
	}
	assert.InDelta(t, 120+60, secs, 1e-9)
}

func TestRebootKeepsRunningAndBilling(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "m5.large"})
	w.at(40 * time.Second)
	a := w.send(i, time.Minute)
	require.NoError(t, i.Reboot())
	require.True(t, a.done)
	assert.Equal(t, ReasonConnectionReset, a.resp.Reason)
	assert.Equal(t, StateRunning, i.State())
	assert.False(t, i.Ready())
	w.at(60 * time.Second)
	assert.True(t, i.Ready(), "back after BootTime")
	require.NoError(t, i.Terminate())
	w.at(70 * time.Second)
	box := w.items("BoxUsage:")
	require.Len(t, box, 1, "one running period: a reboot starts no new minimum")
	assert.InDelta(t, 60.0/3600, box[0].Quantity, 1e-12)
}

func TestWarmUp(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "m5.large", Server: ServerConfig{WarmUp: time.Minute, ColdFactor: 3}})
	lat := func(at time.Duration) time.Duration {
		w.at(at)
		a := w.send(i, 100*time.Millisecond)
		w.at(at + time.Second)
		require.True(t, a.done)
		return a.latency
	}
	// Ready at 30 s; the factor falls linearly from 3 to 1 over a minute.
	assert.Equal(t, 300*time.Millisecond, lat(30*time.Second))
	assert.Equal(t, 200*time.Millisecond, lat(60*time.Second))
	assert.Equal(t, 100*time.Millisecond, lat(90*time.Second))
}

func TestQueueAndConnectionLimits(t *testing.T) {
	for _, tc := range []struct {
		name     string
		server   ServerConfig
		accepted int
		reason   string
	}{
		{"queue bound", ServerConfig{MaxQueue: 2}, 3, ReasonQueueFull},                  // 1 in service + 2 waiting
		{"connection bound", ServerConfig{MaxConnections: 2}, 2, ReasonConnectionLimit}, // in service + waiting
		{"connection bound under PS", ServerConfig{Discipline: ProcessorSharing, MaxConnections: 4}, 4, ReasonConnectionLimit},
		{"unbounded", ServerConfig{}, 6, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 1)
			cat := w.e.Catalog()
			require.NoError(t, cat.Add(testType(1)))
			i := w.launch(t, LaunchSpec{InstanceType: "q.1x", Server: tc.server})
			w.at(30 * time.Second)
			var as []*answer
			for k := 0; k < 6; k++ {
				as = append(as, w.send(i, time.Second))
			}
			assert.Equal(t, tc.accepted, i.InFlight())
			w.at(time.Minute)
			var ok, refused int
			for _, a := range as {
				require.True(t, a.done)
				if a.resp.Status == 200 {
					ok++
				} else {
					assert.Equal(t, tc.reason, a.resp.Reason)
					refused++
				}
			}
			assert.Equal(t, tc.accepted, ok)
			tally := w.s.Requests()
			assert.Equal(t, uint64(6-tc.accepted), tally.FailedBy(tc.reason))
			assert.Equal(t, tally.Generated(), tally.Completed()+tally.Failed()+tally.InFlight())
		})
	}
}

func TestImpairmentSlowsService(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "m5.large"})
	w.at(30 * time.Second)
	require.ErrorIs(t, i.Impair(0.5), ErrInvalidConfig)
	require.NoError(t, i.Impair(2))
	a := w.send(i, 100*time.Millisecond)
	w.at(31 * time.Second)
	assert.Equal(t, 200*time.Millisecond, a.latency, "half speed doubles the service time")

	// Impairment that starts mid-service stretches only the remainder:
	// 50 ms done at full speed, the other 50 ms at half speed.
	require.NoError(t, i.Impair(1))
	b := w.send(i, 100*time.Millisecond)
	w.at(31*time.Second + 50*time.Millisecond)
	require.NoError(t, i.Impair(2))
	w.at(32 * time.Second)
	assert.Equal(t, 150*time.Millisecond, b.latency)
}

func TestMemoryPressure(t *testing.T) {
	w := newWorld(t, 1)
	// t3.micro has 1 GiB: 512 MiB idle + 100 MiB per request passes 1024 MiB
	// at the 6th request inside.
	i := w.launch(t, LaunchSpec{InstanceType: "t3.micro",
		Server: ServerConfig{BaseMemoryMiB: 512, MemoryPerRequestMiB: 100}})
	w.at(30 * time.Second)
	for k := 0; k < 5; k++ {
		w.send(i, time.Second)
	}
	assert.Equal(t, 1.0, i.Speed())
	w.send(i, time.Second)
	assert.InDelta(t, 1.0/5, i.Speed(), 1e-12, "SwapSlowdown defaults to 5")
	w.at(10 * time.Minute)
	assert.Zero(t, i.InFlight())
	assert.Equal(t, 1.0, i.Speed())
}

func TestFailures(t *testing.T) {
	w := newWorld(t, 1)
	a := w.launch(t, LaunchSpec{InstanceType: "m5.large", DetailedMonitoring: true})
	b := w.launch(t, LaunchSpec{InstanceType: "m5.large", Subnet: w.b, DetailedMonitoring: true})
	w.at(time.Minute)
	held := w.send(a, time.Hour)

	w.e.FailAZ("us-east-1a")
	require.True(t, held.done)
	assert.Equal(t, ReasonUnreachable, held.resp.Reason)
	assert.False(t, a.SystemStatusOK())
	assert.Equal(t, ReasonUnreachable, w.send(a, time.Millisecond).resp.Reason)
	ok := w.send(b, time.Millisecond)
	w.at(time.Minute + time.Second)
	assert.Equal(t, 200, ok.resp.Status, "the other AZ still serves")
	w.at(3 * time.Minute)
	w.e.RecoverAZ("us-east-1a")
	assert.True(t, a.Ready())

	b.Fail()
	assert.False(t, b.InstanceStatusOK())
	assert.Equal(t, ReasonUnreachable, w.send(b, time.Millisecond).resp.Reason)
	w.at(5 * time.Minute)
	b.Recover()
	assert.True(t, b.Ready())

	// StatusCheckFailed_System was 1 for a during 1–3 min; _Instance for b during 3–5 min.
	sum := func(metric, id string) float64 {
		var s float64
		for _, d := range w.rec.series(metric, id) {
			s += d.StatisticValues.Sum
		}
		return s
	}
	assert.Equal(t, 2.0, sum("StatusCheckFailed_System", a.ID()))
	assert.Equal(t, 2.0, sum("StatusCheckFailed", a.ID()))
	assert.Equal(t, 0.0, sum("StatusCheckFailed_Instance", a.ID()))
	assert.Equal(t, 2.0, sum("StatusCheckFailed_Instance", b.ID()))

	var kinds []bool
	for _, ev := range w.events {
		if ev.Kind == EventStatusChange {
			kinds = append(kinds, ev.StatusOK)
		}
	}
	assert.Equal(t, []bool{false, true, false, true}, kinds)
}

func TestLaunchBadInput(t *testing.T) {
	w := newWorld(t, 1)
	tiny := mustSubnet(t, "subnet-tiny", "us-east-1a", "10.9.0.0/28") // 16 − 5 reserved = 11
	for k := 0; k < 11; k++ {
		w.launch(t, LaunchSpec{InstanceType: "t3.nano", Subnet: tiny})
	}
	before := len(w.e.Instances())
	pubBefore := w.e.pubNext

	for _, tc := range []struct {
		name string
		spec LaunchSpec
		err  error
		msg  string
	}{
		{"unknown type", LaunchSpec{InstanceType: "m5.huge", Subnet: w.a}, ErrUnknownInstanceType, `"m5.huge"`},
		{"no subnet", LaunchSpec{InstanceType: "m5.large"}, ErrInvalidConfig, "Subnet"},
		{"full subnet", LaunchSpec{InstanceType: "m5.large", Subnet: tiny, AssociatePublicIP: true}, ErrInsufficientAddresses, "subnet-tiny"},
		{"discount of 100%", LaunchSpec{InstanceType: "m5.large", Subnet: w.a, Discount: 1}, ErrInvalidConfig, "Discount"},
		{"credit mode on m5", LaunchSpec{InstanceType: "m5.large", Subnet: w.a, CreditSpecification: CreditStandard}, ErrInvalidConfig, "CreditSpecification"},
		{"unknown credit mode", LaunchSpec{InstanceType: "t3.micro", Subnet: w.a, CreditSpecification: "turbo"}, ErrInvalidConfig, "CreditSpecification"},
		{"unknown market", LaunchSpec{InstanceType: "m5.large", Subnet: w.a, Market: "auction"}, ErrInvalidConfig, "Market"},
		{"hibernating interruption without hibernation", LaunchSpec{InstanceType: "m5.large", Subnet: w.a, Market: MarketSpot,
			InterruptionBehavior: InterruptHibernate}, ErrInvalidConfig, "InterruptionBehavior"},
		{"spot max price under the price", LaunchSpec{InstanceType: "m5.large", Subnet: w.a, Market: MarketSpot, SpotMaxPrice: 0.001}, ErrInvalidConfig, "SpotMaxPrice"},
		{"unknown discipline", LaunchSpec{InstanceType: "m5.large", Subnet: w.a, Server: ServerConfig{Discipline: "lifo"}}, ErrInvalidConfig, "Discipline"},
		{"negative queue bound", LaunchSpec{InstanceType: "m5.large", Subnet: w.a, Server: ServerConfig{MaxQueue: -1}}, ErrInvalidConfig, "MaxQueue"},
		{"cold factor below 1", LaunchSpec{InstanceType: "m5.large", Subnet: w.a, Server: ServerConfig{WarmUp: time.Second, ColdFactor: 0.5}}, ErrInvalidConfig, "ColdFactor"},
		{"empty tag key", LaunchSpec{InstanceType: "m5.large", Subnet: w.a, Tags: map[string]string{"": "x"}}, ErrInvalidConfig, "Tags"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			freeA := w.a.Free()
			i, err := w.e.Launch(tc.spec)
			require.ErrorIs(t, err, tc.err)
			assert.Nil(t, i)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Equal(t, freeA, w.a.Free(), "no private IP leaked")
			assert.Len(t, w.e.Instances(), before, "nothing half-launched")
			assert.Equal(t, pubBefore, w.e.pubNext, "no public IP taken")
		})
	}

	// Negative work is a data-plane error: an answer, not a panic.
	i := w.e.Instances()[0]
	w.at(time.Minute)
	a := w.send(i, -time.Second)
	require.True(t, a.done)
	assert.Equal(t, 0, a.resp.Status)
	assert.Equal(t, ReasonInvalidWork, a.resp.Reason)
}

func TestConfigValidation(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	for _, tc := range []struct {
		name  string
		cfg   Config
		field string
	}{
		{"negative boot", Config{BootTime: Constant(-time.Second)}, "BootTime"},
		{"inverted range", Config{PendingTime: Uniform{Min: 20 * time.Second, Max: 10 * time.Second}}, "PendingTime"},
		{"spot discount of 100%", Config{Spot: SpotConfig{Discount: 1}}, "Spot.Discount"},
		{"IPv6 public pool", Config{PublicIPPool: mustPrefix("2600:1f18::/64")}, "PublicIPPool"},
		{"negative premium", Config{DedicatedPremium: -0.1}, "DedicatedPremium"},
		{"tiny price interval", Config{Spot: SpotConfig{PriceInterval: time.Millisecond}}, "Spot.PriceInterval"},
		{"negative terminated visibility", Config{TerminatedVisibility: -time.Second}, "TerminatedVisibility"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(s, tc.cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.Contains(t, err.Error(), tc.field)
		})
	}
	for _, v := range []int{0, 1 << 30} {
		bad := InstanceType{Name: "x.large", VCPUs: v, MemoryGiB: 1}
		err := NewCatalog().Add(bad)
		require.ErrorIs(t, err, ErrInvalidConfig)
		assert.ErrorContains(t, err, "VCPUs")
	}
	_, err := NewBasicSubnet("s", "us-east-1a", mustPrefix("10.0.0.0/8"))
	require.ErrorIs(t, err, ErrInvalidConfig)
}

// A subscriber may act on an event at once: terminating an instance as it
// enters running leaves nothing scheduled and bills the 60 s minimum.
func TestSubscriberActsOnEvent(t *testing.T) {
	w := newWorld(t, 1)
	w.e.Subscribe(func(ev Event) {
		if ev.Kind == EventStateChange && ev.State == StateRunning {
			require.NoError(t, ev.Instance.Terminate())
		}
	})
	i := w.launch(t, LaunchSpec{InstanceType: "t3.micro", Market: MarketSpot, AssociatePublicIP: true})
	w.s.Run() // returns only when nothing is left scheduled
	assert.Equal(t, StateTerminated, i.State())
	assert.Zero(t, w.s.Len())
	assert.Equal(t, []State{StatePending, StateRunning, StateShuttingDown, StateTerminated}, w.states(i))
	box := w.items("SpotUsage:t3.micro")
	require.Len(t, box, 1)
	assert.InDelta(t, 60.0/3600, box[0].Quantity, 1e-12)
}

func TestRespondAndStatsConservation(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "c6i.large", Server: ServerConfig{
		MaxQueue: 3,
		Respond: func(req *sim.Request) sim.Response {
			if req.Path == "/missing" {
				return sim.Response{Status: 404, Bytes: 10}
			}
			return sim.Response{Status: 200, Bytes: 2048}
		},
	}})
	w.at(30 * time.Second)
	codes := map[int]int{}
	for k := 0; k < 10; k++ {
		path := "/"
		if k%2 == 1 {
			path = "/missing"
		}
		w.s.Send(i, &sim.Request{Path: path, Work: time.Second}, func(r *sim.Request, resp sim.Response) {
			codes[resp.Status]++
			if resp.Status != 0 {
				assert.Equal(t, "ec2:"+i.ID(), resp.From, "From is filled in")
				require.Len(t, r.Hops, 1)
				assert.Equal(t, resp.Status, r.Hops[0].Status)
			}
		})
	}
	w.at(32 * time.Second)
	require.NoError(t, i.Stop()) // resets what is still inside
	st := i.Stats()
	assert.Equal(t, st.Arrived, st.Rejected+st.Completed+st.Reset+uint64(i.InFlight()))
	// Two served at 30–31 s, two at 31–32 s, the fifth reset when it had
	// just started.
	assert.Equal(t, uint64(5), st.Rejected, "2 vCPUs + 3 queued accepted")
	assert.Equal(t, uint64(4), st.Completed)
	assert.Equal(t, uint64(1), st.Reset)
	assert.Equal(t, map[int]int{0: 6, 200: 2, 404: 2}, codes)
	assert.Equal(t, int64(2*(2048+10)), st.BytesOut)
}

// TestHugeWorkStaysInFlight: a request whose work ends past the end of
// sim.Time (here math.MaxInt64 ns, tripled by a cold instance) must not
// overflow the completion instant into the past; it stays in flight while
// the other vCPU (FCFS) or the shared CPU (processor sharing) serves the
// next request. Capped delays queued one after another saturate at the
// last instant instead of wrapping around.
func TestHugeWorkStaysInFlight(t *testing.T) {
	for _, d := range []Discipline{FCFS, ProcessorSharing} {
		t.Run(string(d), func(t *testing.T) {
			w := newWorld(t, 1)
			i := w.launch(t, LaunchSpec{InstanceType: "t3.micro", Server: ServerConfig{Discipline: d, WarmUp: time.Minute, ColdFactor: 3}})
			w.at(40 * time.Second) // ready at 30 s, still warming up
			huge := w.send(i, math.MaxInt64)
			small := w.send(i, time.Second)
			w.at(time.Hour)
			assert.False(t, huge.done)
			require.True(t, small.done)
			assert.Equal(t, 200, small.resp.Status)
			assert.Equal(t, uint64(1), w.s.Requests().InFlight())
		})
	}
	assert.Equal(t, sim.Time(math.MaxInt64), later(later(later(0, maxDelay), maxDelay), maxDelay))
	assert.Equal(t, sim.Time(3*time.Second), later(sim.Time(time.Second), 2*time.Second))
}

// TestAZEventsSurviveListingCompaction: FailAZ and RecoverAZ notify
// subscribers while walking the instances, and a subscriber may read the
// listing, look an instance up or launch, each of which may compact away
// instances forgotten since (terminated more than TerminatedVisibility, one
// hour, ago). Three of five instances in us-east-1a terminated at 1 min, so
// at 3 h the first read compacts the listing from five to two; the walk
// must still reach both live instances, exactly once each, in launch order.
func TestAZEventsSurviveListingCompaction(t *testing.T) {
	for _, tc := range []struct {
		name    string
		recover bool // RecoverAZ after a FailAZ at 2 min, else FailAZ
		react   func(w *world, t *testing.T, ev Event)
	}{
		{"FailAZ, subscriber lists", false, func(w *world, _ *testing.T, _ Event) { w.e.Instances() }},
		{"FailAZ, subscriber looks up", false, func(w *world, _ *testing.T, ev Event) { w.e.Instance(ev.Instance.ID()) }},
		{"FailAZ, subscriber launches", false, func(w *world, t *testing.T, _ Event) {
			w.launch(t, LaunchSpec{InstanceType: "c7g.large", Subnet: w.b})
		}},
		{"RecoverAZ, subscriber lists", true, func(w *world, _ *testing.T, _ Event) { w.e.Instances() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 1)
			var old, live []*Instance
			for range 3 {
				old = append(old, w.launch(t, LaunchSpec{InstanceType: "c7g.large"}))
			}
			for range 2 {
				live = append(live, w.launch(t, LaunchSpec{InstanceType: "c7g.large"}))
			}
			w.at(time.Minute)
			for _, i := range old {
				require.NoError(t, i.Terminate())
			}
			if tc.recover {
				w.at(2 * time.Minute)
				w.e.FailAZ("us-east-1a")
			}
			w.at(3 * time.Hour)
			var notified []*Instance
			w.e.Subscribe(func(ev Event) {
				if ev.Kind == EventStatusChange {
					notified = append(notified, ev.Instance)
					tc.react(w, t, ev)
				}
			})
			require.NotPanics(t, func() {
				if tc.recover {
					w.e.RecoverAZ("us-east-1a")
				} else {
					w.e.FailAZ("us-east-1a")
				}
			})
			assert.Equal(t, live, notified, "each live instance once, in launch order")
			for _, i := range live {
				assert.Equal(t, tc.recover, i.SystemStatusOK(), i.ID())
			}
			assert.Len(t, w.e.instances, len(w.e.Instances()), "compacted: the three terminated at 1 min are forgotten")
		})
	}
}
