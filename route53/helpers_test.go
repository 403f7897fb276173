package route53

import (
	"net/netip"
	"testing"

	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/require"
)

// newService returns a run and its Route 53 with default knobs.
func newService(t testing.TB, seed uint64) (*sim.Sim, *Route53) {
	t.Helper()
	s := sim.New(sim.Config{Seed: seed})
	r, err := New(s, Config{})
	require.NoError(t, err)
	return s, r
}

// newZone creates a public zone.
func newZone(t testing.TB, r *Route53, name string) *HostedZone {
	t.Helper()
	z, err := r.CreateHostedZone(HostedZoneConfig{Name: name})
	require.NoError(t, err)
	return z
}

// mustChange applies a batch of CREATEs.
func mustChange(t testing.TB, r *Route53, z *HostedZone, sets ...ResourceRecordSet) {
	t.Helper()
	changes := make([]Change, len(sets))
	for i, s := range sets {
		changes[i] = Change{Action: "CREATE", ResourceRecordSet: s}
	}
	_, err := r.ChangeResourceRecordSets(z.ID(), changes)
	require.NoError(t, err)
}

// a returns an A record set.
func a(name string, ttl int64, ips ...string) ResourceRecordSet {
	return ResourceRecordSet{Name: name, Type: TypeA, TTL: ttl, ResourceRecords: ips}
}

// first returns the first address of an answer as a string, or "".
func first(ans Answer) string {
	if len(ans.Addrs) == 0 {
		return ""
	}
	return ans.Addrs[0].String()
}

// from returns a query source at a country's location.
func from(t testing.TB, country, sub string) Source {
	t.Helper()
	c, ok := geo.LookupCountry(country)
	require.True(t, ok, country)
	return Source{Location: c.Location, Country: country, Subdivision: sub}
}

// target is an AliasResource with settable health.
type target struct {
	name    string
	addrs   []netip.Addr
	healthy bool
}

func (t *target) DNSName() string     { return t.name }
func (t *target) Addrs() []netip.Addr { return t.addrs }
func (t *target) Healthy() bool       { return t.healthy }

// switchable answers 200 while up, else 503.
type switchable struct {
	up   bool
	hits int
}

func (h *switchable) Serve(_ *sim.Request, reply func(sim.Response)) {
	h.hits++
	if h.up {
		reply(sim.Response{Status: 200, Bytes: 100})
		return
	}
	reply(sim.Response{Status: 503, Reason: "ServiceUnavailable"})
}

// addrs parses addresses.
func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}
