package s3

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// LifecycleFilter selects the object versions a rule applies to; empty
// fields match everything.
type LifecycleFilter struct {
	Prefix string // key prefix
	// Tags must all be present on the object with these values.
	Tags map[string]string
	// ObjectSizeGreaterThan and ObjectSizeLessThan bound the size in bytes
	// (0 = unbounded).
	ObjectSizeGreaterThan, ObjectSizeLessThan int64
}

// Transition moves objects to StorageClass Days after creation (current
// versions) or after becoming noncurrent (noncurrent versions).
type Transition struct {
	Days         int          // days after creation or becoming noncurrent
	StorageClass StorageClass // target class
}

// Expiration expires current versions Days after creation, or (with
// ExpiredObjectDeleteMarker) removes delete markers that have no versions
// left behind them.
type Expiration struct {
	Days                      int  // days after creation (0 = none)
	ExpiredObjectDeleteMarker bool // remove lone delete markers
}

// NoncurrentExpiration permanently deletes noncurrent versions Days after
// they became noncurrent, keeping the NewerNoncurrentVersions newest.
type NoncurrentExpiration struct {
	Days                    int // days after becoming noncurrent
	NewerNoncurrentVersions int // newest noncurrent versions kept
}

// LifecycleRule is one rule of a bucket lifecycle configuration.
type LifecycleRule struct {
	// ID names the rule (at most 255 characters, unique in the bucket).
	ID string
	// Disabled keeps the rule without applying it (Status "Disabled").
	Disabled                     bool
	Filter                       LifecycleFilter       // which versions the rule applies to
	Transitions                  []Transition          // current-version transitions
	Expiration                   *Expiration           // current-version expiration (nil = none)
	NoncurrentVersionTransitions []Transition          // noncurrent-version transitions
	NoncurrentVersionExpiration  *NoncurrentExpiration // noncurrent-version expiration (nil = none)
	// AbortIncompleteMultipartUploadDays aborts uploads this many days
	// after initiation (0 = never).
	AbortIncompleteMultipartUploadDays int
}

// PutBucketLifecycleConfiguration replaces the bucket's lifecycle rules,
// checking AWS's constraints: at most 1,000 rules with unique IDs; no
// transition to STANDARD or against the waterfall (see the package doc);
// at least 30 days before Standard-IA or One Zone-IA; 30 days between an IA
// transition and a later Glacier Flexible or Deep Archive one; expiration
// after every transition. Errors wrap ErrInvalidConfig.
func (b *Bucket) PutBucketLifecycleConfiguration(rules []LifecycleRule) error {
	if len(rules) > 1000 {
		return fmt.Errorf("s3: bucket %q: %d lifecycle rules > 1000: %w", b.cfg.Name, len(rules), ErrInvalidConfig)
	}
	ids := map[string]bool{}
	for i, r := range rules {
		name := r.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		} else if ids[r.ID] {
			return fmt.Errorf("s3: bucket %q: lifecycle rule ID %q is not unique: %w", b.cfg.Name, r.ID, ErrInvalidConfig)
		}
		ids[r.ID] = true
		if err := r.validate(); err != nil {
			return fmt.Errorf("s3: bucket %q: lifecycle rule %q: %s: %w", b.cfg.Name, name, err, ErrInvalidConfig)
		}
	}
	b.lifecycle = slices.Clone(rules)
	for i := range b.lifecycle {
		r := &b.lifecycle[i]
		r.Filter.Tags = maps.Clone(r.Filter.Tags)
		r.Transitions = slices.Clone(r.Transitions)
		r.NoncurrentVersionTransitions = slices.Clone(r.NoncurrentVersionTransitions)
	}
	if b.svc.s.Tracing() {
		b.svc.s.Trace("s3", "PutBucketLifecycleConfiguration", b.cfg.Name, sim.F("rules", len(rules)))
	}
	return nil
}

// LifecycleRules returns a copy of the lifecycle rules.
func (b *Bucket) LifecycleRules() []LifecycleRule { return slices.Clone(b.lifecycle) }

