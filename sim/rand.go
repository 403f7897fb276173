package sim

import (
	"fmt"
	"math/rand/v2"
)

// Stream returns the run's random stream called name. Its numbers depend
// only on (Seed, name): a component that draws from its own stream never
// shifts the numbers another component sees. Calls with the same name
// return the same *rand.Rand, so give each component a distinct name such
// as "ec2/i-0abc/service". A *rand.Rand is a rand.Source, so it can be the
// Src of a gonum distuv distribution.
func (s *Sim) Stream(name string) *rand.Rand {
	if r, ok := s.streams[name]; ok {
		return r
	}
	r := NewStream(s.seed, name)
	s.streams[name] = r
	return r
}

// NewStream returns a stream seeded from (seed, name), independent of any
// Sim; Sim.Stream uses it.
func NewStream(seed uint64, name string) *rand.Rand {
	h := hashName(name)
	return rand.New(rand.NewPCG(mix(seed^0x9e3779b97f4a7c15), mix(h^seed)))
}

// DeriveSeed returns a seed derived from (seed, name), for child runs such
// as the replications of a sweep.
func DeriveSeed(seed uint64, name string) uint64 { return mix(seed ^ mix(hashName(name))) }

// hashName is 64-bit FNV-1a.
func hashName(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h
}

// mix is the SplitMix64 finaliser: a bijection that spreads nearby inputs.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// NewID returns a deterministic AWS-style resource ID with the given prefix,
// such as "i-0a1b2c3d4e5f60718" for prefix "i". IDs depend only on the seed,
// the prefix and how many IDs with that prefix came before.
func (s *Sim) NewID(prefix string) string {
	n := s.ids[prefix]
	s.ids[prefix] = n + 1
	v := mix(s.seed ^ mix(hashName(prefix)+n))
	return fmt.Sprintf("%s-0%016x", prefix, v)
}
