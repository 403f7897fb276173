package ec2

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// CreditMode is a burstable instance's credit specification.
type CreditMode string

// Credit specifications of burstable (T) instances.
const (
	// CreditStandard throttles the instance to its baseline when its credit
	// balance runs out.
	CreditStandard CreditMode = "standard"
	// CreditUnlimited lets the instance spend surplus credits beyond its
	// balance; surplus not paid back from later earnings is billed.
	CreditUnlimited CreditMode = "unlimited"
)

// InstanceType describes one instance type: its size, its price and, for
// burstable types, its CPU credit figures.
type InstanceType struct {
	// Name is the API name, such as "c7g.large".
	Name string
	// VCPUs is the number of vCPUs; each serves one request at a time.
	VCPUs int
	// MemoryGiB is the instance memory in GiB.
	MemoryGiB float64
	// NetworkGbps is the peak network bandwidth in Gbit/s ("up to" figures
	// for the smaller sizes); 0 when AWS publishes none. Informational:
	// the serving model does not limit bandwidth.
	NetworkGbps float64
	// HourlyPrice is the on-demand Linux price in us-east-1, USD per hour.
	HourlyPrice float64
	// Arch is "x86_64" or "arm64".
	Arch string
	// Speed is the work a vCPU of this type does per second, relative to
	// the reference vCPU that sim.Request.Work is measured on; 0 means 1.
	// nimbus ships every type at 1: relative speeds are workload-specific.
	Speed float64
	// CreditsPerHour is the CPU credits a burstable type earns per hour;
	// 0 for fixed-performance types. One credit is one vCPU at 100% for one
	// minute, so the baseline per vCPU is CreditsPerHour / VCPUs / 60.
	CreditsPerHour float64
	// LaunchCreditsPerVCPU is the credits a standard-mode instance gets at
	// each launch or start, spent first and not counted toward the cap
	// (30 for T2; T3 and T4g get none).
	LaunchCreditsPerVCPU float64
	// DefaultCreditMode is the credit specification when a launch gives
	// none: unlimited for T3/T4g, standard for T2 (and when empty).
	DefaultCreditMode CreditMode
	// CreditsKeptOnStop is how long a stopped instance keeps its earned
	// credits (7 days for T3/T4g; 0 for T2, which loses them on stop).
	CreditsKeptOnStop time.Duration
}

// Burstable reports whether the type earns and spends CPU credits.
func (t InstanceType) Burstable() bool { return t.CreditsPerHour > 0 }

// Baseline returns the baseline utilization per vCPU as a fraction (0.1 for
// t3.micro), or 1 for fixed-performance types.
func (t InstanceType) Baseline() float64 {
	if !t.Burstable() {
		return 1
	}
	return t.CreditsPerHour / float64(t.VCPUs) / 60
}

// MaxCredits returns the largest earned-credit balance: 24 hours of earnings.
func (t InstanceType) MaxCredits() float64 { return 24 * t.CreditsPerHour }

// Family returns the part of the name before the dot, such as "c7g".
func (t InstanceType) Family() string {
	f, _, _ := strings.Cut(t.Name, ".")
	return f
}

func (t InstanceType) speed() float64 {
	if t.Speed == 0 {
		return 1
	}
	return t.Speed
}

// maxVCPUs bounds a type's vCPUs (the server keeps state per vCPU): well
// above the largest EC2 types, the 896-vCPU u7i high-memory instances
// [unverified in nimbus's AWS notes].
const maxVCPUs = 4096