func (r *LifecycleRule) validate() error {
	if len(r.ID) > 255 {
		return fmt.Errorf("ID longer than 255 characters")
	}
	f := r.Filter
	if f.ObjectSizeGreaterThan < 0 || f.ObjectSizeLessThan < 0 ||
		f.ObjectSizeLessThan > 0 && f.ObjectSizeLessThan <= f.ObjectSizeGreaterThan {
		return fmt.Errorf("ObjectSizeGreaterThan %d / ObjectSizeLessThan %d", f.ObjectSizeGreaterThan, f.ObjectSizeLessThan)
	}
	if len(r.Transitions) == 0 && r.Expiration == nil && len(r.NoncurrentVersionTransitions) == 0 &&
		r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUploadDays == 0 {
		return fmt.Errorf("at least one action needs to be specified")
	}
	last, err := checkTransitions("Transitions", r.Transitions, 0)
	if err != nil {
		return err
	}
	if e := r.Expiration; e != nil {
		switch {
		case e.ExpiredObjectDeleteMarker && e.Days != 0:
			return fmt.Errorf("Expiration: ExpiredObjectDeleteMarker cannot be specified with Days")
		case !e.ExpiredObjectDeleteMarker && e.Days < 1:
			return fmt.Errorf("Expiration.Days %d < 1", e.Days)
		case e.Days != 0 && e.Days <= last:
			return fmt.Errorf("Expiration.Days %d must be greater than the last transition's %d", e.Days, last)
		}
	}
	lastNC, err := checkTransitions("NoncurrentVersionTransitions", r.NoncurrentVersionTransitions, 1)
	if err != nil {
		return err
	}
	if e := r.NoncurrentVersionExpiration; e != nil {
		switch {
		case e.Days < 1:
			return fmt.Errorf("NoncurrentVersionExpiration.Days %d < 1", e.Days)
		case e.Days <= lastNC:
			return fmt.Errorf("NoncurrentVersionExpiration.Days %d must be greater than the last noncurrent transition's %d", e.Days, lastNC)
		case e.NewerNoncurrentVersions < 0 || e.NewerNoncurrentVersions > 100:
			return fmt.Errorf("NewerNoncurrentVersions %d not in 0..100", e.NewerNoncurrentVersions)
		}
	}
	if r.AbortIncompleteMultipartUploadDays < 0 {
		return fmt.Errorf("AbortIncompleteMultipartUpload.DaysAfterInitiation %d < 1", r.AbortIncompleteMultipartUploadDays)
	}
	if r.AbortIncompleteMultipartUploadDays > 0 && len(f.Tags) > 0 {
		return fmt.Errorf("AbortIncompleteMultipartUpload cannot be specified with a tag filter")
	}
	return nil
}

// checkTransitions applies the waterfall and timing constraints to a list
// of transitions and returns the largest Days.
func checkTransitions(field string, ts []Transition, minDays int) (int, error) {
	sorted := slices.Clone(ts)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Days < sorted[j].Days })
	from, fromDays, last := Standard, 0, 0
	for i, t := range sorted {
		switch {
		case t.StorageClass >= numClasses:
			return 0, fmt.Errorf("%s: invalid storage class %d", field, t.StorageClass)
		case t.Days < minDays:
			return 0, fmt.Errorf("%s: Days %d < %d", field, t.Days, minDays)
		case (t.StorageClass == StandardIA || t.StorageClass == OneZoneIA) && t.Days < 30:
			return 0, fmt.Errorf("%s: Days %d for %s must be at least 30", field, t.Days, t.StorageClass)
		case i > 0 && t.Days == sorted[i-1].Days:
			return 0, fmt.Errorf("%s: two transitions at %d days", field, t.Days)
		case !lifecycleAllowed(from, t.StorageClass):
			return 0, fmt.Errorf("%s: transition from %s to %s is not allowed", field, from, t.StorageClass)
		case (from == StandardIA || from == OneZoneIA) && (t.StorageClass == Glacier || t.StorageClass == DeepArchive) && t.Days-fromDays < 30:
			return 0, fmt.Errorf("%s: %s at %d days is less than 30 days after %s at %d", field, t.StorageClass, t.Days, from, fromDays)
		}
		from, fromDays, last = t.StorageClass, t.Days, t.Days
	}
	return last, nil
}

func (f *LifecycleFilter) match(key string, v *version) bool {
	if len(key) < len(f.Prefix) || key[:len(f.Prefix)] != f.Prefix {
		return false
	}
	if f.ObjectSizeGreaterThan > 0 && v.size <= f.ObjectSizeGreaterThan || f.ObjectSizeLessThan > 0 && v.size >= f.ObjectSizeLessThan {
		return false
	}
	for k, want := range f.Tags {
		if v.x == nil || v.x.tags[k] != want {
			return false
		}
	}
	return true
}

