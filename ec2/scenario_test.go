package ec2

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/require"
)

// TestScenarios runs the scripts under testdata/scenarios. Regenerate the
// expected output with: go test ./ec2 -run Scenarios -rewrite
//
// The script language (durations are Go durations, times are offsets from
// the epoch):
//
//	new seed=N [pending=D boot=D] [interrupts=R] [trace]
//	    a new run; pending/boot fix those delays (else the defaults draw
//	    them); interrupts sets Spot.InterruptionsPerHour; trace records the
//	    control-plane trace, printed by run.
//	launch name=X type=T [az=a|b] [public] [spot] [hibernation] [detailed] [credit=M]
//	send name=X work=D [n=N] [path=P]
//	    send N requests now; their answers are printed by the next run.
//	load name=X n=N work=D
//	    keep N requests of work D inside X from now on (answers not printed).
//	cpu name=X window=D
//	    CPUUtilization over the last D.
//	run for=D | run until=D
//	    advance, printing answers and events (state changes, warnings).
//	stop|start|hibernate|reboot|terminate|fail|recover name=X
//	impair name=X factor=F
//	fail-az az=Z | recover-az az=Z
//	state name=X
//	bill
//	    cost by Name tag (the instance name) and usage type, after settling.
//	metric name=X metric=M
//	    the instance's datapoints of metric M: timestamp, samples, average.
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/scenarios", func(t *testing.T, path string) {
		var sc *script
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd == "new" {
				sc = newScript(t, d)
				return sc.flush()
			}
			require.NotNil(t, sc, "a script starts with new")
			return sc.do(t, d)
		})
	})
}

type script struct {
	w      *world
	trace  *bytes.Buffer
	names  map[string]*Instance
	out    strings.Builder
	traced int
}

func newScript(t *testing.T, d *datadriven.TestData) *script {
	var seed uint64
	d.ScanArgs(t, "seed", &seed)
	sc := &script{names: map[string]*Instance{}}
	var tracing bool
	if d.HasArg("trace") {
		sc.trace, tracing = &bytes.Buffer{}, true
	}
	var pending, boot string
	d.MaybeScanArgs(t, "pending", &pending)
	d.MaybeScanArgs(t, "boot", &boot)
	var interrupts float64
	d.MaybeScanArgs(t, "interrupts", &interrupts)
	w := &world{rec: &recorder{}, ledger: billing.NewLedger()}
	cfg := sim.Config{Seed: seed}
	if tracing {
		cfg.Trace = sc.trace
	}
	w.s = sim.New(cfg)
	ec := Config{Billing: w.ledger, Metrics: w.rec, Spot: SpotConfig{InterruptionsPerHour: interrupts}}
	if pending != "" {
		ec.PendingTime = Constant(mustDuration(t, pending))
	}
	if boot != "" {
		ec.BootTime = Constant(mustDuration(t, boot))
	}
	e, err := New(w.s, ec)
	require.NoError(t, err)
	w.e = e
	w.a = mustSubnet(t, "subnet-a", "us-east-1a", "10.0.1.0/24")
	w.b = mustSubnet(t, "subnet-b", "us-east-1b", "10.0.2.0/24")
	e.Subscribe(func(ev Event) {
		name := ev.Instance.Tags()["Name"]
		switch ev.Kind {
		case EventStateChange:
			sc.logf("%s %s: %s -> %s", ev.Time, name, ev.Previous, ev.State)
		case EventInterruptionWarning:
			sc.logf("%s %s: spot interruption warning, %s at %s", ev.Time, name, ev.Action, ev.InterruptAt)
		case EventRebalanceRecommendation:
			sc.logf("%s %s: rebalance recommendation", ev.Time, name)
		case EventStatusChange:
			sc.logf("%s %s: status ok=%t", ev.Time, name, ev.StatusOK)
		}
	})
	sc.w = w
	return sc
}

func mustDuration(t *testing.T, s string) time.Duration {
	d, err := time.ParseDuration(s)
	require.NoError(t, err)
	return d
}

func (sc *script) logf(format string, args ...any) {
	fmt.Fprintf(&sc.out, format+"\n", args...)
}

// flush returns what was logged since the last command, and new trace lines.
func (sc *script) flush() string {
	if sc.trace != nil {
		lines := strings.SplitAfter(sc.trace.String(), "\n")
		for _, l := range lines[sc.traced:] {
			if l != "" {
				sc.out.WriteString("trace " + l)
			}
		}
		sc.traced = len(lines) - 1
	}
	s := sc.out.String()
	sc.out.Reset()
	if s == "" {
		return "ok\n"
	}
	return s
}

func (sc *script) inst(t *testing.T, d *datadriven.TestData) (string, *Instance) {
	var name string
	d.ScanArgs(t, "name", &name)
	i, ok := sc.names[name]
	require.True(t, ok, "unknown instance %q", name)
	return name, i
}

func result(err error) string {
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	return ""
}

