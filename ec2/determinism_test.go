package ec2

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scenario runs two hours of a small fleet with random boot times, Poisson
// traffic, a spot market with interruptions, a stop/start and an AZ
// outage, and returns everything observable: the trace, the bill, the
// metrics and the request tally.
func scenario(t *testing.T, seed uint64) string {
	var trace bytes.Buffer
	s := sim.New(sim.Config{Seed: seed, Trace: &trace})
	ledger := billing.NewLedger()
	rec := &recorder{}
	e, err := New(s, Config{Billing: ledger, Metrics: rec, Spot: SpotConfig{InterruptionsPerHour: 1}})
	require.NoError(t, err)
	a := mustSubnet(t, "subnet-a", "us-east-1a", "10.0.1.0/24")
	b := mustSubnet(t, "subnet-b", "us-east-1b", "10.0.2.0/24")
	web := []*Instance{}
	for k, spec := range []LaunchSpec{
		{InstanceType: "m5.large", Subnet: a, AssociatePublicIP: true, Tags: map[string]string{"app": "web"}},
		{InstanceType: "c7g.large", Subnet: b, Market: MarketSpot, Tags: map[string]string{"app": "web"}},
		{InstanceType: "t3.micro", Subnet: a, CreditSpecification: CreditStandard, DetailedMonitoring: true},
	} {
		i, err := e.Launch(spec)
		require.NoError(t, err, "instance %d", k)
		web = append(web, i)
	}
	arr := s.Stream("test/arrivals")
	work := s.Stream("test/work")
	var gen func()
	gen = func() {
		for _, i := range web {
			s.Send(i, &sim.Request{Work: time.Duration(work.ExpFloat64() * float64(50*time.Millisecond)), Bytes: 800}, nil)
		}
		s.After(time.Duration(arr.ExpFloat64()*float64(100*time.Millisecond)), gen)
	}
	s.After(time.Minute, gen)
	s.Schedule(sim.Time(30*time.Minute), func() { require.NoError(t, web[0].Stop()) })
	s.Schedule(sim.Time(40*time.Minute), func() { require.NoError(t, web[0].Start()) })
	s.Schedule(sim.Time(50*time.Minute), func() { e.FailAZ("us-east-1a") })
	s.Schedule(sim.Time(55*time.Minute), func() { e.RecoverAZ("us-east-1a") })
	s.RunUntil(sim.Time(2 * time.Hour))
	e.SettleBilling()

	var out bytes.Buffer
	out.Write(trace.Bytes())
	require.NoError(t, ledger.WriteCSV(&out, s.Epoch()))
	for _, d := range rec.data {
		fmt.Fprintf(&out, "%s %s %v %+v\n", d.MetricName, d.Dimensions[0].Value, d.Timestamp, *d.StatisticValues)
	}
	fmt.Fprintln(&out, s.Requests())
	require.NoError(t, s.Requests().Check())
	return out.String()
}

func TestDeterminism(t *testing.T) {
	one, two := scenario(t, 7), scenario(t, 7)
	require.Equal(t, one, two, "same seed, same run")
	assert.NotEqual(t, one, scenario(t, 8), "another seed changes boot times, traffic and spot prices")
	assert.Contains(t, one, "SpotInterruptionWarning", "the scenario exercises spot interruptions")
	assert.Contains(t, one, "CreditsExhausted")
}
