package vpc

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/geo"
)

// maxCache bounds the verdict cache; it is cleared when full.
const maxCache = 1 << 16

// maxAppliances bounds how many appliance ENIs one flow may pass.
const maxAppliances = 4

// Evaluate answers whether a flow's first packet reaches its destination
// and whether the reply gets back: the hop-by-hop path (ENI, SG out, NACL
// out, route table, target … NACL in, SG in, ENI, then the return hops),
// the verdict, and for a drop the exact cause (the missing route, the NACL
// rule number, the security groups with no matching rule). Security groups
// are stateful, so the reply passes them; NACLs are stateless, so every
// NACL the request crossed is checked again for the reply, whose
// destination port is the request's source (ephemeral) port.
//
// Results are cached per flow until the next configuration change, so the
// returned Result is shared and must not be modified. IPv4 flows whose
// source ports no NACL rule tells apart share a cache entry, so a client
// opening connections from ever new ephemeral ports still hits the cache.
func (n *Network) Evaluate(f Flow) *Result {
	if n.cacheOff {
		return n.walk(f)
	}
	if k, ok := n.keyOf(f); ok {
		if e, ok := n.cache4[k]; ok {
			if e.sport != f.SrcPort && e.r.OnReturn && e.r.Drop == DropNetworkACL {
				return n.walk(f) // same verdict, but the reason names the port
			}
			return e.r
		}
		r := n.walk(f)
		if len(n.cache4) >= maxCache {
			clear(n.cache4)
		}
		n.cache4[k] = cached{r, f.SrcPort}
		return r
	}
	if r, ok := n.cache[f]; ok {
		return r
	}
	r := n.walk(f)
	if len(n.cache) >= maxCache {
		clear(n.cache)
	}
	n.cache[f] = r
	return r
}

// cached is a verdict and the source port it was computed for.
type cached struct {
	r     *Result
	sport uint16
}

// portClass maps a source port to its class: ports from 1024 up that lie
// between the same NACL rule boundaries behave identically (the source
// port matters only to the NACL checks of the reply, and NAT gateways keep
// ports from 1024 up); ports below 1024 keep their own class.
func (n *Network) portClass(p uint16) (uint16, bool) {
	if p < 1024 {
		return p, true
	}
	if n.breaksStale {
		n.breaks = n.breaks[:0]
		for _, v := range n.vpcs {
			for _, a := range v.acls {
				for _, rules := range [][]aclRule{a.in, a.out} {
					for _, r := range rules {
						if r.e.Protocol.hasPorts() {
							n.breaks = append(n.breaks, r.ports.From)
							if r.ports.To < 65535 {
								n.breaks = append(n.breaks, r.ports.To+1)
							}
						}
					}
				}
			}
		}
		slices.Sort(n.breaks)
		n.breaks = slices.Compact(n.breaks)
		n.breaksStale = false
	}
	i, found := slices.BinarySearch(n.breaks, p)
	if found {
		i++ // count the boundaries <= p
	}
	if 1024+i > 65535 {
		return 0, false
	}
	return uint16(1024 + i), true
}

func (n *Network) walk(f Flow) *Result {
	w := walker{n: n, f: f, r: &Result{Path: make([]Hop, 0, 12)}}
	w.run()
	return w.r
}

// key4 packs an IPv4 flow into 24 bytes, which hash much faster than a
// Flow: kind, ENI or VPC number, protocol and ports; source; destination.
type key4 [3]uint64

func (n *Network) keyOf(f Flow) (key4, bool) {
	if !f.Dst.Is4() || (f.Src.Addr.IsValid() && !f.Src.Addr.Is4()) || f.Protocol < 0 || f.Protocol > 255 {
		return key4{}, false
	}
	// Key only by the field the source kind uses, as walk does: an
	// on-premises flow with a stray ENI must not share another's entry.
	var seq uint32
	switch {
	case f.Src.Kind == SourceENI && f.Src.ENI != nil:
		seq = f.Src.ENI.seq
	case f.Src.Kind == SourceOnPremises && f.Src.VPC != nil:
		seq = f.Src.VPC.seq
	}
	var src uint64
	if f.Src.Addr.IsValid() {
		src = 1<<32 | uint64(u32(f.Src.Addr.As4()))
	}
	class, ok := n.portClass(f.SrcPort)
	if seq >= 1<<24 || !ok {
		return key4{}, false
	}
	k0 := uint64(f.Src.Kind)<<56 | uint64(seq)<<32 | uint64(class)<<16 | uint64(f.DstPort)
	return key4{k0, uint64(f.Protocol)<<40 | src, uint64(u32(f.Dst.As4()))}, true
}