// Validate checks the figures are usable.
func (t InstanceType) Validate() error {
	bad := func(field string, v any) error {
		return fmt.Errorf("ec2: instance type %q: %s %v: %w", t.Name, field, v, ErrInvalidConfig)
	}
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) && f >= 0 }
	switch {
	case t.Name == "" || !strings.Contains(t.Name, "."):
		return bad("Name", "must be family.size")
	case t.VCPUs < 1 || t.VCPUs > maxVCPUs:
		return bad("VCPUs", fmt.Sprintf("%d (want 1 to %d)", t.VCPUs, maxVCPUs))
	case !finite(t.MemoryGiB) || t.MemoryGiB == 0:
		return bad("MemoryGiB", t.MemoryGiB)
	case !finite(t.NetworkGbps):
		return bad("NetworkGbps", t.NetworkGbps)
	case !finite(t.HourlyPrice):
		return bad("HourlyPrice", t.HourlyPrice)
	case !finite(t.Speed):
		return bad("Speed", t.Speed)
	case !finite(t.CreditsPerHour) || t.CreditsPerHour > float64(t.VCPUs)*60:
		return bad("CreditsPerHour", t.CreditsPerHour)
	case !finite(t.LaunchCreditsPerVCPU):
		return bad("LaunchCreditsPerVCPU", t.LaunchCreditsPerVCPU)
	case t.CreditsKeptOnStop < 0:
		return bad("CreditsKeptOnStop", t.CreditsKeptOnStop)
	}
	switch t.DefaultCreditMode {
	case "", CreditStandard, CreditUnlimited:
	default:
		return bad("DefaultCreditMode", t.DefaultCreditMode)
	}
	return nil
}

