package ec2

import (
	"fmt"
	"net/netip"
)

// BasicSubnet is a Subnet for runs without a VPC model: a CIDR block in one
// AZ whose addresses are handed out lowest first, skipping the five AWS
// reserves in every subnet (network, router, DNS, future use, broadcast).
type BasicSubnet struct {
	id, az string
	prefix netip.Prefix
	used   map[netip.Addr]bool
	free   int
}

// NewBasicSubnet returns a subnet of an IPv4 CIDR block between /16 and /28
// (AWS's subnet size limits) in availability zone az.
func NewBasicSubnet(id, az string, cidr netip.Prefix) (*BasicSubnet, error) {
	if id == "" || az == "" {
		return nil, fmt.Errorf("ec2: subnet %q: ID and AZ must be set: %w", id, ErrInvalidConfig)
	}
	if !cidr.IsValid() || !cidr.Addr().Is4() || cidr.Bits() < 16 || cidr.Bits() > 28 {
		return nil, fmt.Errorf("ec2: subnet %q: CIDR %v must be IPv4 /16 to /28: %w", id, cidr, ErrInvalidConfig)
	}
	cidr = cidr.Masked()
	return &BasicSubnet{id: id, az: az, prefix: cidr, used: map[netip.Addr]bool{}, free: 1<<(32-cidr.Bits()) - 5}, nil
}

// ID returns the subnet ID.
func (s *BasicSubnet) ID() string { return s.id }

// AZ returns the subnet's availability zone.
func (s *BasicSubnet) AZ() string { return s.az }

// CIDR returns the subnet's block.
func (s *BasicSubnet) CIDR() netip.Prefix { return s.prefix }

// Free returns how many addresses are unallocated.
func (s *BasicSubnet) Free() int { return s.free }

// AllocateIP returns the lowest free address, or an error wrapping
// ErrInsufficientAddresses.
func (s *BasicSubnet) AllocateIP() (netip.Addr, error) {
	if s.free == 0 {
		return netip.Addr{}, fmt.Errorf("ec2: subnet %s (%v): no free address: %w", s.id, s.prefix, ErrInsufficientAddresses)
	}
	a := s.prefix.Addr().Next().Next().Next().Next() // .0–.3 are reserved
	for s.used[a] {
		a = a.Next()
	}
	s.used[a] = true
	s.free--
	return a, nil
}

// ReleaseIP frees an address allocated by AllocateIP.
func (s *BasicSubnet) ReleaseIP(a netip.Addr) {
	if s.used[a] {
		delete(s.used, a)
		s.free++
	}
}