// walker follows one flow through the network.
type walker struct {
	n      *Network
	f      Flow
	r      *Result
	checks []retCheck
	hops   int
	ret    bool
}

// retCheck is something the reply must pass: a NACL in the opposite
// direction, or a route back through the gateway the request came by.
type retCheck struct {
	acl    *NetworkACL
	egress bool
	peer   netip.Addr
	port   uint16
	rt     *RouteTable
	want   Target
}

func (w *walker) run() {
	f := w.f
	switch {
	case !f.Dst.IsValid():
		w.drop(DropInvalidFlow, "destination address is not set")
		return
	case f.Protocol < 0 || f.Protocol > 255:
		w.drop(DropInvalidFlow, fmt.Sprintf("protocol %d is not a single IANA protocol", f.Protocol))
		return
	}
	switch f.Src.Kind {
	case SourceENI:
		w.fromENI()
	case SourceInternet:
		if !f.Src.Addr.IsValid() || f.Src.Addr.Is4() != f.Dst.Is4() {
			w.drop(DropInvalidFlow, "internet source address is missing or of another family than the destination")
			return
		}
		w.hop(Hop{Kind: HopInternet, Allowed: true})
		w.inbound(f.Src.Addr, f.SrcPort, f.Dst)
	case SourceOnPremises:
		w.fromOnPrem()
	default:
		w.drop(DropInvalidFlow, "flow source kind is not set")
		return
	}
	if w.r.Verdict == Accept {
		w.checkReturn()
	}
}

func (w *walker) hop(h Hop) {
	h.Return = w.ret
	w.r.Path = append(w.r.Path, h)
}

func (w *walker) accept() { w.r.Verdict, w.r.Drop = Accept, NotDropped }

func (w *walker) drop(d DropReason, reason string) {
	w.r.Verdict, w.r.Drop, w.r.Reason, w.r.OnReturn = Reject, d, reason, w.ret
}

func (w *walker) fromENI() {
	f := w.f
	e := f.Src.ENI
	if e == nil || e.deleted {
		w.drop(DropInvalidFlow, "source ENI is nil or deleted")
		return
	}
	src := f.Src.Addr
	switch {
	case src.IsValid():
		if !peerENIOwns(e, src) {
			w.drop(DropInvalidFlow, fmt.Sprintf("%s does not hold source address %s", e.id, src))
			return
		}
	case f.Dst.Is4():
		src = e.primary
	case len(e.ipv6) > 0:
		src = e.ipv6[0]
	default:
		w.drop(DropInvalidFlow, fmt.Sprintf("%s has no IPv6 address for destination %s", e.id, f.Dst))
		return
	}
	if src.Is4() != f.Dst.Is4() {
		w.drop(DropInvalidFlow, fmt.Sprintf("source %s and destination %s are of different families", src, f.Dst))
		return
	}
	w.hop(Hop{Kind: HopENI, ID: e.id, Allowed: true})
	w.forward(e, src, f.SrcPort)
}

