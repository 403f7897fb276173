package cloudfront

import (
	"fmt"
	"strings"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

// Invalidation limits per distribution (Invalidation.html).
const (
	MaxInvalidationFilesInProgress     = 3000
	MaxInvalidationWildcardsInProgress = 15
)

// Invalidation statuses.
const (
	InvalidationInProgress = "InProgress"
	InvalidationCompleted  = "Completed"
)

// Invalidation removes objects from every cache when it completes.
type Invalidation struct {
	// ID is "I" followed by 13 characters.
	ID string
	// CallerReference is the caller's idempotency token.
	CallerReference string
	// Paths are the invalidated paths; a trailing "*" is a wildcard.
	Paths []string
	// Status is InvalidationInProgress or InvalidationCompleted.
	Status string
	// CreateTime and CompleteTime bound it (CompleteTime is the planned
	// instant while in progress).
	CreateTime, CompleteTime sim.Time
	// Removed counts the cached copies it removed, over all locations.
	Removed int
}

// CreateInvalidation starts invalidating paths. Each path starts with "/"
// and may end with "*" (the only wildcard position): "/images/*" or
// "/a.jpg*" (all query-string variants). It completes after
// Config.InvalidationTime, when matching copies leave every cache; later
// requests go to the origin. The first FreeInvalidationPaths paths per
// account per calendar month are free, the rest are billed per path.
func (d *Distribution) CreateInvalidation(callerReference string, paths ...string) (*Invalidation, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("cloudfront: distribution %s: CreateInvalidation: no paths: %w", d.id, ErrInvalidArgument)
	}
	files, wild := 0, 0
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("cloudfront: distribution %s: invalidation path %q must start with /: %w", d.id, p, ErrInvalidArgument)
		}
		if i := strings.IndexByte(p, '*'); i >= 0 && i != len(p)-1 {
			return nil, fmt.Errorf("cloudfront: distribution %s: invalidation path %q: * is allowed only at the end: %w", d.id, p, ErrInvalidArgument)
		}
		if strings.HasSuffix(p, "*") {
			wild++
		} else {
			files++
		}
	}
	for _, inv := range d.invalidations {
		if inv.Status != InvalidationInProgress {
			continue
		}
		for _, p := range inv.Paths {
			if strings.HasSuffix(p, "*") {
				wild++
			} else {
				files++
			}
		}
	}
	if files > MaxInvalidationFilesInProgress || wild > MaxInvalidationWildcardsInProgress {
		return nil, fmt.Errorf("cloudfront: distribution %s: %d files and %d wildcards in progress (limits %d, %d): %w",
			d.id, files, wild, MaxInvalidationFilesInProgress, MaxInvalidationWildcardsInProgress, ErrTooManyInvalidationsInProgress)
	}
	s := d.cf.s
	now := s.Now()
	raw := strings.TrimPrefix(s.NewID("cloudfront-invalidation"), "cloudfront-invalidation-0")
	inv := &Invalidation{ID: "I" + strings.ToUpper(raw[:13]), CallerReference: callerReference, Paths: append([]string(nil), paths...),
		Status: InvalidationInProgress, CreateTime: now, CompleteTime: now.Add(d.cf.cfg.InvalidationTime)}
	d.invalidations = append(d.invalidations, inv)
	d.chargeInvalidation(len(paths), now)
	if s.Tracing() {
		s.Trace("cloudfront", "CreateInvalidation", d.id, sim.F("invalidationId", inv.ID), sim.F("paths", inv.Paths))
	}
	s.Schedule(inv.CompleteTime, func() { d.completeInvalidation(inv) })
	return inv, nil
}

// Invalidations returns the distribution's invalidations, oldest first.
func (d *Distribution) Invalidations() []*Invalidation {
	return append([]*Invalidation(nil), d.invalidations...)
}

func (d *Distribution) completeInvalidation(inv *Invalidation) {
	match := func(e *Entry) bool {
		if e.Distribution != d.id {
			return false
		}
		for _, p := range inv.Paths {
			if pre, ok := strings.CutSuffix(p, "*"); ok {
				if strings.HasPrefix(e.URL, pre) {
					return true
				}
			} else if e.URL == p {
				return true
			}
		}
		return false
	}
	for _, n := range d.cf.edges {
		inv.Removed += n.cache.RemoveIf(match)
	}
	for _, r := range sortedKeys(d.cf.regional) {
		inv.Removed += d.cf.regional[r].cache.RemoveIf(match)
	}
	inv.Status = InvalidationCompleted
	if d.cf.s.Tracing() {
		d.cf.s.Trace("cloudfront", "InvalidationCompleted", d.id, sim.F("invalidationId", inv.ID), sim.F("removed", inv.Removed))
	}
}

// chargeInvalidation bills the paths beyond the account's monthly free
// quota.
func (d *Distribution) chargeInvalidation(paths int, now sim.Time) {
	cf := d.cf
	month := cf.s.Wall(now).UTC().Format("2006-01")
	if month != cf.invalidationMonth {
		cf.invalidationMonth, cf.invalidationPaths = month, 0
	}
	free := cf.cfg.Prices.FreeInvalidationPaths
	before := cf.invalidationPaths
	cf.invalidationPaths += paths
	billable := max(cf.invalidationPaths-free, 0) - max(before-free, 0)
	if billable > 0 && cf.cfg.Billing != nil {
		cf.cfg.Billing.Add(billing.LineItem{Start: now, End: now, Service: "AmazonCloudFront", ResourceID: d.id,
			UsageType: "Invalidations", Region: "global", Quantity: float64(billable), Unit: "Paths",
			Rate: cf.cfg.Prices.InvalidationPerPath, Tags: d.cfg.Tags})
	}
}