func (sc *script) do(t *testing.T, d *datadriven.TestData) string {
	w := sc.w
	switch d.Cmd {
	case "launch":
		var name, typ, az, credit string
		d.ScanArgs(t, "name", &name)
		d.ScanArgs(t, "type", &typ)
		d.MaybeScanArgs(t, "az", &az)
		d.MaybeScanArgs(t, "credit", &credit)
		spec := LaunchSpec{InstanceType: typ, Subnet: w.a, AssociatePublicIP: d.HasArg("public"),
			HibernationEnabled: d.HasArg("hibernation"), DetailedMonitoring: d.HasArg("detailed"),
			CreditSpecification: CreditMode(credit), Tags: map[string]string{"Name": name}}
		if az == "b" {
			spec.Subnet = w.b
		}
		if d.HasArg("spot") {
			spec.Market = MarketSpot
		}
		i, err := w.e.Launch(spec)
		if err != nil {
			return result(err)
		}
		sc.names[name] = i
		sc.logf("%s: %s %s in %s private=%s public=%s", name, i.Type().Name, i.State(), i.AZ(), i.PrivateIP(), addrString(i.PublicIP()))
	case "send":
		name, i := sc.inst(t, d)
		var work, path string
		n := 1
		d.ScanArgs(t, "work", &work)
		d.MaybeScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "path", &path)
		wd := mustDuration(t, work)
		for k := 0; k < n; k++ {
			w.s.Send(i, &sim.Request{Work: wd, Path: path}, func(r *sim.Request, resp sim.Response) {
				if resp.Failed() {
					sc.logf("%s %s: request %d failed %s", w.s.Now(), name, r.ID, resp.Reason)
					return
				}
				sc.logf("%s %s: request %d answered %d after %s", w.s.Now(), name, r.ID, resp.Status, w.s.Now().Sub(r.Start))
			})
		}
	case "load":
		_, i := sc.inst(t, d)
		var n int
		var work string
		d.ScanArgs(t, "n", &n)
		d.ScanArgs(t, "work", &work)
		w.saturate(i, n, mustDuration(t, work))
	case "cpu":
		name, i := sc.inst(t, d)
		var window string
		d.ScanArgs(t, "window", &window)
		sc.logf("%s: CPUUtilization %.3f%% over %s", name, i.CPUUtilization(mustDuration(t, window)), window)
	case "run":
		var dur string
		if d.MaybeScanArgs(t, "for", &dur) {
			w.s.RunFor(mustDuration(t, dur))
		} else {
			d.ScanArgs(t, "until", &dur)
			w.s.RunUntil(sim.Time(mustDuration(t, dur)))
		}
		sc.logf("now %s", w.s.Now())
	case "stop", "start", "hibernate", "reboot", "terminate":
		_, i := sc.inst(t, d)
		var err error
		switch d.Cmd {
		case "stop":
			err = i.Stop()
		case "start":
			err = i.Start()
		case "hibernate":
			err = i.Hibernate()
		case "reboot":
			err = i.Reboot()
		default:
			err = i.Terminate()
		}
		sc.out.WriteString(result(err))
	case "fail":
		_, i := sc.inst(t, d)
		i.Fail()
	case "recover":
		_, i := sc.inst(t, d)
		i.Recover()
	case "impair":
		_, i := sc.inst(t, d)
		var f float64
		d.ScanArgs(t, "factor", &f)
		sc.out.WriteString(result(i.Impair(f)))
	case "fail-az", "recover-az":
		var az string
		d.ScanArgs(t, "az", &az)
		if d.Cmd == "fail-az" {
			w.e.FailAZ(az)
		} else {
			w.e.RecoverAZ(az)
		}
	case "state":
		name, i := sc.inst(t, d)
		bal, sur := i.CPUCredits()
		sc.logf("%s: %s ready=%t private=%s public=%s inflight=%d speed=%g credits=%.3f surplus=%.3f",
			name, i.State(), i.Ready(), i.PrivateIP(), addrString(i.PublicIP()), i.InFlight(), i.Speed(), bal, sur)
	case "bill":
		w.e.SettleBilling()
		byKey := map[string]float64{}
		for _, li := range w.ledger.Items() {
			byKey[li.Tags["Name"]+" "+li.UsageType] += li.Cost()
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sc.logf("%s $%.6f", k, byKey[k])
		}
		sc.logf("total $%.6f", w.ledger.Total())
	case "metric":
		_, i := sc.inst(t, d)
		var m string
		d.ScanArgs(t, "metric", &m)
		for _, dp := range w.rec.series(m, i.ID()) {
			sv := dp.StatisticValues
			sc.logf("%s n=%g avg=%.3f max=%.3f", dp.Timestamp, sv.SampleCount, sv.Sum/sv.SampleCount, sv.Maximum)
		}
	default:
		t.Fatalf("unknown command %q", d.Cmd)
	}
	return sc.flush()
}