// forward sends the flow out of ENI e (the source or an appliance).
func (w *walker) forward(e *NetworkInterface, src netip.Addr, sport uint16) {
	f, n := w.f, w.n
	v := e.subnet.vpc
	dst := f.Dst
	lat := &n.latency
	// The Amazon-provided resolver (VPC+2) cannot be filtered by SGs or NACLs.
	if v.dns && dst == v.ResolverAddr() && f.DstPort == 53 && (f.Protocol == ProtocolUDP || f.Protocol == ProtocolTCP) {
		w.hop(Hop{Kind: HopResolver, ID: "AmazonProvidedDNS", Allowed: true})
		w.r.Latency += lat.SameAZ
		w.accept()
		return
	}
	dstENI := v.addrs[dst]
	peerENI := dstENI
	if peerENI == nil {
		peerENI = n.peerENI(v, dst)
	}
	if e.typ == InterfaceTypeInterface {
		ok := allows(e.sgs, true, dst, peerENI, f.Protocol, f.DstPort)
		w.hop(Hop{Kind: HopSecurityGroupEgress, ID: sgIDs(e.sgs), Allowed: ok})
		if !ok {
			w.drop(DropSecurityGroup, fmt.Sprintf("no outbound rule of %s on %s allows %s to %s port %d",
				sgIDs(e.sgs), e.id, f.Protocol, dst, f.DstPort))
			return
		}
	}
	// Traffic within a subnet is switched: no NACL, no route table.
	if dstENI != nil && dstENI.subnet == e.subnet {
		w.r.Latency += lat.SameAZ
		w.deliver(dstENI, src, e)
		return
	}
	if !w.nacl(e.subnet, true, dst, sport) {
		return
	}
	rt := e.subnet.RouteTable()
	fe := w.route(rt, dst)
	if fe == nil {
		return
	}
	switch t := fe.route.target.(type) {
	case nil:
		if dstENI == nil {
			w.hop(Hop{Kind: HopENI})
			w.drop(DropNoSuchAddress, fmt.Sprintf("no network interface holds %s in VPC %s", dst, v.id))
			return
		}
		w.r.Latency += w.azLatency(e.subnet.az, dstENI.subnet.az)
		w.crossAZ(e, dstENI)
		w.enter(dstENI, src, sport, e)
	case *InternetGateway:
		w.toInternet(t, e, src, sport)
	case *NatGateway:
		w.toNAT(t, e, src, sport)
	case *PeeringConnection:
		w.toPeer(t, e, src, sport)
	case *VpnGateway:
		w.hop(Hop{Kind: HopVpnGateway, ID: t.id, Allowed: true})
		w.hop(Hop{Kind: HopOnPremises, Allowed: true})
		w.r.Latency += lat.InternetGateway
		w.accept()
	case *Endpoint:
		w.hop(Hop{Kind: HopGatewayEndpoint, ID: t.id, Allowed: true})
		w.r.Latency += lat.SameAZ
		w.accept()
	case *NetworkInterface:
		w.toAppliance(t, e, src, sport)
	}
}

// route looks dst up in rt and records the hop; nil means dropped.
func (w *walker) route(rt *RouteTable, dst netip.Addr) *fibEntry {
	fe := rt.lookup(dst)
	if fe == nil {
		w.hop(Hop{Kind: HopRouteTable, ID: rt.id})
		w.drop(DropNoRoute, fmt.Sprintf("route table %s has no route to %s", rt.id, dst))
		return nil
	}
	ok := fe.route.active()
	w.hop(Hop{Kind: HopRouteTable, ID: rt.id, Route: fe.p, Target: fe.route.TargetID(), Allowed: ok})
	if !ok {
		w.drop(DropBlackhole, fmt.Sprintf("route %s -> %s in %s is a blackhole (target deleted or inactive)", fe.p, fe.route.TargetID(), rt.id))
		return nil
	}
	return fe
}

// nacl checks subnet s's NACL for the flow leaving (egress) or entering
// it, peer being the far address; on the forward path it records the
// opposite check the reply must pass (its destination port is sport).
func (w *walker) nacl(s *Subnet, egress bool, peer netip.Addr, sport uint16) bool {
	f := w.f
	num, act := s.acl.evaluate(egress, peer, f.Protocol, f.DstPort)
	kind := HopNetworkACLIngress
	if egress {
		kind = HopNetworkACLEgress
	}
	w.hop(Hop{Kind: kind, ID: s.acl.id, Rule: num, Allowed: act == Allow})
	if act != Allow {
		w.drop(DropNetworkACL, fmt.Sprintf("network ACL %s %s rule %s denies %s %s %s port %d",
			s.acl.id, pick(egress, "outbound", "inbound"), ruleName(num), f.Protocol, pick(egress, "to", "from"), peer, f.DstPort))
		return false
	}
	w.checks = append(w.checks, retCheck{acl: s.acl, egress: !egress, peer: peer, port: sport})
	return true
}

// enter brings the flow into dst's subnet from another subnet or outside.
func (w *walker) enter(dst *NetworkInterface, src netip.Addr, sport uint16, srcENI *NetworkInterface) {
	if !w.nacl(dst.subnet, false, src, sport) {
		return
	}
	w.deliver(dst, src, srcENI)
}