// due reports whether days after since, rounded up to midnight UTC as S3
// rounds, is at or before now.
func (b *Bucket) due(since sim.Time, days int, now sim.Time) bool {
	// More days than have passed since since is never due; checking it
	// first also keeps days*day from overflowing for absurd Days.
	if days > int(now.Sub(since)/day)+1 {
		return false
	}
	return b.svc.midnightAfter(since.Add(time.Duration(days)*day)) <= now
}

// runLifecycle applies the rules at a daily run.
func (b *Bucket) runLifecycle(now sim.Time) {
	if len(b.lifecycle) == 0 {
		return
	}
	var emptied []*entry
	var expire []string
	b.tree.Ascend(func(e *entry) bool {
		if b.lifecycleEntry(e, now) {
			expire = append(expire, e.key)
		}
		if len(e.vs) == 0 {
			emptied = append(emptied, e)
		}
		return true
	})
	for _, e := range emptied {
		b.unlink(e)
	}
	// Expiring a current version of a versioned bucket writes a delete
	// marker, which may insert into the tree: do it after the walk.
	for _, k := range expire {
		if b.versioning == Unversioned {
			if e := b.get(k); e != nil {
				b.remove(e, 0, now, true)
			}
			continue
		}
		m := b.newVersion(k, 0, Standard, 0)
		m.marker = true
		b.write(k, m)
	}
	ids := make([]string, 0, len(b.uploads))
	for id := range b.uploads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		u := b.uploads[id]
		for i := range b.lifecycle {
			r := &b.lifecycle[i]
			if !r.Disabled && r.AbortIncompleteMultipartUploadDays > 0 && len(u.key) >= len(r.Filter.Prefix) &&
				u.key[:len(r.Filter.Prefix)] == r.Filter.Prefix && b.due(u.initiated, r.AbortIncompleteMultipartUploadDays, now) {
				b.release(id, u)
				break
			}
		}
	}
}

// lifecycleEntry applies the rules to one key's versions and reports
// whether its current version expires.
func (b *Bucket) lifecycleEntry(e *entry, now sim.Time) (expireCurrent bool) {
	for i := 0; i < len(e.vs); i++ {
		v := &e.vs[i]
		current := i == 0
		if current && v.marker {
			if len(e.vs) == 1 && b.anyRule(e.key, v, func(r *LifecycleRule) bool {
				return r.Expiration != nil && r.Expiration.ExpiredObjectDeleteMarker
			}) {
				b.drop(e, 0, now, false)
				return false
			}
			continue
		}
		since := v.created
		if !current {
			since = v.noncurrentSince
		}
		expire := b.anyRule(e.key, v, func(r *LifecycleRule) bool {
			if current {
				return r.Expiration != nil && r.Expiration.Days > 0 && b.due(since, r.Expiration.Days, now)
			}
			ne := r.NoncurrentVersionExpiration
			return ne != nil && i-1 >= ne.NewerNoncurrentVersions && b.due(since, ne.Days, now)
		})
		if expire && current {
			expireCurrent = true
			continue
		}
		if expire {
			b.drop(e, i, now, true)
			i--
			continue
		}
		if v.marker {
			continue
		}
		target, ok := b.transitionTarget(e.key, v, current, since, now)
		if ok {
			b.transition(v, target, now)
		}
	}
	return expireCurrent
}

func (b *Bucket) anyRule(key string, v *version, pred func(*LifecycleRule) bool) bool {
	for i := range b.lifecycle {
		r := &b.lifecycle[i]
		if !r.Disabled && r.Filter.match(key, v) && pred(r) {
			return true
		}
	}
	return false
}

// transitionTarget picks, among the due transitions of matching rules, the
// coldest class the version may move to.
func (b *Bucket) transitionTarget(key string, v *version, current bool, since, now sim.Time) (StorageClass, bool) {
	best, found := StorageClass(0), false
	for i := range b.lifecycle {
		r := &b.lifecycle[i]
		if r.Disabled || !r.Filter.match(key, v) {
			continue
		}
		ts := r.Transitions
		if !current {
			ts = r.NoncurrentVersionTransitions
		}
		sized := r.Filter.ObjectSizeGreaterThan > 0 || r.Filter.ObjectSizeLessThan > 0
		for _, t := range ts {
			if !lifecycleAllowed(v.class, t.StorageClass) || !b.due(since, t.Days, now) ||
				!b.smallOK(v, t.StorageClass, sized) || found && t.StorageClass <= best {
				continue
			}
			best, found = t.StorageClass, true
		}
	}
	return best, found
}

