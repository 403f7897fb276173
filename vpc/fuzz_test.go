package vpc

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func FuzzParseCIDR(f *testing.F) {
	for _, s := range []string{"10.0.0.0/16", "100.68.0.18/18", "0.0.0.0/0", "::/0", "2600:1f18::/56", "10.0.0.0/33", "10.0.0/8", "::ffff:10.0.0.0/104", "fe80::1%eth0/64", " 10.1.2.3/24 ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseCIDR(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("ParseCIDR(%q) error %v does not wrap ErrInvalidConfig", s, err)
			}
			return
		}
		if p != p.Masked() {
			t.Fatalf("ParseCIDR(%q) = %s, not rounded down to its network address", s, p)
		}
		q, err := ParseCIDR(p.String())
		if err != nil || q != p {
			t.Fatalf("ParseCIDR(%q) = %s does not round-trip: %s, %v", s, p, q, err)
		}
		if b, err := parseIPv4Block(s, "x"); err == nil {
			if !b.Addr().Is4() || b.Bits() < MinIPv4PrefixLen || b.Bits() > MaxIPv4PrefixLen {
				t.Fatalf("parseIPv4Block(%q) accepted %s", s, b)
			}
		}
	})
}

// FuzzCarve carves blocks of fuzzed sizes out of a /16 and checks each is
// inside, aligned, disjoint from the others, and that exhaustion is only
// reported when no aligned block of that size is free.
func FuzzCarve(f *testing.F) {
	f.Add([]byte{24, 24, 20, 28, 16})
	f.Add([]byte{28, 17, 17, 17, 28})
	f.Add([]byte{16, 16})
	f.Fuzz(func(t *testing.T, sizes []byte) {
		parent := netip.MustParsePrefix("10.0.0.0/16")
		var taken []netip.Prefix
		for i, raw := range sizes {
			if i >= 40 {
				break
			}
			bits := 16 + int(raw)%13 // /16../28
			p, err := Carve(parent, bits, taken)
			if err != nil {
				if !errors.Is(err, ErrAddressExhausted) {
					t.Fatalf("Carve /%d: %v", bits, err)
				}
				// Brute force: every aligned /bits block must overlap a taken one.
				step := uint32(1) << (32 - bits)
				base := u32(parent.Addr().As4())
				for off := uint32(0); off < 1<<16; off += step {
					cand := netip.PrefixFrom(addrOf(base+off), bits)
					free := true
					for _, x := range taken {
						if x.Overlaps(cand) {
							free = false
							break
						}
					}
					if free {
						t.Fatalf("Carve /%d reported exhaustion but %s is free (taken %v)", bits, cand, taken)
					}
				}
				continue
			}
			if p.Bits() != bits || p != p.Masked() || !parent.Contains(p.Addr()) {
				t.Fatalf("Carve /%d = %s: wrong size, unaligned or outside %s", bits, p, parent)
			}
			for _, x := range taken {
				if x.Overlaps(p) {
					t.Fatalf("Carve /%d = %s overlaps %s", bits, p, x)
				}
			}
			taken = append(taken, p)
		}
	})
}