// sgIn checks the flow against the inbound rules of e's security groups,
// records the hop, and drops the flow naming e (as role+ID) when no rule
// allows it.
func (w *walker) sgIn(e *NetworkInterface, role string, src netip.Addr, srcENI *NetworkInterface) bool {
	f := w.f
	ok := allows(e.sgs, false, src, srcENI, f.Protocol, f.DstPort)
	w.hop(Hop{Kind: HopSecurityGroupIngress, ID: sgIDs(e.sgs), Allowed: ok})
	if !ok {
		w.drop(DropSecurityGroup, fmt.Sprintf("no inbound rule of %s on %s%s allows %s from %s port %d",
			sgIDs(e.sgs), role, e.id, f.Protocol, src, f.DstPort))
	}
	return ok
}

// deliver passes dst's security groups and hands the flow over.
func (w *walker) deliver(dst *NetworkInterface, src netip.Addr, srcENI *NetworkInterface) {
	n := w.n
	if dst.typ == InterfaceTypeNatGateway {
		w.hop(Hop{Kind: HopNatGateway, ID: dst.nat.id})
		w.drop(DropNatInbound, fmt.Sprintf("NAT gateway %s accepts no inbound connections (outbound only)", dst.nat.id))
		return
	}
	if !w.sgIn(dst, "", src, srcENI) {
		return
	}
	if dst.typ == InterfaceTypeVpcEndpoint {
		ep := dst.endpoint
		w.hop(Hop{Kind: HopInterfaceEndpoint, ID: ep.id, Allowed: true})
		w.r.Latency += n.latency.InterfaceEndpoint
		w.bottleneck(n.latency.InterfaceEndpointBps)
		acc := n.accumulator(ep.id, usageEndpointBytes, ep.vpc.region, n.prices.InterfaceEndpointPerGB)
		r := rate{ep.id, usageEndpointBytes, n.prices.InterfaceEndpointPerGB, acc}
		w.r.fwd = append(w.r.fwd, r)
		w.r.ret = append(w.r.ret, r)
	} else {
		w.hop(Hop{Kind: HopENI, ID: dst.id, Allowed: true})
	}
	w.accept()
}

// inbound brings a flow from the internet (src) to public address dst.
func (w *walker) inbound(src netip.Addr, sport uint16, dst netip.Addr) {
	n := w.n
	target := n.public[dst]
	if target == nil && dst.Is6() {
		for _, v := range n.vpcs {
			if v.ipv6.IsValid() && v.ipv6.Contains(dst) {
				target = v.addrs[dst]
			}
		}
	}
	if target == nil {
		w.hop(Hop{Kind: HopInternetGateway})
		w.drop(DropNoSuchAddress, fmt.Sprintf("no network interface holds public address %s", dst))
		return
	}
	v := target.subnet.vpc
	if v.igw == nil {
		w.hop(Hop{Kind: HopInternetGateway})
		w.drop(DropNoInternetGateway, fmt.Sprintf("VPC %s has no internet gateway", v.id))
		return
	}
	w.hop(Hop{Kind: HopInternetGateway, ID: v.igw.id, Allowed: true})
	w.r.Latency += n.latency.InternetGateway
	if target.typ == InterfaceTypeNatGateway {
		w.hop(Hop{Kind: HopNatGateway, ID: target.nat.id})
		w.drop(DropNatInbound, fmt.Sprintf("NAT gateway %s accepts no inbound connections (outbound only)", target.nat.id))
		return
	}
	// The reply leaves by the subnet's route table, which must send the
	// internet host back to this IGW (the subnet must be public).
	w.checks = append(w.checks, retCheck{rt: target.subnet.RouteTable(), peer: src, want: v.igw})
	acc := n.accumulator(target.id, usageInternetOut, v.region, n.prices.InternetEgressPerGB)
	w.r.ret = append(w.r.ret, rate{target.id, usageInternetOut, n.prices.InternetEgressPerGB, acc})
	w.enter(target, src, sport, nil)
}

func (w *walker) toInternet(igw *InternetGateway, e *NetworkInterface, src netip.Addr, sport uint16) {
	n, dst := w.n, w.f.Dst
	pub := src
	if dst.Is4() {
		a, ok := e.PublicIP()
		if !ok {
			w.hop(Hop{Kind: HopInternetGateway, ID: igw.id})
			w.drop(DropNoPublicAddress, fmt.Sprintf("%s has no public IPv4 address for internet gateway %s to translate", e.id, igw.id))
			return
		}
		pub = a
	}
	w.hop(Hop{Kind: HopInternetGateway, ID: igw.id, Allowed: true})
	w.r.Latency += n.latency.InternetGateway
	w.internetEgress(e.id, e.subnet.vpc.region)
	w.outToInternet(pub, sport)
}

