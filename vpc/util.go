package vpc

import (
	"net/netip"

	"github.com/nimbus-sim/nimbus/sim"
)

// Trace field helpers keep control-plane events uniform.
func fieldName(n string) sim.Field           { return sim.F("name", n) }
func fieldCIDR(p netip.Prefix) sim.Field     { return sim.F("cidr", p.String()) }
func fieldAddr(a netip.Addr) sim.Field       { return sim.F("addr", a.String()) }
func fieldAZ(az string) sim.Field            { return sim.F("az", az) }
func fieldVPC(v *VPC) sim.Field              { return sim.F("vpc", v.id) }
func fieldSubnet(s *Subnet) sim.Field        { return sim.F("subnet", s.id) }
func fieldENI(e *NetworkInterface) sim.Field { return sim.F("eni", e.id) }
func fieldTarget(id string) sim.Field        { return sim.F("target", id) }
func fieldType(t string) sim.Field           { return sim.F("type", t) }