// FuzzCreateSubnet feeds arbitrary CIDR strings to CreateSubnet: whatever
// is accepted lies inside the VPC and overlaps no other subnet, and every
// refusal wraps a sentinel.
func FuzzCreateSubnet(f *testing.F) {
	f.Add("10.0.0.0/24", "10.0.0.128/25", "10.0.1.0/28")
	f.Add("10.0.0.0/16", "10.1.0.0/24", "not a cidr")
	f.Add("172.16.0.0/24", "10.0.255.240/28", "10.0.0.0/29")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		n, err := New(sim.New(sim.Config{Seed: 1}), Config{})
		if err != nil {
			t.Fatal(err)
		}
		v, err := n.CreateVPC(VPCConfig{Name: "v", Region: "us-east-1", CidrBlock: "10.0.0.0/16", SecondaryCidrBlocks: []string{"100.64.0.0/20"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, cidr := range []string{a, b, c} {
			_, err := v.CreateSubnet(SubnetConfig{Name: "s", AvailabilityZone: "us-east-1a", CidrBlock: cidr})
			if err != nil && !errors.Is(err, ErrInvalidConfig) && !errors.Is(err, ErrLimitExceeded) {
				t.Fatalf("CreateSubnet(%q): %v wraps no sentinel", cidr, err)
			}
		}
		subs := v.Subnets()
		for i, s := range subs {
			if !v.Contains(s.CIDR().Addr()) || !v.Contains(addrOf(u32(s.CIDR().Addr().As4())+uint32(1<<(32-s.CIDR().Bits())-1))) {
				t.Fatalf("subnet %s is not inside the VPC", s.CIDR())
			}
			if s.AvailableIpAddressCount() != Usable(s.CIDR()) {
				t.Fatalf("subnet %s has %d free, want %d", s.CIDR(), s.AvailableIpAddressCount(), Usable(s.CIDR()))
			}
			for _, o := range subs[i+1:] {
				if s.CIDR().Overlaps(o.CIDR()) {
					t.Fatalf("subnets %s and %s overlap", s.CIDR(), o.CIDR())
				}
			}
		}
	})
}

// TestLookupMatchesReference checks the compiled longest-prefix match
// against a plain scan over random route tables.
func TestLookupMatchesReference(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n, err := New(sim.New(sim.Config{Seed: 1}), Config{Limits: &Limits{CidrBlocksPerVPC: 5, RoutesPerTable: 1000, RouteTablesPerVPC: 5, SubnetsPerVPC: 5, NetworkACLsPerVPC: 5, RulesPerNetworkACL: 20, SecurityGroupsPerVPC: 5, RulesPerSecurityGroup: 60, SecurityGroupsPerENI: 5, NatGatewaysPerAZ: 5, ActivePeeringsPerVPC: 5, NatConnectionsPerIP: 1, InterfaceEndpointsPerVPC: 5, NatIdleTimeout: time.Minute}})
		if err != nil {
			rt.Fatal(err)
		}
		v, _ := n.CreateVPC(VPCConfig{Name: "v", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
		igw, _ := v.AttachInternetGateway()
		table := v.MainRouteTable()
		var dsts []netip.Prefix
		for range rapid.IntRange(0, 30).Draw(rt, "routes") {
			a := rapid.Uint32().Draw(rt, "addr")
			bits := rapid.IntRange(0, 32).Draw(rt, "bits")
			p := netip.PrefixFrom(addrOf(a), bits).Masked()
			if table.CreateRoute(RouteConfig{DestinationCidrBlock: p.String(), Target: igw}) == nil {
				dsts = append(dsts, p)
			}
		}
		dsts = append(dsts, v.PrimaryCIDR())
		for range 20 {
			a := addrOf(rapid.Uint32().Draw(rt, "probe"))
			best := -1
			var want netip.Prefix
			for _, d := range dsts {
				if d.Contains(a) && d.Bits() > best {
					best, want = d.Bits(), d
				}
			}
			_, got, ok := table.Lookup(a)
			if ok != (best >= 0) || (ok && got != want) {
				rt.Fatalf("Lookup(%s) = %s %v, want %s", a, got, ok, want)
			}
		}
	})
}

// TestCacheMatchesWalk checks that cached verdicts, shared across source
// ports of one class, equal a fresh walk for every port.
func TestCacheMatchesWalk(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		f := newTwoTier(t, 1)
		acl, err := f.v.CreateNetworkACL("random")
		if err != nil {
			rt.Fatal(err)
		}
		for i := range rapid.IntRange(1, 8).Draw(rt, "rules") {
			from := uint16(rapid.IntRange(0, 65535).Draw(rt, "from"))
			to := uint16(rapid.IntRange(int(from), 65535).Draw(rt, "to"))
			e := NetworkACLEntry{RuleNumber: 10 * (i + 1), Egress: rapid.Bool().Draw(rt, "egress"), Protocol: ProtocolTCP,
				RuleAction: RuleAction(rapid.Bool().Draw(rt, "allow")), CidrBlock: "0.0.0.0/0", PortRange: PortRange{from, to}}
			if err := acl.AddEntry(e); err != nil {
				rt.Fatal(err)
			}
		}
		for _, eg := range []bool{false, true} {
			_ = acl.AddEntry(NetworkACLEntry{RuleNumber: 1000, Egress: eg, Protocol: ProtocolTCP, RuleAction: Allow, CidrBlock: "0.0.0.0/0", PortRange: Port(8080)})
		}
		if err := acl.Associate(f.priv); err != nil {
			rt.Fatal(err)
		}
		for range 30 {
			sport := uint16(rapid.IntRange(0, 65535).Draw(rt, "sport"))
			var fl Flow
			if rapid.Bool().Draw(rt, "outbound") {
				fl = tcp(FromENI(f.app), internetHost, sport, 443)
			} else {
				fl = tcp(FromENI(f.web), f.app.PrivateIP(), sport, 8080)
			}
			got, want := f.n.Evaluate(fl).String(), f.n.walk(fl).String()
			if got != want {
				rt.Fatalf("sport %d: cached\n%s\nfresh\n%s", sport, got, want)
			}
		}
	})
}