// Catalog is a set of instance types by name.
type Catalog struct {
	types map[string]InstanceType
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog { return &Catalog{types: map[string]InstanceType{}} }

// Add adds or replaces a type after validating it.
func (c *Catalog) Add(t InstanceType) error {
	if err := t.Validate(); err != nil {
		return err
	}
	c.types[t.Name] = t
	return nil
}

// Lookup returns the named type.
func (c *Catalog) Lookup(name string) (InstanceType, bool) {
	t, ok := c.types[name]
	return t, ok
}

// Types returns every type sorted by name.
func (c *Catalog) Types() []InstanceType {
	out := make([]InstanceType, 0, len(c.types))
	for _, t := range c.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Clone returns an independent copy.
func (c *Catalog) Clone() *Catalog {
	n := NewCatalog()
	for k, t := range c.types {
		n.types[k] = t
	}
	return n
}

// sized is one size of a fixed-performance family.
type sized struct {
	size  string
	vcpus int
	gbps  float64
}

// family generates a fixed-performance family whose price and memory scale
// with vCPUs, as they do for m5, m6i, m7g, c5, c6i, c7g, r5 and r6i.
func family(name, arch string, memPerVCPU, pricePerVCPU float64, sizes []sized) []InstanceType {
	out := make([]InstanceType, len(sizes))
	for i, s := range sizes {
		out[i] = InstanceType{
			Name: name + "." + s.size, VCPUs: s.vcpus, MemoryGiB: memPerVCPU * float64(s.vcpus),
			NetworkGbps: s.gbps, HourlyPrice: math.Round(pricePerVCPU*float64(s.vcpus)*1e5) / 1e5, Arch: arch,
		}
	}
	return out
}

var (
	sizes5 = []sized{{"large", 2, 10}, {"xlarge", 4, 10}, {"2xlarge", 8, 10}, {"4xlarge", 16, 10},
		{"8xlarge", 32, 10}, {"12xlarge", 48, 10}, {"16xlarge", 64, 20}, {"24xlarge", 96, 25}}
	sizesC5 = []sized{{"large", 2, 10}, {"xlarge", 4, 10}, {"2xlarge", 8, 10}, {"4xlarge", 16, 10},
		{"9xlarge", 36, 12}, {"12xlarge", 48, 12}, {"18xlarge", 72, 25}, {"24xlarge", 96, 25}}
	sizes6i = []sized{{"large", 2, 12.5}, {"xlarge", 4, 12.5}, {"2xlarge", 8, 12.5}, {"4xlarge", 16, 12.5},
		{"8xlarge", 32, 12.5}, {"12xlarge", 48, 18.75}, {"16xlarge", 64, 25}, {"24xlarge", 96, 37.5}, {"32xlarge", 128, 50}}
	sizes7g = []sized{{"medium", 1, 12.5}, {"large", 2, 12.5}, {"xlarge", 4, 12.5}, {"2xlarge", 8, 12.5},
		{"4xlarge", 16, 12.5}, {"8xlarge", 32, 15}, {"12xlarge", 48, 22.5}, {"16xlarge", 64, 30}}
)

// burst builds a burstable type.
func burst(name, arch string, vcpus int, mem, gbps, price, creditsPerHour, launchPerVCPU float64, mode CreditMode, kept time.Duration) InstanceType {
	return InstanceType{Name: name, VCPUs: vcpus, MemoryGiB: mem, NetworkGbps: gbps, HourlyPrice: price, Arch: arch,
		CreditsPerHour: creditsPerHour, LaunchCreditsPerVCPU: launchPerVCPU, DefaultCreditMode: mode, CreditsKeptOnStop: kept}
}

// DefaultCatalog returns a fresh catalog of the families users size with:
// t2, t3, t4g, m5, m6i, m7g, c5, c6i, c7g, r5 and r6i, several sizes each.
//
// Credit figures (earned per hour, launch credits, 7-day retention for
// T3/T4g, the unlimited default) are from the EC2 User Guide's burstable
// pages. Prices are us-east-1 on-demand Linux list prices as published on
// the EC2 pricing page (fixed-performance families are priced per vCPU:
// m5/m6i $0.048, m7g $0.0408, c5/c6i $0.0425, c7g $0.03625, r5/r6i $0.063
// per vCPU-hour); they change, so treat them as defaults [unverified in
// nimbus's AWS notes] and override by adding a type of the same name.
// Memory and network figures are from the instance-type pages.
func DefaultCatalog() *Catalog {
	c := NewCatalog()
	const week = 7 * 24 * time.Hour
	var all []InstanceType
	for _, t := range []struct {
		size   string
		vcpus  int
		mem    float64
		t3, t4 float64 // hourly prices
		credit float64
	}{
		{"nano", 2, 0.5, 0.0052, 0.0042, 6},
		{"micro", 2, 1, 0.0104, 0.0084, 12},
		{"small", 2, 2, 0.0208, 0.0168, 24},
		{"medium", 2, 4, 0.0416, 0.0336, 24},
		{"large", 2, 8, 0.0832, 0.0672, 36},
		{"xlarge", 4, 16, 0.1664, 0.1344, 96},
		{"2xlarge", 8, 32, 0.3328, 0.2688, 192},
	} {
		all = append(all,
			burst("t3."+t.size, "x86_64", t.vcpus, t.mem, 5, t.t3, t.credit, 0, CreditUnlimited, week),
			burst("t4g."+t.size, "arm64", t.vcpus, t.mem, 5, t.t4, t.credit, 0, CreditUnlimited, week))
	}
	for _, t := range []struct {
		size   string
		vcpus  int
		mem    float64
		price  float64
		credit float64
	}{
		{"nano", 1, 0.5, 0.0058, 3},
		{"micro", 1, 1, 0.0116, 6},
		{"small", 1, 2, 0.023, 12},
		{"medium", 2, 4, 0.0464, 24},
		{"large", 2, 8, 0.0928, 36},
		{"xlarge", 4, 16, 0.1856, 54},
		{"2xlarge", 8, 32, 0.3712, 81.6},
	} {
		all = append(all, burst("t2."+t.size, "x86_64", t.vcpus, t.mem, 0, t.price, t.credit, 30, CreditStandard, 0))
	}
	all = append(all, family("m5", "x86_64", 4, 0.048, sizes5)...)
	all = append(all, family("r5", "x86_64", 8, 0.063, sizes5)...)
	all = append(all, family("c5", "x86_64", 2, 0.0425, sizesC5)...)
	all = append(all, family("m6i", "x86_64", 4, 0.048, sizes6i)...)
	all = append(all, family("c6i", "x86_64", 2, 0.0425, sizes6i)...)
	all = append(all, family("r6i", "x86_64", 8, 0.063, sizes6i)...)
	all = append(all, family("m7g", "arm64", 4, 0.0408, sizes7g)...)
	all = append(all, family("c7g", "arm64", 2, 0.03625, sizes7g)...)
	for _, t := range all {
		if err := c.Add(t); err != nil {
			panic("ec2: default catalog: " + err.Error()) // a bug in the table above
		}
	}
	return c
}