// outToInternet finishes a flow leaving an IGW with public source pub: it
// either comes back in to one of the network's public addresses or ends
// on the internet.
func (w *walker) outToInternet(pub netip.Addr, sport uint16) {
	dst := w.f.Dst
	if _, ok := w.n.public[dst]; ok {
		w.inbound(pub, sport, dst)
		return
	}
	if !internetRoutable(dst) {
		w.hop(Hop{Kind: HopInternet})
		w.drop(DropNoRoute, fmt.Sprintf("%s is a private address; the internet does not route it", dst))
		return
	}
	w.hop(Hop{Kind: HopInternet, Allowed: true})
	w.accept()
}

// internetRoutable reports whether the internet routes to a: not RFC 1918,
// unique-local, shared (100.64.0.0/10), loopback, link-local or unspecified.
func internetRoutable(a netip.Addr) bool {
	return a.IsGlobalUnicast() && !a.IsPrivate() && !pfxShared.Contains(a)
}

func (w *walker) toNAT(g *NatGateway, e *NetworkInterface, src netip.Addr, sport uint16) {
	n, dst := w.n, w.f.Dst
	if g.subnet != e.subnet && !w.nacl(g.subnet, false, src, sport) {
		return
	}
	w.hop(Hop{Kind: HopNatGateway, ID: g.id, Allowed: true})
	w.r.Latency += w.azLatency(e.subnet.az, g.subnet.az) + n.latency.NatGateway
	w.crossAZ(e, g.eni)
	w.bottleneck(n.latency.NatGatewayBps)
	w.r.nat = g
	acc := n.accumulator(g.id, usageNatBytes, g.vpc.region, n.prices.NatGatewayPerGB)
	r := rate{g.id, usageNatBytes, n.prices.NatGatewayPerGB, acc}
	w.r.fwd = append(w.r.fwd, r)
	w.r.ret = append(w.r.ret, r)
	nsrc, nport := g.eni.primary, natPort(sport)
	if !w.nacl(g.subnet, true, dst, nport) {
		return
	}
	fe := w.route(g.subnet.RouteTable(), dst)
	if fe == nil {
		return
	}
	switch t := fe.route.target.(type) {
	case *InternetGateway:
		if !g.public {
			w.hop(Hop{Kind: HopInternetGateway, ID: t.id})
			w.drop(DropPrivateNatToInternet, fmt.Sprintf("private NAT gateway %s traffic to internet gateway %s is dropped", g.id, t.id))
			return
		}
		w.hop(Hop{Kind: HopInternetGateway, ID: t.id, Allowed: true})
		w.r.Latency += n.latency.InternetGateway
		w.internetEgress(g.id, g.vpc.region)
		pub, _ := g.PublicIP()
		w.outToInternet(pub, nport)
	case *VpnGateway:
		w.hop(Hop{Kind: HopVpnGateway, ID: t.id, Allowed: true})
		w.hop(Hop{Kind: HopOnPremises, Allowed: true})
		w.accept()
	case *Endpoint:
		w.hop(Hop{Kind: HopGatewayEndpoint, ID: t.id, Allowed: true})
		w.accept()
	case nil:
		d := g.vpc.addrs[dst]
		if d == nil {
			w.hop(Hop{Kind: HopENI})
			w.drop(DropNoSuchAddress, fmt.Sprintf("no network interface holds %s in VPC %s", dst, g.vpc.id))
			return
		}
		w.enter(d, nsrc, nport, g.eni)
	default:
		w.hop(Hop{Kind: HopNatGateway, ID: g.id})
		w.drop(DropNotTransitive, fmt.Sprintf("NAT gateway %s does not forward to %s (edge-to-edge routing is not supported)", g.id, fe.route.TargetID()))
	}
}