func TestPortClass(t *testing.T) {
	f := newTwoTier(t, 1)
	acl, err := f.v.CreateNetworkACL("ports")
	if err != nil {
		t.Fatal(err)
	}
	for i, pr := range []PortRange{{1025, 1025}, {65535, 65535}, {8080, 8081}} {
		if err := acl.AddEntry(NetworkACLEntry{RuleNumber: i + 1, Protocol: ProtocolTCP, RuleAction: Allow, CidrBlock: "0.0.0.0/0", PortRange: pr}); err != nil {
			t.Fatal(err)
		}
	}
	// Boundaries 1025, 1026, 8080, 8082, 65535: classes are the intervals between them.
	for _, c := range []struct{ a, b uint16 }{{1024, 1024}, {1025, 1025}, {1026, 8079}, {8080, 8081}, {8082, 65534}, {65535, 65535}} {
		ca, _ := f.n.portClass(c.a)
		cb, _ := f.n.portClass(c.b)
		if ca != cb {
			t.Errorf("ports %d and %d should share a class: %d vs %d", c.a, c.b, ca, cb)
		}
		if c.a > 1024 {
			prev, _ := f.n.portClass(c.a - 1)
			if prev == ca {
				t.Errorf("ports %d and %d should differ", c.a-1, c.a)
			}
		}
	}
	if c, _ := f.n.portClass(80); c != 80 {
		t.Errorf("ports below 1024 keep their own class, got %d", c)
	}
}

// FuzzEvaluate sends arbitrary flows (any source kind, address, protocol
// and ports) through the two-tier VPC and checks that a verdict always
// comes back whole: a drop has a reason, an accept none, the cached answer
// equals the walked one, and Crossing never panics either.
func FuzzEvaluate(f *testing.F) {
	f.Add(uint8(1), uint8(0), []byte{10, 0, 2, 4}, []byte{198, 51, 100, 1}, int16(6), uint16(40000), uint16(443))
	f.Add(uint8(2), uint8(0), []byte{203, 0, 113, 9}, []byte{10, 0, 1, 4}, int16(6), uint16(40000), uint16(80))
	f.Add(uint8(3), uint8(1), []byte{192, 168, 0, 1}, []byte{10, 0, 2, 4}, int16(17), uint16(5000), uint16(53))
	f.Add(uint8(1), uint8(1), []byte{}, []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, int16(-1), uint16(0), uint16(0))
	f.Fuzz(func(t *testing.T, kind, who uint8, src, dst []byte, proto int16, sport, dport uint16) {
		tt := newTwoTier(t, 1)
		addr := func(b []byte) netip.Addr {
			a, _ := netip.AddrFromSlice(b)
			return a
		}
		eni := tt.web
		if who%2 == 1 {
			eni = tt.app
		}
		fl := Flow{Src: Source{Kind: SourceKind(kind % 5), ENI: eni, Addr: addr(src), VPC: tt.v},
			Dst: addr(dst), Protocol: Protocol(proto), SrcPort: sport, DstPort: dport}
		if who%4 >= 2 {
			fl.Src.ENI, fl.Src.VPC = nil, nil
		}
		walked := *tt.n.Evaluate(fl)
		if (walked.Verdict == Accept) != (walked.Drop == NotDropped) || (walked.Verdict == Reject) == (walked.Reason == "") {
			t.Fatalf("%s: inconsistent result %s", fl, &walked)
		}
		cached := tt.n.Evaluate(fl)
		if cached.Verdict != walked.Verdict || cached.Drop != walked.Drop || cached.Reason != walked.Reason {
			t.Fatalf("%s: cached %s, walked %s", fl, cached, &walked)
		}
		tt.n.Crossing(fl, 1000, 1000)
		_ = fl.String()
	})
}

// TestCacheKeyFollowsSourceKind: the cache keys a flow by the field its
// source kind uses, so on-premises flows into different VPCs never share
// an entry, even when a stray ENI is set on the source.
func TestCacheKeyFollowsSourceKind(t *testing.T) {
	f := newTwoTier(t, 1)
	other, err := f.n.CreateVPC(VPCConfig{Name: "other", Region: "us-east-1", CidrBlock: "10.1.0.0/16"})
	require.NoError(t, err)
	_, err = other.AttachVpnGateway("192.168.0.0/16")
	require.NoError(t, err)
	src := mustAddr("192.168.5.5")
	into := func(v *VPC) Flow {
		return tcp(Source{Kind: SourceOnPremises, VPC: v, ENI: f.web, Addr: src}, f.app.PrivateIP(), 40000, 8080)
	}
	first := f.n.Evaluate(into(f.v))
	require.Equal(t, DropInvalidFlow, first.Drop, "%s", first)
	got, want := f.n.Evaluate(into(other)), f.n.walk(into(other))
	assert.Equal(t, want.String(), got.String())
	assert.NotEqual(t, DropInvalidFlow, got.Drop, "%s", got)
}
