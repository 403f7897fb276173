package workload

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/geo"
)

func TestClientsDraw(t *testing.T) {
	de := netip.MustParsePrefix("198.51.100.0/24")
	jp := netip.MustParsePrefix("2001:db8::/120")
	aws := netip.MustParsePrefix("203.0.113.0/28")
	c, err := NewClients([]Population{
		{Name: "de", Weight: 6, Country: "DE", Prefixes: []netip.Prefix{de}, Resolver: "dns.de"},
		{Name: "jp", Weight: 3, Country: "JP", Subdivision: "13", Prefixes: []netip.Prefix{jp}},
		{Name: "aws", Weight: 1, Region: "us-west-2", Prefixes: []netip.Prefix{aws}, Users: 4},
		{Name: "off", Weight: 0, Country: "FR"},
	})
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 1))
	const n = 60000
	byCountry := map[string]float64{}
	ipsAWS := map[netip.Addr]bool{}
	for range n {
		cl := c.Draw(r)
		switch cl.Region {
		case "eu-central-1":
			require.Equal(t, "DE", cl.Country)
			require.True(t, de.Contains(cl.IP), cl.IP)
			require.Equal(t, "dns.de", cl.Resolver)
			require.True(t, cl.ID >= 1 && cl.ID <= 256)
		case "ap-northeast-1":
			require.Equal(t, "JP", cl.Country)
			require.Equal(t, "13", cl.Subdivision)
			require.True(t, jp.Contains(cl.IP), cl.IP)
			require.True(t, cl.ID > 256 && cl.ID <= 512)
		case "us-west-2":
			require.True(t, aws.Contains(cl.IP))
			ipsAWS[cl.IP] = true
			oregon, _ := geo.LookupRegion("us-west-2")
			require.Equal(t, oregon.Location, geo.Point{Lat: cl.Lat, Lon: cl.Lon})
		default:
			t.Fatalf("unexpected client %+v", cl)
		}
		byCountry[cl.Region]++
	}
	// Shares 0.6/0.3/0.1, each within 4 SE (√(p(1−p)/n) ≤ 0.002).
	assert.InDelta(t, 0.6, byCountry["eu-central-1"]/n, 0.008)
	assert.InDelta(t, 0.3, byCountry["ap-northeast-1"]/n, 0.008)
	assert.InDelta(t, 0.1, byCountry["us-west-2"]/n, 0.008)
	// Users: 4 clients, so 4 distinct addresses: the first four of the /28.
	assert.Len(t, ipsAWS, 4)
	for i := range 4 {
		assert.True(t, ipsAWS[netip.AddrFrom4([4]byte{203, 0, 113, byte(i)})])
	}

	// The German population sits at the country's centre, nearest Frankfurt.
	germany, _ := geo.LookupCountry("DE")
	cl, ok := c.Lookup(netip.MustParseAddr("198.51.100.77"))
	require.True(t, ok)
	assert.Equal(t, uint64(78), cl.ID, "address offset 77 is client 78")
	assert.Equal(t, germany.Location, geo.Point{Lat: cl.Lat, Lon: cl.Lon})
	cl, ok = c.Lookup(netip.MustParseAddr("2001:db8::ff"))
	require.True(t, ok)
	assert.Equal(t, "JP", cl.Country)
	assert.Equal(t, uint64(256+256), cl.ID)
	cl, ok = c.Lookup(netip.MustParseAddr("192.0.2.1"))
	assert.False(t, ok)
	assert.Equal(t, netip.MustParseAddr("192.0.2.1"), cl.IP)
}

func TestClientsStableIdentity(t *testing.T) {
	// Client k always has the same address: Lookup(Draw().IP) gives the
	// same ID, across several disjoint prefixes.
	c, err := NewClients([]Population{{Name: "p", Weight: 1, Country: "US", Prefixes: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/30"), netip.MustParsePrefix("10.0.1.0/31"), netip.MustParsePrefix("10.0.0.2/31"), // overlap merges
	}}})
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(9, 9))
	seen := map[uint64]netip.Addr{}
	for range 1000 {
		cl := c.Draw(r)
		back, ok := c.Lookup(cl.IP)
		require.True(t, ok)
		require.Equal(t, cl.ID, back.ID)
		if ip, ok := seen[cl.ID]; ok {
			require.Equal(t, ip, cl.IP)
		}
		seen[cl.ID] = cl.IP
	}
	assert.Len(t, seen, 6, "4 + 2 addresses after merging")
}

func TestAddrArithmetic(t *testing.T) {
	a := netip.MustParseAddr("10.0.0.255")
	assert.Equal(t, netip.MustParseAddr("10.0.1.4"), addrAdd(a, 5))
	b := netip.MustParseAddr("2001:db8::ffff")
	assert.Equal(t, netip.MustParseAddr("2001:db8::1:1"), addrAdd(b, 2))
	assert.Equal(t, uint64(2), addrDiff(b, netip.MustParseAddr("2001:db8::1:1")))
	assert.Equal(t, uint64(1<<64-1), addrDiff(netip.MustParseAddr("::"), netip.MustParseAddr("::1:0:0:0:0")))
}

func TestClientsValidation(t *testing.T) {
	tests := []struct {
		name string
		pops []Population
		want string
	}{
		{"none", nil, "no populations"},
		{"bad country", []Population{{Name: "x", Weight: 1, Country: "ZZ"}}, `population "x": Country "ZZ"`},
		{"bad region", []Population{{Name: "x", Weight: 1, Region: "mars-1"}}, `Region "mars-1"`},
		{"no place", []Population{{Weight: 1}}, `population "#0": set Country, Region or Location`},
		{"negative weight", []Population{{Name: "x", Weight: -1, Country: "US"}}, "Weight -1"},
		{"zero weights", []Population{{Name: "x", Country: "US"}}, "every population has Weight 0"},
		{"bad prefix", []Population{{Name: "x", Weight: 1, Country: "US", Prefixes: []netip.Prefix{{}}}}, "Prefixes[0]"},
		{"bad location", []Population{{Name: "x", Weight: 1, Location: &geo.Point{Lat: 91}}}, "Location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClients(tt.pops)
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	// A bare location picks the nearest Region.
	c, err := NewClients([]Population{{Weight: 1, Location: &geo.Point{Lat: -33.9, Lon: 151.2}}})
	require.NoError(t, err)
	assert.Equal(t, "ap-southeast-2", c.Draw(rand.New(rand.NewPCG(1, 1))).Region)
}