func (w *walker) toPeer(p *PeeringConnection, e *NetworkInterface, src netip.Addr, sport uint16) {
	n, dst := w.n, w.f.Dst
	v := e.subnet.vpc
	peer := p.other(v)
	if !peer.Contains(dst) {
		w.hop(Hop{Kind: HopPeeringConnection, ID: p.id})
		w.drop(DropNotTransitive, fmt.Sprintf("%s links %s and %s only; %s is not in %s (peering is not transitive)", p.id, v.id, peer.id, dst, peer.id))
		return
	}
	w.hop(Hop{Kind: HopPeeringConnection, ID: p.id, Allowed: true})
	d := peer.addrs[dst]
	if d == nil {
		w.hop(Hop{Kind: HopENI})
		w.drop(DropNoSuchAddress, fmt.Sprintf("no network interface holds %s in VPC %s", dst, peer.id))
		return
	}
	if v.region != peer.region {
		w.r.Latency += n.interRegion(v.region, peer.region)
		a := n.accumulator(e.id, usageInterRegion, v.region, n.prices.InterRegionPerGB)
		b := n.accumulator(d.id, usageInterRegion, peer.region, n.prices.InterRegionPerGB)
		w.r.fwd = append(w.r.fwd, rate{e.id, usageInterRegion, n.prices.InterRegionPerGB, a})
		w.r.ret = append(w.r.ret, rate{d.id, usageInterRegion, n.prices.InterRegionPerGB, b})
	} else {
		w.r.Latency += w.azLatency(e.subnet.az, d.subnet.az)
		w.crossAZ(e, d)
	}
	w.checks = append(w.checks, retCheck{rt: d.subnet.RouteTable(), peer: src, want: p})
	w.enter(d, src, sport, e)
}

func (w *walker) toAppliance(app, e *NetworkInterface, src netip.Addr, sport uint16) {
	f := w.f
	if w.hops++; w.hops > maxAppliances {
		w.hop(Hop{Kind: HopAppliance, ID: app.id})
		w.drop(DropRoutingLoop, fmt.Sprintf("flow passed %d appliances; routing loop at %s", maxAppliances, app.id))
		return
	}
	if app.subnet != e.subnet && !w.nacl(app.subnet, false, src, sport) {
		return
	}
	if !w.sgIn(app, "appliance ", src, e) {
		return
	}
	w.hop(Hop{Kind: HopAppliance, ID: app.id, Allowed: !app.srcDst})
	if app.srcDst {
		w.drop(DropSourceDestCheck, fmt.Sprintf("appliance %s has source/destination check on and drops traffic for %s", app.id, f.Dst))
		return
	}
	w.r.Latency += w.azLatency(e.subnet.az, app.subnet.az)
	w.crossAZ(e, app)
	w.forward(app, src, sport)
}

func (w *walker) fromOnPrem() {
	f, n := w.f, w.n
	v := f.Src.VPC
	if v == nil || v.vgw == nil {
		w.drop(DropInvalidFlow, "on-premises flow needs a VPC with a VPN gateway")
		return
	}
	g := v.vgw
	inside := false
	for _, p := range g.onPrem {
		if p.Contains(f.Src.Addr) {
			inside = true
		}
	}
	if !inside {
		w.drop(DropInvalidFlow, fmt.Sprintf("%s is not in the on-premises blocks of %s", f.Src.Addr, g.id))
		return
	}
	w.hop(Hop{Kind: HopOnPremises, Allowed: true})
	w.hop(Hop{Kind: HopVpnGateway, ID: g.id, Allowed: true})
	d := v.addrs[f.Dst]
	if d == nil {
		w.hop(Hop{Kind: HopENI})
		w.drop(DropNoSuchAddress, fmt.Sprintf("no network interface holds %s in VPC %s", f.Dst, v.id))
		return
	}
	w.r.Latency += n.latency.InternetGateway
	w.checks = append(w.checks, retCheck{rt: d.subnet.RouteTable(), peer: f.Src.Addr, want: g})
	w.enter(d, f.Src.Addr, f.SrcPort, nil)
}

