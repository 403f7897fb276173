package vpc

import (
	"fmt"
	"net/netip"
	"strings"

	"go4.org/netipx"
)

// Size limits for IPv4 VPC and subnet CIDR blocks (AWS: /16 to /28), and the
// fixed IPv6 sizes (a VPC gets a /56, a subnet a /64).
const (
	MinIPv4PrefixLen = 16
	MaxIPv4PrefixLen = 28
	VPCIPv6PrefixLen = 56
	SubnetIPv6Len    = 64
)

// ReservedPerSubnet is the number of IPv4 addresses AWS reserves in every
// subnet: network, VPC router (+1), DNS (+2), future use (+3), broadcast.
const ReservedPerSubnet = 5

// ParseCIDR parses an IPv4 or IPv6 CIDR block such as "10.0.0.0/16" and
// rounds it down to its network address, as the AWS API does
// ("100.68.0.18/18" becomes "100.68.0.0/18"). It rejects zones and
// IPv4-mapped IPv6 blocks.
func ParseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("vpc: CIDR %q: %v: %w", s, err, ErrInvalidConfig)
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("vpc: CIDR %q: IPv4-mapped IPv6 is not allowed: %w", s, ErrInvalidConfig)
	}
	return p.Masked(), nil
}

// parseIPv4Block parses an IPv4 VPC or subnet block and checks its size is
// within /16../28. what names the object and field for the error.
func parseIPv4Block(s, what string) (netip.Prefix, error) {
	p, err := ParseCIDR(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%s: %w", what, err)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%s %q: not an IPv4 block: %w", what, s, ErrInvalidConfig)
	}
	if b := p.Bits(); b < MinIPv4PrefixLen || b > MaxIPv4PrefixLen {
		return netip.Prefix{}, fmt.Errorf("%s %q: prefix length /%d outside /%d../%d: %w",
			what, s, b, MinIPv4PrefixLen, MaxIPv4PrefixLen, ErrInvalidConfig)
	}
	return p, nil
}

// Carve returns the first free block of prefix length bits inside parent
// that overlaps none of taken, choosing the smallest free gap that fits
// (netipx best fit), so repeated carving packs blocks tightly. It fails with
// ErrAddressExhausted when no such block exists and ErrInvalidConfig when
// bits does not fit inside parent.
func Carve(parent netip.Prefix, bits int, taken []netip.Prefix) (netip.Prefix, error) {
	if !parent.IsValid() || bits < parent.Bits() || bits > parent.Addr().BitLen() {
		return netip.Prefix{}, fmt.Errorf("vpc: carve /%d from %s: %w", bits, parent, ErrInvalidConfig)
	}
	var b netipx.IPSetBuilder
	b.AddPrefix(parent.Masked())
	for _, t := range taken {
		b.RemovePrefix(t)
	}
	set, err := b.IPSet()
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("vpc: carve /%d from %s: %v: %w", bits, parent, err, ErrInvalidConfig)
	}
	p, _, ok := set.RemoveFreePrefix(uint8(bits))
	if !ok {
		return netip.Prefix{}, fmt.Errorf("vpc: carve /%d from %s: no free block: %w", bits, parent, ErrAddressExhausted)
	}
	return p, nil
}

// Usable returns how many addresses of an IPv4 subnet block instances can
// use: 2^(32-bits) - ReservedPerSubnet (251 for a /24, 11 for a /28).
func Usable(p netip.Prefix) int {
	if !p.Addr().Is4() || p.Bits() > 30 {
		return 0
	}
	return 1<<(32-p.Bits()) - ReservedPerSubnet
}

// v4 is an IPv4 block as (network, mask) for fast containment tests.
type v4 struct{ net, mask uint32 }

func v4Of(p netip.Prefix) v4 {
	a := p.Masked().Addr().As4()
	m := uint32(0)
	if p.Bits() > 0 {
		m = ^uint32(0) << (32 - p.Bits())
	}
	return v4{net: u32(a), mask: m}
}

func (b v4) contains(a uint32) bool { return a&b.mask == b.net }

func u32(a [4]byte) uint32 {
	return uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
}

func addrOf(x uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}

// rfc1918 reports which RFC 1918 block p lies in ("10", "172", "192") or "".
func rfc1918(p netip.Prefix) string {
	for _, r := range [...]struct {
		name string
		p    netip.Prefix
	}{{"10", pfx10}, {"172", pfx172}, {"192", pfx192}} {
		if r.p.Overlaps(p) {
			return r.name
		}
	}
	return ""
}

var (
	pfx10        = netip.MustParsePrefix("10.0.0.0/8")
	pfx172       = netip.MustParsePrefix("172.16.0.0/12")
	pfx192       = netip.MustParsePrefix("192.168.0.0/16")
	pfx198_19    = netip.MustParsePrefix("198.19.0.0/16")
	pfx172_31    = netip.MustParsePrefix("172.31.0.0/16")
	pfxLinkLocal = netip.MustParsePrefix("169.254.0.0/16")
	pfxShared    = netip.MustParsePrefix("100.64.0.0/10")
	pfxIMDS      = netip.MustParsePrefix("169.254.168.0/22")
	pfxIMDS6     = netip.MustParsePrefix("fd00:ec2::/32")
)
