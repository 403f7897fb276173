package ec2

import (
	"fmt"
	"maps"
	"math"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

// HostSpec describes a Dedicated Host to allocate (AllocateHosts with a
// quantity of one). AWS prices hosts per family and region; nimbus ships no
// host price table, so give HourlyPrice from the pricing page.
type HostSpec struct {
	// InstanceFamily is the family whose instances the host runs, such as "m5".
	InstanceFamily string
	// AZ is the host's availability zone.
	AZ string
	// VCPUs is the host's capacity in vCPUs (for example 96 for an m5 host
	// with 48 physical cores).
	VCPUs int
	// HourlyPrice is the on-demand host price, USD per hour.
	HourlyPrice float64
	// Tags are the host's cost-allocation tags.
	Tags map[string]string
}

// Host is a Dedicated Host: a physical server billed by the second while
// allocated (60 s minimum [unverified; modelled like instances]), whose
// instances are not billed themselves.
type Host struct {
	e        *EC2
	id       string
	spec     HostSpec
	used     int // vCPUs of instances placed and not terminated
	released bool
	res      billing.Resource
	start    sim.Time
	billedTo sim.Time
	secs     int64
}

// AllocateHost allocates a Dedicated Host.
func (e *EC2) AllocateHost(spec HostSpec) (*Host, error) {
	bad := func(field string, v any) error {
		return fmt.Errorf("ec2: host %s/%s: %s %v: %w", spec.InstanceFamily, spec.AZ, field, v, ErrInvalidConfig)
	}
	switch {
	case spec.InstanceFamily == "":
		return nil, bad("InstanceFamily", `""`)
	case spec.AZ == "":
		return nil, bad("AZ", `""`)
	case spec.VCPUs < 1:
		return nil, bad("VCPUs", spec.VCPUs)
	case !(spec.HourlyPrice >= 0) || math.IsInf(spec.HourlyPrice, 0):
		return nil, bad("HourlyPrice", spec.HourlyPrice)
	}
	spec.Tags = maps.Clone(spec.Tags)
	now := e.s.Now()
	h := &Host{e: e, id: e.s.NewID("h"), spec: spec, start: now, billedTo: now}
	h.res = billing.Resource{Service: billing.ServiceEC2, ID: h.id, Region: e.cfg.Region, Tags: spec.Tags}
	e.hosts = append(e.hosts, h)
	e.live++
	e.startBillingTicker()
	if e.s.Tracing() {
		e.s.Trace("ec2", "AllocateHosts", h.id, sim.F("family", spec.InstanceFamily), sim.F("az", spec.AZ), sim.F("vcpus", spec.VCPUs))
	}
	return h, nil
}

// ID returns the host ID, such as "h-0123456789abcdef0".
func (h *Host) ID() string { return h.id }

// AZ returns the host's availability zone.
func (h *Host) AZ() string { return h.spec.AZ }

// Capacity returns the vCPUs in use by instances and the host's total.
func (h *Host) Capacity() (used, total int) { return h.used, h.spec.VCPUs }

// Release releases the host (ReleaseHosts); it fails while instances that
// are not terminated occupy it.
func (h *Host) Release() error {
	if h.released {
		return nil
	}
	if h.used > 0 {
		return fmt.Errorf("ec2: host %s: release with %d vCPUs of instances on it: %w", h.id, h.used, ErrIncorrectState)
	}
	h.settle(true)
	h.released = true
	if h.e.s.Tracing() {
		h.e.s.Trace("ec2", "ReleaseHosts", h.id)
	}
	h.e.gone()
	return nil
}

// place reserves room for an instance of type t in subnet az.
func (h *Host) place(t InstanceType, az string) error {
	switch {
	case h.released:
		return fmt.Errorf("ec2: launch %s on host %s: host released: %w", t.Name, h.id, ErrIncorrectState)
	case t.Family() != h.spec.InstanceFamily:
		return fmt.Errorf("ec2: launch %s on host %s: host runs %s instances: %w", t.Name, h.id, h.spec.InstanceFamily, ErrInvalidConfig)
	case az != h.spec.AZ:
		return fmt.Errorf("ec2: launch %s on host %s: subnet AZ %s is not the host's %s: %w", t.Name, h.id, az, h.spec.AZ, ErrInvalidConfig)
	case h.used+t.VCPUs > h.spec.VCPUs:
		return fmt.Errorf("ec2: launch %s on host %s: %d of %d vCPUs free: %w", t.Name, h.id, h.spec.VCPUs-h.used, h.spec.VCPUs, ErrInsufficientHostCapacity)
	}
	h.used += t.VCPUs
	return nil
}

func (h *Host) settle(final bool) {
	if h.released {
		return
	}
	now := h.e.s.Now()
	secs := billedSeconds(h.start, now, final)
	if d := secs - h.secs; d > 0 {
		h.e.bill(billing.LineItem{Start: h.billedTo, End: now, Service: billing.ServiceEC2, ResourceID: h.id,
			UsageType: "HostUsage:" + h.spec.InstanceFamily, Region: h.e.cfg.Region, Quantity: float64(d) / 3600,
			Unit: billing.UnitHours, Rate: h.spec.HourlyPrice, Tags: h.res.Tags})
		h.secs, h.billedTo = secs, now
	}
}