// checkReturn walks the reply back through the recorded checks.
func (w *walker) checkReturn() {
	f := w.f
	w.ret = true
	for i := len(w.checks) - 1; i >= 0; i-- {
		c := w.checks[i]
		if c.acl != nil {
			num, act := c.acl.evaluate(c.egress, c.peer, f.Protocol, c.port)
			w.hop(Hop{Kind: pickKind(c.egress), ID: c.acl.id, Rule: num, Allowed: act == Allow})
			if act != Allow {
				w.drop(DropNetworkACL, fmt.Sprintf("return traffic: network ACL %s %s rule %s denies %s %s %s port %d (NACLs are stateless: allow the ephemeral ports)",
					c.acl.id, pick(c.egress, "outbound", "inbound"), ruleName(num), f.Protocol, pick(c.egress, "to", "from"), c.peer, c.port))
				return
			}
			continue
		}
		fe := c.rt.lookup(c.peer)
		if fe == nil || !fe.route.active() || fe.route.target != c.want {
			h := Hop{Kind: HopRouteTable, ID: c.rt.id}
			got := "has no route to " + c.peer.String()
			if fe != nil {
				h.Route, h.Target = fe.p, fe.route.TargetID()
				got = "sends " + c.peer.String() + " by route " + fe.p.String() + " -> " + fe.route.TargetID() + " (" + fe.route.State() + ")"
			}
			w.hop(h)
			w.drop(DropNoReturnRoute, fmt.Sprintf("return traffic: route table %s %s, not back through %s", c.rt.id, got, c.want.TargetID()))
			return
		}
		w.hop(Hop{Kind: HopRouteTable, ID: c.rt.id, Route: fe.p, Target: fe.route.TargetID(), Allowed: true})
	}
	w.accept()
}

func pickKind(egress bool) HopKind {
	if egress {
		return HopNetworkACLEgress
	}
	return HopNetworkACLIngress
}

func (w *walker) azLatency(a, b string) time.Duration {
	if a == b {
		return w.n.latency.SameAZ
	}
	return w.n.latency.CrossAZ
}

// crossAZ adds the regional transfer charge, paid by sender and receiver
// in each direction, when a and b are in different AZs.
func (w *walker) crossAZ(a, b *NetworkInterface) {
	if a.subnet.az == b.subnet.az {
		return
	}
	n := w.n
	p := n.prices.CrossAZPerGB
	ra := rate{a.id, usageRegional, p, n.accumulator(a.id, usageRegional, a.subnet.vpc.region, p)}
	rb := rate{b.id, usageRegional, p, n.accumulator(b.id, usageRegional, b.subnet.vpc.region, p)}
	w.r.fwd = append(w.r.fwd, ra, rb)
	w.r.ret = append(w.r.ret, rb, ra)
}

// internetEgress charges the request bytes leaving through an IGW to the
// sender, unless they go to an AWS service of the same region (S3,
// DynamoDB prefix lists), which is not internet transfer.
func (w *walker) internetEgress(resource, region string) {
	n, dst := w.n, w.f.Dst
	if _, ok := n.public[dst]; ok {
		return // stays in AWS; the regional public-IP rate ([verify]) is not modelled
	}
	for _, pl := range n.prefix {
		if strings.HasPrefix(pl.name, "com.amazonaws."+region+".") && pl.Contains(dst) {
			return
		}
	}
	acc := n.accumulator(resource, usageInternetOut, region, n.prices.InternetEgressPerGB)
	w.r.fwd = append(w.r.fwd, rate{resource, usageInternetOut, n.prices.InternetEgressPerGB, acc})
}

func (w *walker) bottleneck(bps float64) {
	if bps > 0 && (w.r.bps == 0 || bps < w.r.bps) {
		w.r.bps = bps
	}
}

// peerENI finds the ENI holding a in a VPC peered (actively) with v.
func (n *Network) peerENI(v *VPC, a netip.Addr) *NetworkInterface {
	for _, p := range n.peerings {
		if p.state != PeeringActive || (p.requester != v && p.accepter != v) {
			continue
		}
		if e, ok := p.other(v).addrs[a]; ok {
			return e
		}
	}
	return nil
}

func sgIDs(sgs []*SecurityGroup) string {
	if len(sgs) == 1 {
		return sgs[0].id
	}
	ids := make([]string, len(sgs))
	for i, g := range sgs {
		ids[i] = g.id
	}
	return strings.Join(ids, ",")
}

// interRegion is the one-way delay between two regions.
func (n *Network) interRegion(a, b string) time.Duration {
	if n.latency.InterRegion > 0 {
		return n.latency.InterRegion
	}
	ra, _ := geo.LookupRegion(a)
	rb, _ := geo.LookupRegion(b)
	return geo.DefaultLatency().RTT(ra.Location, rb.Location) / 2
}