// smallOK applies S3's rules for objects under 128 KiB: never from Standard
// or Standard-IA to Intelligent-Tiering or Glacier IR, or from Standard to
// an IA class; and (since September 2024, unless Config says otherwise)
// not at all unless the rule has a size filter.
func (b *Bucket) smallOK(v *version, to StorageClass, sized bool) bool {
	const small = 128 << 10
	if v.size >= small {
		return true
	}
	if !b.svc.cfg.SmallObjectTransitions && !sized {
		return false
	}
	switch {
	case (v.class == Standard || v.class == StandardIA) && (to == IntelligentTiering || to == GlacierIR):
		return false
	case v.class == Standard && (to == StandardIA || to == OneZoneIA):
		return false
	}
	return true
}

// transition moves a version to another class, billing the early-deletion
// remainder of the old class and one transition request into the new one.
func (b *Bucket) transition(v *version, to StorageClass, now sim.Time) {
	b.chargeEarly(v, now)
	b.charge("", v, -1)
	if v.class == IntelligentTiering {
		b.intCount--
	}
	v.class, v.classSince, v.tier = to, now, TierFrequent
	if to == IntelligentTiering {
		b.intCount++
		v.lastAccess = now
	}
	b.charge("", v, 1)
	b.use.requests[to][0]++
}

// setTier moves an Intelligent-Tiering version between access tiers.
func (b *Bucket) setTier(v *version, t Tier) {
	b.charge("", v, -1)
	v.tier = t
	b.charge("", v, 1)
}

// runTiering moves Intelligent-Tiering objects to colder tiers after the
// documented days without access.
func (b *Bucket) runTiering(now sim.Time) {
	if b.intCount == 0 {
		return
	}
	it := b.cfg.IntelligentTiering
	b.tree.Ascend(func(e *entry) bool {
		for i := range e.vs {
			v := &e.vs[i]
			if v.class != IntelligentTiering || v.marker || v.size < IntelligentTieringMinMonitoredSize ||
				v.x != nil && (v.x.restoring || v.x.restoredUntil > 0) {
				continue
			}
			idle := now.Sub(v.lastAccess)
			t := TierFrequent
			switch {
			case it.DeepArchiveAccessDays > 0 && idle >= time.Duration(it.DeepArchiveAccessDays)*day:
				t = TierDeepArchive
			case it.ArchiveAccessDays > 0 && idle >= time.Duration(it.ArchiveAccessDays)*day:
				t = TierArchive
			case idle >= IntelligentTieringArchiveInstantDays*day:
				t = TierArchiveInstant
			case idle >= IntelligentTieringInfrequentDays*day:
				t = TierInfrequent
			}
			if t > v.tier {
				b.setTier(v, t)
			}
		}
		return true
	})
}

// MaxRestoreDays caps RestoreInput.Days so the expiry stays far inside
// sim.Time's range (100 years; an assumption: AWS documents no maximum).
const MaxRestoreDays = 36500

// RestoreInput are RestoreObject's parameters.
type RestoreInput struct {
	VersionID string // version to restore ("" = current)
	// Days the restored copy stays available (1..MaxRestoreDays; ignored
	// for Intelligent-Tiering, whose restores move the object back to
	// Frequent Access).
	Days int
	Tier RestoreTier // retrieval tier (Expedited, Standard, Bulk)
}

