package route53

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/nimbus-sim/nimbus/sim"
)

// CidrCollection holds named locations, each a list of CIDR blocks, for
// IP-based routing.
type CidrCollection struct {
	id, name  string
	version   int64
	locations map[string][]netip.Prefix
}

// CidrCollectionChange adds blocks to a location ("PUT") or removes them
// ("DELETE_IF_EXISTS").
type CidrCollectionChange struct {
	// Action is "PUT" or "DELETE_IF_EXISTS".
	Action string
	// LocationName is the location (1–16 characters, not "*").
	LocationName string
	// CidrList are the blocks, such as "203.0.113.0/24".
	CidrList []string
}

// ID returns the collection ID.
func (c *CidrCollection) ID() string { return c.id }

// Name returns the collection name.
func (c *CidrCollection) Name() string { return c.name }

// Version returns the collection version, incremented by every change.
func (c *CidrCollection) Version() int64 { return c.version }

// Locations returns the location names, sorted.
func (c *CidrCollection) Locations() []string { return slices.Sorted(maps.Keys(c.locations)) }

// Blocks returns a location's CIDR blocks.
func (c *CidrCollection) Blocks(location string) []netip.Prefix {
	return slices.Clone(c.locations[location])
}

func (c *CidrCollection) hasLocation(l string) bool { _, ok := c.locations[l]; return ok }

// match returns the location holding the longest prefix containing ip, or
// "" when none does. Ties between locations go to the smaller name.
func (c *CidrCollection) match(ip netip.Addr) string {
	if !ip.IsValid() {
		return ""
	}
	ip = ip.Unmap()
	best, bits := "", -1
	for _, loc := range c.Locations() {
		for _, p := range c.locations[loc] {
			if p.Bits() > bits && p.Contains(ip) {
				best, bits = loc, p.Bits()
			}
		}
	}
	return best
}

// CreateCidrCollection creates an empty collection (at most 5 per account).
func (r *Route53) CreateCidrCollection(name string) (*CidrCollection, error) {
	if name == "" || len(name) > 64 {
		return nil, fmt.Errorf("route53: CIDR collection %q: Name must have 1–64 characters: %w", name, ErrInvalidConfig)
	}
	if len(r.collections) >= 5 {
		return nil, fmt.Errorf("route53: CIDR collection %q: 5 collections per account: %w", name, ErrLimitExceeded)
	}
	for _, c := range r.collections {
		if c.name == name {
			return nil, fmt.Errorf("route53: CIDR collection %q already exists: %w", name, ErrInvalidConfig)
		}
	}
	id := r.s.NewID("cidrcollection")
	c := &CidrCollection{id: id, name: name, version: 1, locations: map[string][]netip.Prefix{}}
	r.collections[id] = c
	r.trace("CreateCidrCollection", id, sim.F("name", name))
	return c, nil
}

// ChangeCidrCollection applies changes atomically. IPv4 blocks may be /1–/24
// and IPv6 blocks /1–/48; a collection holds at most 1,000 blocks.
func (r *Route53) ChangeCidrCollection(id string, changes []CidrCollectionChange) error {
	c, ok := r.collections[id]
	if !ok {
		return fmt.Errorf("route53: CIDR collection %s: %w", id, ErrNoSuchCidrCollection)
	}
	next := map[string][]netip.Prefix{}
	for k, v := range c.locations {
		next[k] = slices.Clone(v)
	}
	for i, ch := range changes {
		if ch.LocationName == "" || ch.LocationName == "*" || len(ch.LocationName) > 16 {
			return fmt.Errorf("route53: CIDR collection %s: change %d: LocationName %q must have 1–16 characters and not be \"*\": %w", c.name, i+1, ch.LocationName, ErrInvalidInput)
		}
		for _, s := range ch.CidrList {
			p, err := netip.ParsePrefix(s)
			if err != nil || p.Masked() != p {
				return fmt.Errorf("route53: CIDR collection %s: location %s: %q is not a CIDR block: %w", c.name, ch.LocationName, s, ErrInvalidInput)
			}
			if (p.Addr().Is4() && (p.Bits() < 1 || p.Bits() > 24)) || (p.Addr().Is6() && (p.Bits() < 1 || p.Bits() > 48)) {
				return fmt.Errorf("route53: CIDR collection %s: location %s: %s outside /1–/24 (IPv4) or /1–/48 (IPv6): %w", c.name, ch.LocationName, s, ErrInvalidInput)
			}
			switch ch.Action {
			case "PUT":
				if !slices.Contains(next[ch.LocationName], p) {
					next[ch.LocationName] = append(next[ch.LocationName], p)
				}
			case "DELETE_IF_EXISTS":
				next[ch.LocationName] = slices.DeleteFunc(next[ch.LocationName], func(q netip.Prefix) bool { return q == p })
			default:
				return fmt.Errorf("route53: CIDR collection %s: change %d: Action %q is not PUT or DELETE_IF_EXISTS: %w", c.name, i+1, ch.Action, ErrInvalidInput)
			}
		}
		if ch.Action == "DELETE_IF_EXISTS" && len(next[ch.LocationName]) == 0 {
			delete(next, ch.LocationName)
		}
	}
	n := 0
	for _, v := range next {
		n += len(v)
	}
	if n > 1000 {
		return fmt.Errorf("route53: CIDR collection %s: %d blocks > 1000: %w", c.name, n, ErrLimitExceeded)
	}
	c.locations = next
	c.version++
	r.trace("ChangeCidrCollection", id, sim.F("changes", len(changes)))
	return nil
}