// RestoreObject starts restoring an archived object (Glacier Flexible
// Retrieval, Deep Archive, or Intelligent-Tiering's archive tiers). The
// restore completes after a time drawn from the tier's range; HEAD then
// shows the expiry, and GET works until the copy expires at midnight UTC
// after Days. Restoring a restored object extends its expiry. Errors:
// InvalidObjectState (not archived), RestoreAlreadyInProgress,
// InvalidArgument (Days outside 1..MaxRestoreDays, Expedited from Deep
// Archive).
func (b *Bucket) RestoreObject(key string, in RestoreInput) error {
	res := b.cfg.Name + "/" + key
	e, v, err, _ := b.lookup(key, in.VersionID)
	if err != nil {
		return err.at(res)
	}
	intArchive := v.class == IntelligentTiering && v.tier >= TierArchive
	if !v.class.Info().Archived && !intArchive {
		return ErrInvalidObjectState.withMessage("restore is not allowed for the object's current storage class").at(res)
	}
	times, gi := &b.svc.cfg.GlacierRestoreTimes, 0
	if v.class == DeepArchive || intArchive && v.tier == TierDeepArchive {
		times, gi = &b.svc.cfg.DeepArchiveRestoreTimes, 1
	}
	switch {
	case in.Tier >= numRestoreTiers || times[in.Tier] == (RestoreTime{}):
		return ErrInvalidArgument.withMessage("restore tier %s is not available", in.Tier).at(res)
	case !intArchive && (in.Days < 1 || in.Days > MaxRestoreDays):
		return ErrInvalidArgument.withMessage("restore Days %d not in 1..%d", in.Days, MaxRestoreDays).at(res)
	case v.x != nil && v.x.restoring:
		return ErrRestoreInProgress.at(res)
	}
	now := b.svc.s.Now()
	if v.x == nil {
		v.x = &extra{}
	}
	if v.x.restoredUntil > 0 {
		v.x.restoredUntil = b.svc.midnightAfter(now.Add(time.Duration(in.Days) * day))
		return nil
	}
	if !intArchive {
		r := &b.use.restores[gi][in.Tier]
		r.n++
		r.bytes += v.size
	}
	v.x.restoring = true
	t := times[in.Tier]
	d := t.Min + time.Duration(b.rng.Rand()*float64(t.Max-t.Min))
	id, days := v.id, in.Days
	b.svc.s.After(d, func() { b.restored(e.key, id, days, intArchive) })
	b.trace("RestoreObject", key, b.versionID(v))
	return nil
}

// restored completes a restore, if the version still exists.
func (b *Bucket) restored(key string, id uint64, days int, intArchive bool) {
	e := b.get(key)
	if e == nil || b.deleted {
		return
	}
	i := slices.IndexFunc(e.vs, func(v version) bool { return v.id == id && v.x != nil && v.x.restoring })
	if i < 0 {
		return
	}
	v := &e.vs[i]
	v.x.restoring = false
	now := b.svc.s.Now()
	if intArchive {
		v.lastAccess = now
		b.setTier(v, TierFrequent)
	} else {
		b.charge("", v, -1)
		v.x.restoredUntil = b.svc.midnightAfter(now.Add(time.Duration(days) * day))
		b.charge("", v, 1)
		b.restoredRefs = append(b.restoredRefs, restoreRef{key, id})
	}
	b.trace("RestoreCompleted", key, b.versionID(v))
}

type restoreRef struct {
	key string
	id  uint64
}

// expireRestores drops restored copies whose expiry has come.
func (b *Bucket) expireRestores(now sim.Time) {
	keep := b.restoredRefs[:0]
	for _, r := range b.restoredRefs {
		e := b.get(r.key)
		if e == nil {
			continue
		}
		i := slices.IndexFunc(e.vs, func(v version) bool { return v.id == r.id && v.x != nil && v.x.restoredUntil > 0 })
		if i < 0 {
			continue
		}
		v := &e.vs[i]
		if v.x.restoredUntil > now {
			keep = append(keep, r)
			continue
		}
		b.charge("", v, -1)
		v.x.restoredUntil = 0
		b.charge("", v, 1)
	}
	b.restoredRefs = keep
}

// loseOneZone removes every One Zone-IA version and upload (AZ loss).
func (b *Bucket) loseOneZone() int {
	now, lost := b.svc.s.Now(), 0
	var emptied []*entry
	b.tree.Ascend(func(e *entry) bool {
		for i := 0; i < len(e.vs); i++ {
			if e.vs[i].class == OneZoneIA && !e.vs[i].marker {
				b.drop(e, i, now, false)
				i--
				lost++
			}
		}
		if len(e.vs) == 0 {
			emptied = append(emptied, e)
		} else {
			e.vs[0].noncurrentSince = 0
		}
		return true
	})
	for _, e := range emptied {
		b.unlink(e)
	}
	for _, u := range b.ListMultipartUploads() {
		if up := b.uploads[u.UploadID]; up.in.StorageClass == OneZoneIA {
			b.release(u.UploadID, up)
		}
	}
	return lost
}
